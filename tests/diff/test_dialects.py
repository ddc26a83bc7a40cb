"""Older dialects are rewritten into the Draft 2020-12 form with the same instances, then compared."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, ClassVar

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from jsonschema import (
    Draft4Validator,
    Draft6Validator,
    Draft7Validator,
    Draft201909Validator,
    Draft202012Validator,
)

from saas_contracts.diff import DiffInputError, Direction, Verdict, diff_schemas
from saas_contracts.diff._dialects import (
    ASSERTING,
    DIALECT_NAMES,
    DRAFT4,
    DRAFT6,
    DRAFT7,
    DRAFT201909,
    DRAFT202012,
    dialect_of,
    dialect_uri,
    to_2020_12,
)
from saas_contracts.errors import UnresolvableReferenceError

if TYPE_CHECKING:
    from pathlib import Path

    from tests._support import Cli

_STOCK = {
    DRAFT4: Draft4Validator,
    DRAFT6: Draft6Validator,
    DRAFT7: Draft7Validator,
    DRAFT201909: Draft201909Validator,
}


class TestRewrite:
    """Each older-dialect keyword becomes its Draft 2020-12 spelling."""

    def test_array_items_and_additional_items(self) -> None:
        """Array ``items`` is ``prefixItems``; ``additionalItems`` is ``items``."""
        out = to_2020_12({"items": [{"type": "string"}], "additionalItems": False}, DRAFT7)
        assert out["prefixItems"] == [{"type": "string"}]
        assert out["items"] is False
        assert "additionalItems" not in out

    def test_additional_items_beside_schema_items_is_dropped(self) -> None:
        """``additionalItems`` next to a schema ``items`` never applies, so it disappears."""
        out = to_2020_12({"items": {"type": "string"}, "additionalItems": False}, DRAFT7)
        assert out == {"$schema": DRAFT202012, "items": {"type": "string"}}

    def test_dependencies_split(self) -> None:
        """Array dependencies are ``dependentRequired``, schema ones ``dependentSchemas``."""
        out = to_2020_12({"dependencies": {"a": ["b"], "c": {"required": ["d"]}}}, DRAFT6)
        assert out["dependentRequired"] == {"a": ["b"]}
        assert out["dependentSchemas"] == {"c": {"required": ["d"]}}

    def test_definitions_and_refs(self) -> None:
        """``definitions`` is ``$defs`` and pointers through it follow; a property named so is kept."""
        document = {
            "definitions": {"a": {"type": "string"}},
            "properties": {
                "definitions": {"$ref": "#/definitions/a"},
                "b": {"$ref": "#/properties/definitions"},
            },
        }
        out = to_2020_12(document, DRAFT7)
        assert out["$defs"] == {"a": {"type": "string"}}
        assert out["properties"]["definitions"] == {"$ref": "#/$defs/a"}
        assert out["properties"]["b"] == {"$ref": "#/properties/definitions"}

    def test_draft04_exclusive_bounds_and_id(self) -> None:
        """Boolean exclusive bounds take the bound's value; ``id`` is ``$id``, a fragment one an anchor."""
        out = to_2020_12(
            {"id": "http://x/s", "minimum": 1, "exclusiveMinimum": True, "maximum": 5,
             "exclusiveMaximum": False, "properties": {"id": {"id": "#here", "type": "string"}}},
            DRAFT4,
        )  # fmt: skip
        assert out["$id"] == "http://x/s"
        assert out["exclusiveMinimum"] == 1
        assert "minimum" not in out
        assert out["maximum"] == 5
        assert "exclusiveMaximum" not in out
        assert out["properties"]["id"] == {"$anchor": "here", "type": "string"}

    def test_ref_siblings_dropped_before_2019(self) -> None:
        """Before 2019-09 ``$ref`` stands alone; from 2019-09 on its siblings apply."""
        node = {"$ref": "#/definitions/a", "type": "integer", "definitions": {"a": {}}, "title": "t"}
        assert to_2020_12(node, DRAFT7) == {
            "$schema": DRAFT202012,
            "$ref": "#/$defs/a",
            "$defs": {"a": {}},
            "title": "t",
        }
        assert to_2020_12(node, DRAFT201909)["type"] == "integer"

    def test_unknown_to_the_dialect_is_dropped(self) -> None:
        """``const`` in draft-04 and ``if`` in draft-06 assert nothing there."""
        assert "const" not in to_2020_12({"const": 1}, DRAFT4)
        assert "if" not in to_2020_12({"if": {"type": "string"}, "then": False}, DRAFT6)
        assert to_2020_12({"const": 1}, DRAFT6)["const"] == 1

    def test_recursive_ref(self) -> None:
        """``$recursiveRef: "#"`` is ``$dynamicRef`` under a ``$recursiveAnchor``, else ``$ref``."""
        anchored = to_2020_12({"$recursiveAnchor": True, "items": {"$recursiveRef": "#"}}, DRAFT201909)
        assert anchored["$dynamicAnchor"] == anchored["items"]["$dynamicRef"][1:]
        plain = to_2020_12({"items": {"$recursiveRef": "#"}}, DRAFT201909)
        assert plain["items"] == {"$ref": "#"}

    def test_2020_12_untouched(self) -> None:
        """A 2020-12 document is returned as is."""
        document = {"definitions": {"a": {}}, "items": [1]}
        assert to_2020_12(document, DRAFT202012) is document


