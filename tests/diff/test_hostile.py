"""The ``diff`` command on hostile schemas: a bad schema is exit 2 naming its file, never a crash."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest

from saas_contracts.diff import DiffInputError, Verdict, diff_schemas
from saas_contracts.diff._compare import Walker
from saas_contracts.diff._normalize import Normalizer, Ref
from saas_contracts.diff._sources import (
    MAX_SCHEMA_DEPTH,
    check_schema_document,
    join_uri,
    single_document_set,
)

if TYPE_CHECKING:
    from pathlib import Path

    from tests._support import Cli


def _nested(keyword: str, levels: int) -> Any:
    schema: Any = {"type": "string"}
    for _ in range(levels):
        schema = (
            {"type": "object", "properties": {"a": schema}} if keyword == "properties" else {keyword: schema}
        )
    return schema


def _sides(tmp_path: Path, old: object, new: object, *, name: str = "a.json") -> tuple[str, str]:
    for side, document in (("old", old), ("new", new)):
        folder = tmp_path / side
        folder.mkdir(exist_ok=True)
        text = document if isinstance(document, str) else json.dumps(document)
        (folder / name).write_text(text, encoding="utf-8")
    return str(tmp_path / "old"), str(tmp_path / "new")


class TestBadSchemas:
    """A file that is not a schema the differ can walk is a usage error (exit 2) naming the file."""

    def test_unknown_type_name_is_not_a_valid_schema(self, cli: Cli, tmp_path: Path) -> None:
        """``"type": "strin"`` is reported against the metaschema, without echoing the value."""
        old, new = _sides(tmp_path, {"type": "string"}, {"type": "strin"})
        result = cli("diff", old, new)
        assert result.exit_code == 2
        assert "a.json: not a valid JSON Schema (Draft 2020-12): /type:" in result.stderr
        assert '"strin"' not in result.stderr
        assert "Traceback" not in result.output

    @pytest.mark.parametrize(
        ("keyword", "levels"), [("not", 400), ("properties", 300), ("items", 200)], ids=str
    )
    def test_deep_nesting_is_refused_with_a_clear_message(
        self, cli: Cli, tmp_path: Path, keyword: str, levels: int
    ) -> None:
        """Schemas nested past the documented limit are refused before anything recurses over them."""
        old, new = _sides(tmp_path, {"type": "string"}, _nested(keyword, levels))
        result = cli("diff", old, new)
        assert result.exit_code == 2
        assert f"new/a.json: schema nested too deeply (more than {MAX_SCHEMA_DEPTH} levels" in result.stderr

    def test_deep_old_side_is_refused_too(self, cli: Cli, tmp_path: Path) -> None:
        """The old side is checked like the new one."""
        old, new = _sides(tmp_path, _nested("not", 400), {"type": "string"})
        result = cli("diff", old, new)
        assert result.exit_code == 2
        assert "old/a.json: schema nested too deeply" in result.stderr

    def test_five_thousand_nested_arrays_are_bad_json(self, cli: Cli, tmp_path: Path) -> None:
        """Nesting the JSON reader refuses is exit 2 with the file's name."""
        old, new = _sides(tmp_path, {"type": "string"}, "[" * 5000 + "]" * 5000)
        result = cli("diff", old, new)
        assert result.exit_code == 2
        assert "a.json: invalid JSON: nested too deeply" in result.stderr

    def test_layout_tree_is_checked(self, cli: Cli, tmp_path: Path) -> None:
        """A tree laid out like schemas/ gets the same checks as any other tree."""
        relative = "c/v1/a.schema.json"
        header = {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": f"https://saas-contracts.dev/schemas/{relative}",
        }
        for side, body in (("old", {"type": "string"}), ("new", {"type": "strin"})):
            path = tmp_path / side / relative
            path.parent.mkdir(parents=True)
            path.write_text(json.dumps({**header, **body}), encoding="utf-8")
        result = cli("diff", str(tmp_path / "old"), str(tmp_path / "new"))
        assert result.exit_code == 2
        assert f"new/{relative}: not a valid JSON Schema" in result.stderr

    def test_lone_surrogate_escape_is_bad_json(self, cli: Cli, tmp_path: Path) -> None:
        """A JSON string with a lone surrogate escape is refused by the reader (exit 2)."""
        old, new = _sides(tmp_path, {"type": "string"}, '{"type": "string", "title": "\\ud800"}')
        result = cli("diff", old, new)
        assert result.exit_code == 2
        assert "a.json: invalid JSON: a string holds a lone surrogate escape" in result.stderr

    def test_surrogate_in_a_pattern_is_an_ordinary_change(self, cli: Cli, tmp_path: Path) -> None:
        """A regex escape ``\\ud800`` (valid JSON) is compared like any other pattern."""
        old, new = _sides(tmp_path, {"type": "string"}, '{"type": "string", "pattern": "\\\\ud800"}')
        result = cli("diff", old, new, "-o", "json")
        assert result.exit_code == 1
        assert [change["kind"] for change in json.loads(result.stdout)["changes"]] == ["pattern-added"]


