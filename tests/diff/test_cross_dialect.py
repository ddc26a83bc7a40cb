"""A ``$ref`` into a file of an older dialect reads that file with its own dialect's meaning.

Each file is rewritten into the Draft 2020-12 form on its own; a pointer from
another file (``legacy.json#/definitions/pair/items/1``) is re-aimed at where
the rewrite of *that* file put its target, never guessed segment by segment.
Also: a nested duplicate key in a side's file is a usage error naming the
file, the line and the object holding it.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest
from jsonschema import Draft202012Validator

from saas_contracts.diff import SchemaSet, diff_and_gate
from saas_contracts.errors import DiffInputError, InputFileError, UnresolvableReferenceError

if TYPE_CHECKING:
    from pathlib import Path

DRAFT4 = "http://json-schema.org/draft-04/schema#"
DRAFT7 = "http://json-schema.org/draft-07/schema#"
DRAFT2020 = "https://json-schema.org/draft/2020-12/schema"


def _write(root: Path, relative: str, document: object) -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")


def _legacy7(maximum: int) -> dict[str, Any]:
    return {
        "$schema": DRAFT7,
        "definitions": {
            "pair": {
                "type": "array",
                "items": [{"type": "string"}, {"type": "integer", "maximum": maximum}],
                "additionalItems": False,
            },
            "wrapped": {"$ref": "#/definitions/pair", "maxItems": 0},
        },
        "components": {"tuple": {"type": "array", "items": [{"type": "integer", "maximum": maximum}]}},
    }


_MAIN = {
    "$schema": DRAFT2020,
    "type": "object",
    "properties": {
        "pair": {"$ref": "legacy.json#/definitions/pair"},
        "second": {"$ref": "legacy.json#/definitions/pair/items/1"},
        "wrapped": {"$ref": "legacy.json#/definitions/wrapped"},
        "tuple": {"$ref": "legacy.json#/components/tuple"},
    },
}


def _sides(tmp_path: Path, legacy: Any, before: Any, after: Any, main: Any = _MAIN) -> tuple[Path, Path]:
    for side, document in (("old", before), ("new", after)):
        _write(tmp_path / side, "legacy.json", legacy(document) if callable(legacy) else document)
        _write(tmp_path / side, "main.json", main)
    return tmp_path / "old", tmp_path / "new"


class TestDraft07Referenced:
    """A Draft 2020-12 schema using a draft-07 file's array-form items."""

    def test_pointers_resolve_to_where_the_rewrite_put_them(self, tmp_path):
        old, _ = _sides(tmp_path, _legacy7, 10, 10)
        side = SchemaSet(old)
        main = side.docs["main.json"].contents["properties"]
        assert side.lookup(main["pair"]["$ref"])["prefixItems"][1] == {"type": "integer", "maximum": 10}
        assert side.lookup(main["second"]["$ref"]) == {"type": "integer", "maximum": 10}
        # a member of an unknown keyword: rewritten (array items read as draft-07's) and placed in $defs
        assert side.lookup(main["tuple"]["$ref"])["prefixItems"] == [{"type": "integer", "maximum": 10}]

    def test_the_referenced_file_keeps_its_semantics(self, tmp_path):
        """additionalItems: false holds, and the maxItems beside the draft-07 $ref is ignored."""
        old, _ = _sides(tmp_path, _legacy7, 10, 10)
        side = SchemaSet(old)
        main = Draft202012Validator({"$ref": side.docs["main.json"].uri}, registry=side.registry)
        assert main.is_valid({"pair": ["a", 1], "wrapped": ["a", 1], "second": 3, "tuple": [1, "x"]})
        assert not main.is_valid({"pair": ["a", 1, 2]})
        assert not main.is_valid({"pair": ["a", "b"]})
        assert not main.is_valid({"tuple": [11]})
        assert not main.is_valid({"second": 11})

    def test_a_narrowed_item_is_breaking_for_every_path(self, tmp_path):
        old, new = _sides(tmp_path, _legacy7, 10, 5)
        result = diff_and_gate(SchemaSet(old), SchemaSet(new))
        changes = [change for change in result.changes if change.kind == "maximum-lowered"]
        assert {change.backward.value for change in changes} == {"breaking"}
        reached = {(place.file, place.instance) for change in changes for place in change.places}
        assert {("main.json", "/pair/1"), ("main.json", "/second"), ("main.json", "/wrapped/1")} <= reached
        assert ("main.json", "/tuple/0") in reached
        for change in changes:  # checked against the definition (a list) or main.json (an object)
            (example,) = change.counterexamples
            assert isinstance(example.instance, (list, dict))
            assert example.valid_under == "old"

    def test_cli(self, cli, tmp_path):
        old, new = _sides(tmp_path, _legacy7, 10, 5)
        done = cli("diff", str(old), str(new), "-o", "json")
        assert done.exit_code == 1, done.output
        payload = json.loads(done.stdout)
        assert payload["files"]["main.json"]["backward"] == "breaking"
        unchanged = cli("diff", str(old), str(old))
        assert unchanged.exit_code == 0, unchanged.output