class TestDialectOf:
    """``$schema`` picks the dialect; spellings of one dialect agree; others are refused."""

    @pytest.mark.parametrize(
        "declared",
        ["http://json-schema.org/draft-07/schema#", "https://json-schema.org/draft-07/schema", DRAFT7],
    )
    def test_spellings(self, declared: str) -> None:
        """http/https and a trailing ``#`` name the same dialect."""
        assert dialect_of({"$schema": declared}, "s.json") == DRAFT7

    def test_default(self) -> None:
        """Without ``$schema`` the default applies."""
        assert dialect_of({}, "s.json") == DRAFT202012
        assert dialect_of({}, "s.json", default=DRAFT4) == DRAFT4

    def test_unknown(self) -> None:
        """A dialect the differ does not read is a usage error naming the known ones."""
        with pytest.raises(DiffInputError, match="unsupported \\$schema"):
            dialect_of({"$schema": "http://json-schema.org/draft-03/schema#"}, "s.json")
        with pytest.raises(DiffInputError, match="draft-04"):
            dialect_uri("draft-05")

    def test_names(self) -> None:
        """Every short name maps to a dialect with a keyword table."""
        assert {dialect_uri(name) for name in DIALECT_NAMES} == set(ASSERTING)


_LEAF = st.sampled_from(
    [
        {"type": "string"},
        {"type": "integer"},
        {"minimum": 1},
        {"maximum": 2, "exclusiveMaximum": True},
        {"minimum": 0, "exclusiveMinimum": True},
        {"enum": [1, "a", None]},
        {"const": 1},
        {"contains": {"type": "string"}},
        {"required": ["a"]},
        {"$ref": "#/definitions/d", "type": "string"},
        {"dependencies": {"a": ["b"]}},
        {"dependencies": {"a": {"required": ["c"]}}},
        {"items": [{"type": "integer"}], "additionalItems": False},
        {"items": [{"type": "integer"}, {"type": "string"}], "additionalItems": {"type": "null"}},
        {"items": {"type": "integer"}, "additionalItems": False},
        {"if": {"type": "integer"}, "then": {"minimum": 5}},
        {"dependentRequired": {"a": ["b"]}},
        {"prefixItems": [{"type": "string"}]},
        {"minContains": 2, "contains": {"type": "integer"}},
        {},
    ]
)
_SCHEMAS = st.recursive(
    _LEAF,
    lambda inner: st.one_of(
        st.builds(lambda a, b: {"allOf": [a, b]}, inner, inner),
        st.builds(lambda a, b: {"anyOf": [a, b]}, inner, inner),
        st.builds(lambda a: {"properties": {"a": a, "b": a}}, inner),
        st.builds(lambda a: {"items": [a], "additionalItems": a}, inner),
        st.builds(lambda a: {"not": a}, inner),
    ),
    max_leaves=4,
)
_INSTANCES = st.recursive(
    st.one_of(st.none(), st.integers(-2, 6), st.sampled_from(["", "a", "b"]), st.booleans()),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.sampled_from(["a", "b", "c"]), inner, max_size=3),
    ),
    max_leaves=6,
)


