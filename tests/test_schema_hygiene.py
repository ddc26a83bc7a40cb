"""Every packaged schema follows the rules that keep it portable and offline."""

import keyword
import re

import pytest
from jsonschema import Draft202012Validator
from tests._support import ROOT

from saas_contracts._registry import BASE_URI, DIALECT, SCHEMA_SUFFIX, default_catalog

CATALOG = default_catalog()
SCHEMAS = list(CATALOG)
IDS = [info.name for info in SCHEMAS]
FORBIDDEN_ESCAPES = re.compile(r"\\[dDwWsSbBpP]")
PROPERTY_NAME = re.compile(r"[a-z][a-z0-9_]*\Z")


def _walk(node, path=()):
    if isinstance(node, dict):
        yield path, node
        for key, value in node.items():
            if key not in {"enum", "const", "examples", "default"}:
                yield from _walk(value, (*path, key))
    elif isinstance(node, list):
        for index, item in enumerate(node):
            yield from _walk(item, (*path, index))


def test_catalog_matches_the_source_tree():
    """The packaged catalog holds exactly the files under schemas/."""
    on_disk = sorted(
        str(path.relative_to(ROOT / "schemas")) for path in (ROOT / "schemas").rglob(f"*{SCHEMA_SUFFIX}")
    )
    assert sorted(info.path for info in SCHEMAS) == on_disk


@pytest.mark.parametrize("info", SCHEMAS, ids=IDS)
class TestEverySchema:
    """Hygiene rules, checked file by file."""

    def test_dialect_and_id(self, info):
        """Declares 2020-12, and $id is the base URL plus its path."""
        assert info.contents["$schema"] == DIALECT
        assert info.contents["$id"] == BASE_URI + info.path

    def test_metaschema_valid(self, info):
        """The document is a valid Draft 2020-12 schema."""
        Draft202012Validator.check_schema(info.contents)

    def test_has_title_and_description(self, info):
        """Readers (and generated code) get a title and a description."""
        assert info.contents.get("title")
        assert info.contents.get("description")

    def test_refs_are_relative_or_local(self, info):
        """No $ref names a host: refs between files are relative."""
        for path, node in _walk(info.contents):
            ref = node.get("$ref")
            if isinstance(ref, str):
                assert "://" not in ref, f"{info.name} {path}: absolute $ref {ref!r}"

    def test_patterns_use_explicit_ascii_classes(self, info):
        """No \\d, \\w, \\s, \\b or \\p: their meaning differs between Python and JavaScript."""
        for path, node in _walk(info.contents):
            pattern = node.get("pattern")
            if isinstance(pattern, str):
                assert not FORBIDDEN_ESCAPES.search(pattern), f"{info.name} {path}: {pattern!r}"

    def test_only_date_time_format(self, info):
        """date-time is the one format both sides assert; others would disagree silently."""
        for path, node in _walk(info.contents):
            if "format" in node and isinstance(node["format"], str):
                assert node["format"] == "date-time", f"{info.name} {path}"

    def test_no_pattern_properties(self, info):
        """Maps use propertyNames + additionalProperties, which generate cleanly."""
        for path, node in _walk(info.contents):
            assert "patternProperties" not in node or path[-1:] == ("properties",), f"{info.name} {path}"

    def test_property_names_are_identifiers(self, info):
        """snake_case, not a Python keyword: generated dataclasses keep the JSON names."""
        for path, node in _walk(info.contents):
            properties = node.get("properties")
            if isinstance(properties, dict) and path[-1:] != ("properties",):
                for name in properties:
                    if name == "$schema" and path == ():
                        continue  # a document may name its own schema
                    assert PROPERTY_NAME.match(name), f"{info.name} {path}: {name!r}"
                    assert not keyword.iskeyword(name), f"{info.name} {path}: {name!r}"

    def test_no_defaults(self, info):
        """No `default`: the generator would fill absent fields and break the exact round trip."""
        for path, node in _walk(info.contents):
            assert "default" not in node or path[-1:] == ("properties",), f"{info.name} {path}"

    def test_no_null_for_absent(self, info):
        """Optional means absent, never null: the dataclass round trip depends on it."""
        for path, node in _walk(info.contents):
            types = node.get("type")
            assert types != "null", f"{info.name} {path}"
            assert not (isinstance(types, list) and "null" in types), f"{info.name} {path}"


def test_every_ref_resolves_offline():
    """Every $ref in every document resolves inside the registry."""
    CATALOG.check_references()