class TestDepthLimit:
    """The depth limit is measured without recursion and leaves the differ room below it."""

    def test_limit_itself_is_accepted_and_compared(self, cli: Cli, tmp_path: Path) -> None:
        """A schema exactly at the limit is diffed (the walk stops at its own depth limit, as unknown)."""
        deepest = _nested("not", MAX_SCHEMA_DEPTH - 1)
        old, new = _sides(tmp_path, deepest, json.loads(json.dumps(deepest).replace("string", "integer")))
        result = cli("diff", old, new, "-o", "json", "--no-gate")
        assert result.exit_code == 0, result.stderr
        assert [change["kind"] for change in json.loads(result.stdout)["changes"]] == ["depth-limit"]

    def test_one_past_the_limit_is_refused(self) -> None:
        """The check counts objects and arrays: one more level is refused."""
        check_schema_document(_nested("not", MAX_SCHEMA_DEPTH - 1), "x.json")
        with pytest.raises(DiffInputError, match="nested too deeply"):
            check_schema_document(_nested("not", MAX_SCHEMA_DEPTH), "x.json")

    def test_arrays_count_as_levels(self) -> None:
        """``allOf`` arrays add a level each, so a list-heavy schema is measured correctly."""
        schema: Any = {"type": "string"}
        for _ in range(MAX_SCHEMA_DEPTH // 2):
            schema = {"allOf": [schema]}
        with pytest.raises(DiffInputError, match="nested too deeply"):
            check_schema_document(schema, "x.json")


class TestLongAllOf:
    """Flattening a long ``allOf`` never drops branches."""

    def test_branches_past_the_merge_guard_still_count(self) -> None:
        """A type change in the 100th ``allOf`` branch is not reported as compatible."""
        prefix = [{"minLength": index} for index in range(1, 100)]
        result = diff_schemas(
            {"allOf": [*prefix, {"type": "string"}]}, {"allOf": [*prefix, {"type": "integer"}]}
        )
        assert [change.kind for change in result.changes] == ["type-changed"]
        assert result.changes[0].backward is not Verdict.COMPATIBLE


class TestComparisonFailure:
    """An unexpected failure on one file is reported against that file; the other files are compared."""

    @pytest.fixture
    def failing_walker(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Make the walk fail for schemas titled ``boom`` (stands for any bug in the differ)."""
        original = Walker.compare

        def compare(self: Walker, old_raw: Any, old_base: str, new_raw: Any, new_base: str) -> Any:
            if isinstance(new_raw, dict) and new_raw.get("title") == "boom":
                raise RecursionError if "deep" in new_base else ValueError("quoted sk_live_value")
            return original(self, old_raw, old_base, new_raw, new_base)

        monkeypatch.setattr(Walker, "compare", compare)

    @pytest.mark.usefixtures("failing_walker")
    @pytest.mark.parametrize(
        ("name", "reason"),
        [("deep.json", "nest deeper than the differ can follow"), ("bug.json", "internal error ValueError")],
        ids=["recursion", "bug"],
    )
    def test_failure_is_a_finding_for_that_file(
        self, cli: Cli, tmp_path: Path, name: str, reason: str
    ) -> None:
        """The failing file is a ``comparison-failed`` change (exit 3, not the gate's 1); others diffed."""
        _sides(tmp_path, {"type": "string"}, {"type": "integer", "title": "boom"}, name=name)
        _sides(tmp_path, {"type": "string"}, {"type": "integer"}, name="other.json")
        result = cli("diff", str(tmp_path / "old"), str(tmp_path / "new"), "-o", "json")
        assert result.exit_code == 3
        report = json.loads(result.stdout)
        failed = [change for change in report["changes"] if change["file"] == name]
        assert [(c["kind"], c["backward"], c["forward"]) for c in failed] == [
            ("comparison-failed", "unknown", "unknown")
        ]
        assert reason in failed[0]["message"]
        assert result.stderr.startswith(f"diff: {name}: the differ could not compare this file (")
        assert reason in result.stderr
        assert [c["kind"] for c in report["changes"] if c["file"] == "other.json"] == ["type-changed"]
        assert any(v["kind"] == "comparison-failed" for v in report["gate"]["violations"])
        assert "sk_live_value" not in result.output

    @pytest.mark.usefixtures("failing_walker")
    def test_no_gate_reports_and_exits_zero(self, cli: Cli, tmp_path: Path) -> None:
        """With ``--no-gate`` the failure is listed and the command still exits 3: never silent."""
        _sides(tmp_path, {"type": "string"}, {"type": "integer", "title": "boom"})
        result = cli("diff", str(tmp_path / "old"), str(tmp_path / "new"), "--no-gate")
        assert result.exit_code == 3
        assert "comparison-failed" in result.stdout


class TestExpandedViewsExpandAgain:
    """Rules re-read expanded views (``unevaluated*`` scope): a ``Ref`` marker expands like its ``$ref``."""

    def test_view_with_a_ref_marker_expands_to_itself(self) -> None:
        """A nested marker stays a marker, a top-level one is followed (openapi-spec 3.2 crashed here)."""
        side = single_document_set(
            {
                "$schema": "https://json-schema.org/draft/2020-12/schema",
                "$id": "https://example.com/s",
                "$defs": {"flows": {"type": "object"}},
            }
        )
        norm = Normalizer(side, None)
        flows = "https://example.com/s#/$defs/flows"
        view = norm.expand({"properties": {"flows": {"$ref": flows}, "url": {"type": "string"}}})
        assert view == {"properties": {"flows": Ref(flows), "url": {"type": ["string"]}}}
        assert norm.expand(view) == view
        assert norm.expand(Ref(flows)) == norm.expand({"$ref": flows}) == {"type": ["object"]}


class TestUnknownSchemeBase:
    """A ``$id`` of a scheme ``urllib`` does not know still is the base of its ``$ref`` (Angular's ``ng-cli://``)."""

    @pytest.mark.parametrize("base", ["ng-cli://config/schema.json", "urn:example:config"])
    def test_fragment_ref_against_an_unknown_scheme_resolves(self, base: str) -> None:
        """Was refused: ``$ref '#/$defs/cliOptions' ... does not resolve``; now the change is found."""

        def schema(kind: str) -> dict[str, Any]:
            return {
                "$schema": "http://json-schema.org/draft-07/schema",
                "$id": base,
                "type": "object",
                "properties": {"cli": {"$ref": "#/definitions/cliOptions"}},
                "definitions": {"cliOptions": {"type": kind}},
            }

        result = diff_schemas(schema("object"), schema("string"))
        assert [change.kind for change in result.changes] == ["type-changed"]

    def test_relative_ref_against_an_unknown_scheme(self) -> None:
        """Paths join as for ``https`` (RFC 3986 section 5), the scheme kept."""
        assert join_uri("ng-cli://config/a/s.json", "../b.json#/x") == "ng-cli://config/b.json#/x"
        assert join_uri("urn:example:a", "#/x") == "urn:example:a#/x"
        assert join_uri("ng-cli://config/s.json", "https://example.com/y") == "https://example.com/y"