class TestSameInstances:
    """The rewritten document accepts exactly the instances the original accepts under its own dialect."""

    @settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(
        dialect=st.sampled_from(sorted(_STOCK)),
        schema=_SCHEMAS,
        instances=st.lists(_INSTANCES, min_size=1, max_size=6),
    )
    @pytest.mark.slow  # 300 hypothesis examples, ~1.4 s
    def test_differential(self, dialect: str, schema: dict[str, Any], instances: list[Any]) -> None:
        """Stock validator of the dialect on the original == Draft 2020-12 on the rewrite."""
        document = {"$schema": dialect, **schema, "definitions": {"d": {"minLength": 1}}}
        assume(_STOCK[dialect](_STOCK[dialect].META_SCHEMA).is_valid(document))  # the differ refuses others
        original = _STOCK[dialect](document)
        rewritten = Draft202012Validator(to_2020_12(document, dialect))
        for instance in instances:
            if dialect == DRAFT4 and "1.0" in json.dumps(instance):
                continue  # draft-04's integer differs (documented); no float instances are generated anyway
            assert original.is_valid(instance) == rewritten.is_valid(instance), (document, instance)


class TestCompare:
    """Verdicts over older dialects follow the dialect's meaning."""

    def test_additional_items_closed(self) -> None:
        """Closing ``additionalItems`` in draft-07 breaks old data with a longer array."""
        draft = "http://json-schema.org/draft-07/schema#"
        old = {"$schema": draft, "items": [{"type": "string"}]}
        result = diff_schemas(old, {**old, "additionalItems": False})
        assert result.summary(Direction.BACKWARD) is Verdict.BREAKING
        assert result.summary(Direction.FORWARD) is Verdict.COMPATIBLE

    def test_dialect_change_only(self) -> None:
        """The same keywords under draft-07 and 2020-12 are the same instances when they mean the same."""
        body = {"type": "object", "properties": {"a": {"type": "integer", "minimum": 1}}, "required": ["a"]}
        result = diff_schemas({"$schema": "http://json-schema.org/draft-07/schema#", **body}, body)
        assert result.changes == ()

    def test_metaschema_ref_offline(self) -> None:
        """A ``$ref`` to a standard metaschema resolves offline, and an unchanged one reports nothing."""
        for uri in (
            "https://json-schema.org/draft/2020-12/schema",
            "http://json-schema.org/draft-07/schema#",
        ):
            document = {"properties": {"schema": {"$ref": uri}}}
            assert diff_schemas(document, document).changes == ()
        old = {"properties": {"schema": {"$ref": "http://json-schema.org/draft-07/schema#"}}}
        new = {
            "properties": {"schema": {"$ref": "http://json-schema.org/draft-07/schema#", "type": "object"}}
        }
        assert diff_schemas(old, new).summary(Direction.BACKWARD) is Verdict.BREAKING