def _legacy4(exclusive: bool) -> dict[str, Any]:
    return {
        "$schema": DRAFT4,
        "definitions": {"price": {"type": "number", "minimum": 0, "exclusiveMinimum": exclusive}},
        "properties": {"inner": {"$ref": "#/definitions/price", "maximum": 1}},
    }


class TestDraft04Referenced:
    """A Draft 2020-12 schema using a draft-04 file whose boolean exclusiveMinimum changes."""

    MAIN: dict[str, Any] = {  # noqa: RUF012 - a constant document
        "type": "object",
        "properties": {
            "price": {"$ref": "legacy.json#/definitions/price"},
            "inner": {"$ref": "legacy.json#/properties/inner"},
        },
    }

    def test_boolean_exclusive_minimum_turned_on_is_breaking(self, tmp_path):
        old, new = _sides(tmp_path, _legacy4, False, True, self.MAIN)  # noqa: FBT003
        result = diff_and_gate(SchemaSet(old), SchemaSet(new))
        (change,) = [change for change in result.changes if change.kind == "minimum-raised"]
        assert change.backward.value == "breaking"
        assert change.forward.value == "compatible"
        places = {(place.file, place.instance) for place in change.places}
        assert {("main.json", "/price"), ("main.json", "/inner")} <= places
        assert change.counterexamples[0].instance in (0, {"inner": 0}, {"price": 0})

    def test_turned_off_is_compatible(self, tmp_path):
        old, new = _sides(tmp_path, _legacy4, True, False, self.MAIN)  # noqa: FBT003
        result = diff_and_gate(SchemaSet(old), SchemaSet(new))
        assert result.gate is not None
        assert result.gate.passed
        assert {change.backward.value for change in result.changes} == {"compatible"}

    def test_maximum_beside_a_draft_04_ref_is_ignored(self, tmp_path):
        old, _ = _sides(tmp_path, _legacy4, False, False, self.MAIN)  # noqa: FBT003
        side = SchemaSet(old)
        inner = side.lookup(side.docs["main.json"].contents["properties"]["inner"]["$ref"])
        assert "maximum" not in inner

    def test_an_older_file_referencing_another_older_file(self, tmp_path):
        """draft-07 -> draft-04: each pointer re-aimed through the rewrite of the file it points into."""
        seven = {"$schema": DRAFT7, "properties": {"p": {"$ref": "legacy.json#/definitions/price"}}}
        for side, exclusive in (("old", False), ("new", True)):
            _write(tmp_path / side, "legacy.json", _legacy4(exclusive))
            _write(tmp_path / side, "seven.json", seven)
        result = diff_and_gate(SchemaSet(tmp_path / "old"), SchemaSet(tmp_path / "new"))
        (change,) = [change for change in result.changes if change.kind == "minimum-raised"]
        assert ("seven.json", "/p") in {(place.file, place.instance) for place in change.places}

    def test_dangling_pointer_names_what_the_file_says(self, tmp_path):
        main = {"properties": {"x": {"$ref": "legacy.json#/definitions/missing"}}}
        _write(tmp_path, "legacy.json", _legacy4(False))  # noqa: FBT003
        _write(tmp_path, "main.json", main)
        with pytest.raises(UnresolvableReferenceError, match=r"legacy\.json#/definitions/missing"):
            diff_and_gate(SchemaSet(tmp_path), SchemaSet(tmp_path))


class TestDuplicateKeys:
    """A nested duplicate key in a side's file: file, line and the object holding it, exit 2."""

    TEXT = '{"type": "object",\n "properties": {\n  "x": {"maxLength": 3,\n        "maxLength": 4}}}\n'

    def test_plain_tree(self, cli, tmp_path):
        _write(tmp_path / "old", "a.json", {"type": "object"})
        (tmp_path / "new").mkdir()
        (tmp_path / "new" / "a.json").write_text(self.TEXT, encoding="utf-8")
        with pytest.raises(InputFileError, match=r"in the object at /properties/x \(line 4\)"):
            SchemaSet(tmp_path / "new")
        done = cli("diff", str(tmp_path / "old"), str(tmp_path / "new"))
        assert done.exit_code == 2
        assert "new/a.json: duplicate object key" in done.stderr
        assert (
            "the key /properties/x/maxLength appears twice in the object at /properties/x (line 4)"
            in done.stderr
        )

    def test_layout_tree(self, cli, tmp_path):
        relative = "billing/v1/a.schema.json"
        document = {
            "$schema": DRAFT2020,
            "$id": "https://saas-contracts.dev/schemas/" + relative,
            "type": "object",
        }
        _write(tmp_path / "old", relative, document)
        text = json.dumps(document)[:-1] + ', "properties": {"x": {"type": "string",\n "type": "integer"}}}'
        (tmp_path / "new" / "billing" / "v1").mkdir(parents=True)
        (tmp_path / "new" / relative).write_text(text, encoding="utf-8")
        with pytest.raises((InputFileError, DiffInputError), match=r"object at /properties/x \(line 2\)"):
            SchemaSet(tmp_path / "new")
        done = cli("diff", str(tmp_path / "old"), str(tmp_path / "new"))
        assert done.exit_code == 2
        assert "a.schema.json: duplicate object key" in done.stderr
        assert "/properties/x (line 2)" in done.stderr