class TestCli:
    """``--default-dialect`` and ``--map-uri`` on the command line."""

    def test_default_dialect(self, cli: Cli, tmp_path: Path) -> None:
        """Files without ``$schema`` are read in the chosen dialect."""
        for side, extra in (("old", {}), ("new", {"exclusiveMinimum": True})):
            (tmp_path / side).mkdir()
            schema = {"type": "number", "minimum": 0, **extra}
            (tmp_path / side / "s.json").write_text(json.dumps(schema), encoding="utf-8")
        drafted = cli("diff", str(tmp_path / "old"), str(tmp_path / "new"), "--no-gate", "-o", "json",
                      "--default-dialect", "draft-04")  # fmt: skip
        report = json.loads(drafted.output)
        assert report["files"]["s.json"]["backward"] == "breaking"
        refused = cli("diff", str(tmp_path / "old"), str(tmp_path / "new"), "--no-gate")
        assert refused.exit_code == 2  # 2020-12 wants a number for exclusiveMinimum

    def test_map_uri(self, cli: Cli, tmp_path: Path) -> None:
        """A ``$ref`` to a mapped prefix resolves to the side's own file, so its change is seen."""
        for side, kind in (("old", "string"), ("new", "integer")):
            folder = tmp_path / side
            folder.mkdir()
            main = {
                "$id": "https://www.example.org/main.json",
                "properties": {"a": {"$ref": "https://cdn.example.org/part.json"}},
            }
            (folder / "main.json").write_text(json.dumps(main), encoding="utf-8")
            part = {"$id": "https://www.example.org/part.json", "type": kind}
            (folder / "part.json").write_text(json.dumps(part), encoding="utf-8")
        args = ("diff", str(tmp_path / "old"), str(tmp_path / "new"), "--no-gate", "-o", "json")
        unmapped = cli(*args)
        assert unmapped.exit_code == 2  # the reference does not resolve offline
        mapped = cli(*args, "--map-uri", "https://cdn.example.org/=.")
        assert mapped.exit_code == 0, mapped.output
        report = json.loads(mapped.output)
        assert report["files"]["main.json"]["backward"] == "breaking"
        bad = cli(*args, "--map-uri", "no-equals-sign")
        assert bad.exit_code == 2


class TestSkipped:
    """Tool files without ``$schema`` and non-schema JSON are listed as skipped, never silently dropped."""

    def test_package_json(self, cli: Cli, tmp_path: Path) -> None:
        """A plain ``package.json`` is skipped loudly; one that declares ``$schema`` is compared."""
        for side, kind in (("old", "string"), ("new", "integer")):
            folder = tmp_path / side
            (folder / "tool").mkdir(parents=True)
            (folder / "package.json").write_text('{"name": "x", "version": "1.0.0"}', encoding="utf-8")
            (folder / "list.json").write_text("[1, 2]", encoding="utf-8")
            schema = {"$schema": "http://json-schema.org/draft-07/schema#", "type": kind}
            (folder / "tool" / "package.json").write_text(json.dumps(schema), encoding="utf-8")
        result = cli("diff", str(tmp_path / "old"), str(tmp_path / "new"), "--no-gate", "-o", "json")
        assert result.exit_code == 0
        report = json.loads(result.stdout)
        assert report["files"]["tool/package.json"]["backward"] == "breaking"
        skipped = {(item["side"], item["path"]) for item in report["skipped"]}
        assert skipped == {(side, name) for side in ("old", "new") for name in ("package.json", "list.json")}
        assert "skipped (old) package.json" in result.stderr


class TestAnnotationsOnly:
    """Keywords that assert nothing in Draft 2020-12 never make a verdict unknown."""

    @pytest.mark.parametrize(
        ("keyword", "before", "after"),
        [
            ("markdownDescription", "a", "b"),
            ("x-internal", "a", ["b"]),
            ("$comment", "a", "b"),
            ("examples", ["a"], ["b"]),
            ("deprecated", False, True),
            ("readOnly", False, True),
            ("default", "a", "b"),
        ],
    )
    def test_no_unknown(self, keyword: str, before: object, after: object) -> None:
        """Changing an annotation (or an unknown keyword) is compatible both ways."""
        result = diff_schemas({"type": "string", keyword: before}, {"type": "string", keyword: after})
        assert result.summary(Direction.BACKWARD) is Verdict.COMPATIBLE
        assert result.summary(Direction.FORWARD) is Verdict.COMPATIBLE
        assert "keyword-without-rule" not in {change.kind for change in result.changes}

    def test_annotation_beside_enum_change(self) -> None:
        """An annotation edit next to an enum change carries no counterexample of its own."""
        old = {"enum": ["a", "b"], "markdownDescription": "x"}
        new = {"enum": ["a"], "markdownDescription": "y"}
        result = diff_schemas(old, new)
        carrying = [change.kind for change in result.changes if change.counterexamples]
        assert carrying
        assert all(kind.startswith("enum") for kind in carrying), carrying
        assert result.summary(Direction.BACKWARD) is Verdict.BREAKING


class TestKeywordCoverage:
    """Every asserting keyword of every dialect read is ruled, rewritten, or explicitly unknown."""

    def test_2020_12(self) -> None:
        """Each Draft 2020-12 assertion has a rule, is folded by the normalizer, or is knowingly unknown."""
        from saas_contracts.diff._compare import _HANDLED  # noqa: PLC0415 - the walker's own table

        folded = {"$ref", "const"}  # followed / made a one-value enum before the walk
        explicitly_unknown = {"$dynamicRef"}  # keyword-without-rule when it changes
        assert ASSERTING[DRAFT202012] <= _HANDLED | folded | explicitly_unknown

    @pytest.mark.parametrize("dialect", [DRAFT4, DRAFT6, DRAFT7, DRAFT201909])
    def test_older(self, dialect: str) -> None:
        """An older dialect's assertions are 2020-12 ones or rewritten into them."""
        rewritten = {"additionalItems", "dependencies", "$recursiveRef"}
        assert ASSERTING[dialect] <= ASSERTING[DRAFT202012] | rewritten


class TestBothDefinitionMaps:
    """A draft-07 file with ``definitions`` and ``$defs`` side by side keeps every entry reachable."""

    def test_merged(self) -> None:
        """Both maps become one ``$defs`` whichever comes first, and pointers into either resolve."""
        for order in (("definitions", "$defs"), ("$defs", "definitions")):
            maps = {"definitions": {"a": {"type": "string"}}, "$defs": {"b": {"type": "integer"}}}
            document = {order[0]: maps[order[0]], order[1]: maps[order[1]]}
            out = to_2020_12(document, DRAFT7)
            assert set(out["$defs"]) == {"a", "b"}
        draft = "http://json-schema.org/draft-07/schema#"
        old = {
            "$schema": draft,
            "definitions": {"a": {"type": "string"}},
            "$defs": {"b": {"type": "integer"}},
            "properties": {"x": {"$ref": "#/definitions/a"}, "y": {"$ref": "#/$defs/b"}},
        }
        new = {**old, "$defs": {"b": {"type": "number"}}}
        assert diff_schemas(old, new).summary(Direction.FORWARD) is Verdict.BREAKING


def _agrees(document: dict[str, Any], dialect: str, instances: list[Any]) -> None:
    """The stock validator of ``dialect`` and Draft 2020-12 on the rewrite agree on every instance."""
    original = _STOCK[dialect](document)
    rewritten = Draft202012Validator(to_2020_12(document, dialect))
    for instance in instances:
        assert original.is_valid(instance) == rewritten.is_valid(instance), instance


class TestRefTargets:
    """Every same-resource ``$ref`` of an older draft reaches its target after the rewrite."""

    GROUPED: ClassVar[
        dict[str, Any]
    ] = {  # buildkite/travis: named schemas grouped under a definitions entry that is no schema
        "$schema": "http://json-schema.org/draft-06/schema#",
        "definitions": {
            "name": {"type": "string"},
            "group": {
                "member": {"type": "object", "properties": {"n": {"$ref": "#/definitions/name"}}},
                "if": {"type": "integer"},  # not a keyword in draft-06, so dropped as a keyword
            },
        },
        "properties": {
            "m": {"$ref": "#/definitions/group/member"},
            "i": {"$ref": "#/definitions/group/if"},
        },
    }

    def test_grouped_definitions(self) -> None:
        """A member of a group is rewritten as a schema, with its own refs re-aimed; old and new compare."""
        draft6 = dialect_uri("draft-06")
        _agrees(self.GROUPED, draft6, [{"m": {"n": "a"}}, {"m": {"n": 1}}, {"i": 1}, {"i": "x"}, {"m": 3}])
        new = json.loads(json.dumps(self.GROUPED))
        new["definitions"]["group"]["member"]["properties"]["n"] = {"type": "integer"}
        result = diff_schemas(self.GROUPED, new)
        assert result.summary(Direction.BACKWARD) is Verdict.BREAKING
        assert diff_schemas(self.GROUPED, self.GROUPED).changes == ()

    def test_sibling_of_root_ref(self) -> None:
        """bitbucket-pipelines: draft-07 root ``$ref`` into an unknown ``components`` beside it."""
        document = {
            "$schema": "http://json-schema.org/draft-07/schema#",
            "$id": "https://example.org/pipelines",
            "$ref": "#/components/schemas/config",
            "components": {
                "schemas": {
                    "config": {"type": "object", "properties": {"s": {"$ref": "#/components/schemas/step"}}},
                    "step": {"type": "string", "minLength": 1},
                }
            },
        }
        _agrees(document, DRAFT7, [{"s": "x"}, {"s": ""}, {"s": 1}, "not an object"])
        new = json.loads(json.dumps(document))
        new["components"]["schemas"]["step"]["minLength"] = 2
        assert diff_schemas(document, new).summary(Direction.BACKWARD) is Verdict.BREAKING

    def test_draft4_absolute_id(self) -> None:
        """travis: a draft-04 ``id`` naming the file, refs into a group of notification schemas."""
        document = {
            "$schema": "http://json-schema.org/draft-04/schema#",
            "id": "https://example.org/travis.json",
            "definitions": {
                "secret": {"type": "object", "properties": {"secure": {"type": "string"}}},
                "notification": {"slack": {"properties": {"token": {"$ref": "#/definitions/secret"}}}},
            },
            "properties": {"slack": {"$ref": "#/definitions/notification/slack"}},
        }
        _agrees(
            document, DRAFT4, [{"slack": {"token": {"secure": "x"}}}, {"slack": {"token": {"secure": 1}}}]
        )
        assert diff_schemas(document, document).changes == ()

    def test_escaped_pointers(self) -> None:
        """``~0``/``~1`` escapes and percent-encoding in pointers, hoisted and plain targets alike."""
        document = {
            "$schema": "http://json-schema.org/draft-07/schema#",
            "definitions": {
                "a/b": {"type": "string"},
                "c~d": {"type": "integer"},
                "with space": {"type": "boolean"},
                "x%y": {"group member": {"type": "null"}},
            },
            "properties": {
                "p": {"$ref": "#/definitions/a~1b"},
                "q": {"$ref": "#/definitions/c~0d"},
                "r": {"$ref": "#/definitions/with%20space"},
                "s": {"$ref": "#/definitions/x%25y/group%20member"},
            },
        }
        good = {"p": "a", "q": 1, "r": True, "s": None}
        _agrees(
            document, DRAFT7, [good, {**good, "p": 1}, {**good, "q": "a"}, {**good, "r": 1}, {**good, "s": 1}]
        )
        assert diff_schemas(document, document).changes == ()

    def test_embedded_resource(self) -> None:
        """A ``$ref`` inside a subschema with its own ``$id`` points into that subschema, not the file."""
        document = {
            "$schema": "http://json-schema.org/draft-07/schema#",
            "$id": "https://example.org/root.json",
            "definitions": {"d": {"type": "integer"}},
            "properties": {
                "inner": {
                    "$id": "https://example.org/inner.json",
                    "definitions": {"d": {"type": "string"}, "g": {"m": {"type": "null"}}},
                    "properties": {"v": {"$ref": "#/definitions/d"}, "w": {"$ref": "#/definitions/g/m"}},
                },
                "outer": {"$ref": "#/definitions/d"},
                "across": {"$ref": "#/properties/inner/definitions/d"},  # into the embedded resource
            },
        }
        out = to_2020_12(document, DRAFT7)
        assert out["properties"]["across"] == {"$ref": "#/properties/inner/$defs/d"}
        instances = [
            {"across": "s"},
            {"across": 1},
            {"inner": {"v": "s"}},
            {"inner": {"v": 1}},
            {"outer": 1},
            {"outer": "s"},
            {"inner": {"w": 1}},
        ]
        _agrees(document, DRAFT7, instances)

    def test_pointers_through_renamed_keywords(self) -> None:
        """Refs into ``properties``, array ``items`` and ``dependencies`` follow their new spelling."""
        document = {
            "$schema": "http://json-schema.org/draft-07/schema#",
            "properties": {
                "a": {"type": "string"},
                "b": {"$ref": "#/properties/a"},
                "t": {"items": [{"type": "integer"}], "additionalItems": {"type": "null"}},
                "u": {"$ref": "#/properties/t/items/0"},
                "v": {"$ref": "#/properties/t/additionalItems"},
                "w": {"$ref": "#/dependencies/a"},
            },
            "dependencies": {"a": {"required": ["b"]}},
        }
        out = to_2020_12(document, DRAFT7)
        assert out["properties"]["u"] == {"$ref": "#/properties/t/prefixItems/0"}
        assert out["properties"]["v"] == {"$ref": "#/properties/t/items"}
        assert out["properties"]["w"] == {"$ref": "#/dependentSchemas/a"}
        _agrees(
            document,
            DRAFT7,
            [{"u": 1}, {"u": "x"}, {"v": None}, {"v": 1}, {"w": {}}, {"w": {"b": 1}}, {"b": 1}],
        )

    def test_dangling_pointer_refused(self) -> None:
        """A pointer to nothing is still refused, naming the pointer as the file spells it."""
        document = {
            "$schema": "http://json-schema.org/draft-07/schema#",
            "properties": {"a": {"$ref": "#/definitions/nope"}},
        }
        with pytest.raises(UnresolvableReferenceError, match=r"schema\.json#/definitions/nope"):
            diff_schemas(document, document)


class TestRightRefusals:
    """Refusals the inputs deserve name the file, the JSON Pointer and what was expected."""

    def test_invalid_regex(self, cli: Cli, tmp_path: Path) -> None:
        """azure-pipelines: ``\\:`` is no escape under the ``u`` flag; the reason is given."""
        document = {
            "$schema": "http://json-schema.org/draft-07/schema#",
            "definitions": {"b": {"pattern": "^[^\\:]+$"}},
        }
        for side in ("old", "new"):
            (tmp_path / side).mkdir()
            (tmp_path / side / "s.json").write_text(json.dumps(document), encoding="utf-8")
        done = cli("diff", str(tmp_path / "old"), str(tmp_path / "new"), "--no-gate")
        assert done.exit_code == 2
        assert (
            "s.json: not a valid JSON Schema (draft-07): /definitions/b/pattern: must be a valid regex"
            in done.output
        )
        assert "(ECMA-262 with the u flag: invalid escape" in done.output

    def test_duplicate_key(self, cli: Cli, tmp_path: Path) -> None:
        """buildkite 0.30.0: a property declared twice in the JSON text is refused at its pointer."""
        text = '{"properties": {"cache": {"type": "string"}, "cache": {"type": "array"}}}'
        for side in ("old", "new"):
            (tmp_path / side).mkdir()
            (tmp_path / side / "s.json").write_text(text, encoding="utf-8")
        done = cli("diff", str(tmp_path / "old"), str(tmp_path / "new"), "--no-gate")
        assert done.exit_code == 2
        assert "s.json" in done.output
        assert "the key /properties/cache appears twice" in done.output
