"""User schemas: any schema file, the packaged semantics, offline (`saas_contracts._user_schemas`)."""

import json
import socket

import pytest
from hypothesis import given
from hypothesis import strategies as st
from jsonschema import Draft201909Validator, Draft202012Validator

from saas_contracts import (
    BASE_URI,
    ContractViolationError,
    InputFileError,
    SchemaDefinitionError,
    UnknownSchemaError,
    UnresolvableReferenceError,
    UserSchema,
    ensure_valid,
    is_valid,
    load_user_schema,
    resolve_schema,
    user_schema,
    validate,
    validate_files,
    validator_for,
)
from saas_contracts._user_schemas import _vocabulary_keywords

SECRET_ID = "sub_" + "A1b2C3d4E5f6G7h8"
DRAFT7 = "http://json-schema.org/draft-07/schema#"
QUANTITY = f"{BASE_URI}common/v1/common.schema.json#/$defs/quantity"


def _write(path, document):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


@pytest.fixture
def no_network(monkeypatch):
    """Any attempt to open a connection fails the test loudly."""

    def refuse(*_args, **_kwargs):
        pytest.fail("a schema reference reached for the network")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)


@pytest.fixture
def order_schema(tmp_path):
    """A schema with a sibling-file $ref, a packaged $ref and a metaschema $ref."""
    _write(tmp_path / "defs" / "sku.json", {"type": "string", "pattern": "^[A-Z]{3}$"})
    return _write(
        tmp_path / "order.schema.json",
        {
            "type": "object",
            "required": ["sku"],
            "properties": {
                "sku": {"$ref": "defs/sku.json"},
                "count": {"$ref": QUANTITY},
                "embedded_schema": {"$ref": "https://json-schema.org/draft/2020-12/schema"},
            },
        },
    )


class TestLoadUserSchema:
    """`load_user_schema` resolves sibling files, packaged schemas and metaschemas offline."""

    def test_sibling_file_ref_resolves_against_the_schemas_folder(self, order_schema):
        """A relative $ref reads the sibling file; its own pattern applies."""
        schema = load_user_schema(order_schema)
        assert is_valid({"sku": "ABC"}, schema)
        (violation,) = validate({"sku": "abc"}, schema)
        assert (violation.pointer, violation.keyword) == ("/sku", "pattern")
        assert violation.rule == str(order_schema)

    def test_packaged_schema_resolves_by_its_id(self, order_schema):
        """`common/v1` quantity is reachable by $id: a negative count breaks its minimum."""
        (violation,) = validate({"sku": "ABC", "count": -1}, load_user_schema(order_schema))
        assert (violation.pointer, violation.keyword) == ("/count", "minimum")

    @pytest.mark.usefixtures("no_network")
    def test_metaschema_resolves_offline(self, order_schema):
        """A $ref to the draft 2020-12 metaschema validates embedded schemas without a fetch."""
        schema = load_user_schema(order_schema)
        assert is_valid({"sku": "ABC", "embedded_schema": {"type": "string"}}, schema)
        assert not is_valid({"sku": "ABC", "embedded_schema": {"type": 3}}, schema)

    @pytest.mark.usefixtures("no_network")
    def test_remote_ref_is_unresolvable_and_never_fetched(self, tmp_path):
        """An https $ref outside the registry fails at load time, before any network access."""
        path = _write(tmp_path / "remote.json", {"$ref": "https://example.com/schemas/thing.json"})
        with pytest.raises(UnresolvableReferenceError, match="never fetches"):
            load_user_schema(path)

    def test_ecma_dollar_is_end_of_input(self, tmp_path):
        """`$` does not match before a trailing newline, as in JavaScript."""
        schema = load_user_schema(_write(tmp_path / "a.json", {"type": "string", "pattern": "^a$"}))
        assert is_valid("a", schema)
        assert not is_valid("a\n", schema)

    def test_draft7_with_definitions_keeps_ecma_patterns(self, tmp_path):
        """Draft-07 is chosen by $schema: `definitions` resolve and patterns stay ECMA-262."""
        path = _write(
            tmp_path / "d7.json",
            {
                "$schema": DRAFT7,
                "definitions": {"code": {"type": "string", "pattern": "^a$"}},
                "properties": {"code": {"$ref": "#/definitions/code"}},
            },
        )
        schema = load_user_schema(path)
        assert is_valid({"code": "a"}, schema)
        assert not is_valid({"code": "a\n"}, schema)
        assert validator_for(schema).META_SCHEMA["$schema"] == DRAFT7

    def test_sibling_declaring_schema_keeps_ecma_patterns(self, tmp_path):
        """A $ref into a whole file with its own $schema does not fall back to Python regexes."""
        _write(tmp_path / "code.json", {"$schema": DRAFT7, "type": "string", "pattern": "^a$"})
        schema = load_user_schema(_write(tmp_path / "main.json", {"items": {"$ref": "code.json"}}))
        assert is_valid(["a"], schema)
        assert not is_valid(["a\n"], schema)

    def test_draft4_uses_its_own_id_keyword(self, tmp_path):
        """Draft-04 resolves a relative ref against its `id`, found in a search folder."""
        _write(tmp_path / "lib" / "n.json", {"id": "http://example.com/d4/n.json", "type": "integer"})
        path = _write(
            tmp_path / "d4.json",
            {
                "$schema": "http://json-schema.org/draft-04/schema#",
                "id": "http://example.com/d4/main.json",
                "items": {"$ref": "n.json"},
            },
        )
        schema = load_user_schema(path, search_paths=[tmp_path / "lib"])
        assert is_valid([1, 2], schema)
        assert not is_valid(["x"], schema)

    def test_search_path_resolves_by_id(self, tmp_path):
        """With an $id, relative refs resolve against it; a --schema-path folder supplies the target."""
        _write(tmp_path / "shared" / "deep" / "b.json", {"$id": "https://ex.com/s/b.json", "type": "boolean"})
        path = _write(tmp_path / "a.json", {"$id": "https://ex.com/s/a.json", "items": {"$ref": "b.json"}})
        with pytest.raises(UnresolvableReferenceError):
            load_user_schema(path)
        schema = load_user_schema(path, search_paths=[tmp_path / "shared"])
        assert is_valid([True], schema)
        assert not is_valid([1], schema)

    def test_fragment_selects_a_subschema(self, tmp_path):
        """`fragment` points inside the file; an unknown one is unresolvable."""
        path = _write(tmp_path / "s.json", {"$defs": {"n": {"type": "integer"}}})
        schema = load_user_schema(path, fragment="/$defs/n")
        assert is_valid(3, schema)
        assert not is_valid("3", schema)
        assert schema.name.endswith("#/$defs/n")
        with pytest.raises(UnresolvableReferenceError):
            load_user_schema(path, fragment="/$defs/missing")

    def test_boolean_schema(self, tmp_path):
        """A `false` schema file rejects everything."""
        schema = load_user_schema(_write(tmp_path / "f.json", document=False))
        assert not is_valid({}, schema)


class TestUserSchemaErrors:
    """Bad schema files are usage errors naming the file, never quoting secrets."""

    def test_missing_file(self, tmp_path):
        """A missing file is an InputFileError; a flagged file name is masked."""
        with pytest.raises(InputFileError, match="no such file") as raised:
            load_user_schema(tmp_path / f"{SECRET_ID}.json")
        assert SECRET_ID not in str(raised.value)

    def test_invalid_json_has_line_and_column(self, tmp_path):
        """Invalid JSON names its line and column."""
        path = tmp_path / "bad.json"
        path.write_text('{"type": "object",\n', encoding="utf-8")
        with pytest.raises(InputFileError, match=r"line 2, column 1"):
            load_user_schema(path)

    def test_schema_failing_its_metaschema_names_file_and_pointer(self, tmp_path):
        """`minLength: -1` is a SchemaDefinitionError with the file and /properties/x/minLength."""
        path = _write(tmp_path / "s.json", {"properties": {"x": {"minLength": -1}}})
        with pytest.raises(
            SchemaDefinitionError, match=r"s\.json: not a valid schema: at /properties/x/minLength"
        ):
            load_user_schema(path)

    def test_invalid_sibling_is_named(self, tmp_path):
        """A referenced sibling that fails its metaschema is named, not the referrer."""
        _write(tmp_path / "sib.json", {"type": "nothing"})
        path = _write(tmp_path / "main.json", {"$ref": "sib.json"})
        with pytest.raises(SchemaDefinitionError, match=r"sib\.json: not a valid schema: at /type"):
            load_user_schema(path)

    def test_missing_sibling_is_unresolvable(self, tmp_path):
        """A relative $ref to a file that does not exist is unresolvable."""
        path = _write(tmp_path / "main.json", {"$ref": "gone.json"})
        with pytest.raises(UnresolvableReferenceError, match=r"gone\.json"):
            load_user_schema(path)

    def test_unknown_dialect(self, tmp_path):
        """An unsupported $schema is refused, listing the known dialects."""
        path = _write(tmp_path / "s.json", {"$schema": "http://json-schema.org/draft-03/schema#"})
        with pytest.raises(SchemaDefinitionError, match="draft-07"):
            load_user_schema(path)

    def test_duplicate_id_in_search_paths(self, tmp_path):
        """Two different files claiming one $id are ambiguous."""
        _write(tmp_path / "lib" / "a.json", {"$id": "https://ex.com/x.json", "type": "string"})
        _write(tmp_path / "lib" / "b.json", {"$id": "https://ex.com/x.json", "type": "integer"})
        path = _write(tmp_path / "main.json", {"$ref": "https://ex.com/x.json"})
        with pytest.raises(SchemaDefinitionError, match="same \\$id"):
            load_user_schema(path, search_paths=[tmp_path / "lib"])

    def test_packaged_id_with_other_contents(self, tmp_path):
        """A file may not shadow a packaged schema's $id with other contents."""
        _write(tmp_path / "lib" / "c.json", {"$id": QUANTITY.partition("#")[0], "type": "string"})
        path = _write(tmp_path / "main.json", {"type": "string"})
        with pytest.raises(SchemaDefinitionError, match="packaged"):
            load_user_schema(path, search_paths=[tmp_path / "lib"])

    def test_search_path_must_be_a_directory(self, tmp_path):
        """A search path that is no folder is an InputFileError."""
        path = _write(tmp_path / "main.json", {"type": "string"})
        with pytest.raises(InputFileError, match="not a directory"):
            load_user_schema(path, search_paths=[tmp_path / "nope"])

    def test_ensure_valid_names_the_file(self, tmp_path):
        """ensure_valid raises ContractViolationError with the file as the schema name."""
        schema = load_user_schema(_write(tmp_path / "n.json", {"type": "integer"}))
        with pytest.raises(ContractViolationError, match=r"n\.json") as raised:
            ensure_valid("x", schema)
        assert raised.value.violations[0].keyword == "type"


class TestInMemoryUserSchema:
    """`user_schema` takes a schema in memory plus extra resources by URI (the test suite's remotes)."""

    @pytest.mark.usefixtures("no_network")
    def test_resources_resolve_without_fetching(self):
        """A remote-looking URI resolves from `resources`."""
        schema = user_schema(
            {"$ref": "http://localhost:1234/integer.json"},
            resources={"http://localhost:1234/integer.json": {"type": "integer"}},
        )
        assert schema.is_valid(1)
        assert not schema.is_valid("1")

    def test_base_uri_anchors_relative_refs(self):
        """`base_uri` is where relative refs resolve."""
        schema = user_schema(
            {"$ref": "item.json"},
            base_uri="http://localhost:1234/folder/",
            resources={"http://localhost:1234/folder/item.json": {"type": "string"}},
        )
        assert schema.is_valid("x")

    def test_name_is_the_rule(self):
        """The violations' rule is the given name."""
        (violation,) = user_schema({"type": "integer"}, name="suite case").validate("x")
        assert violation.rule == "suite case"

    @given(st.text(max_size=6))
    def test_dollar_anchors_match_only_the_exact_string(self, text):
        """Under ECMA-262 `^a$` accepts exactly "a", whatever the trailing characters."""
        assert _ANCHORED.is_valid(text) == (text == "a")


_ANCHORED = user_schema({"type": "string", "pattern": "^a$"})


class TestResolveSchema:
    """`resolve_schema` tells a packaged name from a schema file."""

    def test_packaged_name_stays_a_name(self):
        """Names, paths and $ids of packaged schemas are returned as they are."""
        assert resolve_schema("usage-ledger/v1/event") == "usage-ledger/v1/event"
        assert resolve_schema("usage-ledger/v1/event.schema.json") == "usage-ledger/v1/event.schema.json"

    def test_existing_file_is_loaded(self, tmp_path):
        """A path that exists becomes a UserSchema, with a #fragment when given."""
        path = _write(tmp_path / "s.schema", {"$defs": {"n": {"type": "integer"}}})
        assert isinstance(resolve_schema(str(path)), UserSchema)
        assert resolve_schema(f"{path}#/$defs/n").is_valid(1)  # type: ignore[union-attr]

    def test_missing_json_path_is_a_missing_file(self, tmp_path):
        """A .json path that is no packaged schema fails as a missing file."""
        with pytest.raises(InputFileError):
            resolve_schema(str(tmp_path / "nope.json"))

    @pytest.mark.parametrize("name", ["usage-ledger/v9/event", "a" * 5000, "a\x00b"], ids=repr)
    def test_unknown_name_stays_unknown(self, name):
        """Anything else (even a name no file system accepts) is an unknown packaged schema."""
        with pytest.raises(UnknownSchemaError):
            resolve_schema(name)

    def test_validate_files_accepts_a_user_schema(self, tmp_path):
        """validate_files counts documents against a user schema and names it."""
        schema = load_user_schema(_write(tmp_path / "n.json", {"type": "integer"}))
        data = tmp_path / "d.jsonl"
        data.write_text('1\n"x"\n', encoding="utf-8")
        result = validate_files([str(data)], schema)
        assert (result.documents, result.invalid, result.schema) == (2, 1, schema.name)


class TestValidateCommandWithSchemaFile:
    """`saas-contracts validate -s FILE` and `--schema-path DIR`."""

    def test_schema_file_with_sibling_and_packaged_refs(self, cli, order_schema, tmp_path):
        """Violations from the sibling's pattern and the packaged quantity; exit 1."""
        data = _write(tmp_path / "data.json", {"sku": "abc", "count": -1})
        result = cli("validate", "-s", str(order_schema), "-o", "json", str(data))
        assert result.exit_code == 1
        payload = json.loads(result.stdout)
        pointers = [v["pointer"] for v in payload["problems"][0]["violations"]]
        assert pointers == ["/count", "/sku"]

    def test_ecma_semantics_in_the_cli(self, cli, tmp_path):
        """`"a\\n"` does not match `^a$` through the CLI either."""
        schema = _write(tmp_path / "a.json", {"type": "string", "pattern": "^a$"})
        data = tmp_path / "d.jsonl"
        data.write_text('"a"\n"a\\n"\n', encoding="utf-8")
        result = cli("validate", "-s", str(schema), "-o", "json", str(data))
        assert result.exit_code == 1
        assert json.loads(result.stdout)["summary"] == {
            "documents": 2,
            "valid": 1,
            "invalid": 1,
            "unparsable": 0,
        }

    def test_schema_path_option(self, cli, tmp_path):
        """`--schema-path` (repeatable) supplies $id targets."""
        _write(tmp_path / "lib1" / "b.json", {"$id": "https://ex.com/b.json", "type": "boolean"})
        _write(tmp_path / "lib2" / "c.json", {"$id": "https://ex.com/c.json", "const": True})
        schema = _write(
            tmp_path / "a.json",
            {"$id": "https://ex.com/a.json", "allOf": [{"$ref": "b.json"}, {"$ref": "c.json"}]},
        )
        data = _write(tmp_path / "d.json", document=True)
        args = ("validate", "-s", str(schema), "--schema-path", str(tmp_path / "lib1"))
        assert cli(*args, "--schema-path", str(tmp_path / "lib2"), str(data)).exit_code == 0
        assert cli(*args, str(data)).exit_code == 2

    @pytest.mark.parametrize(
        ("document", "expected"),
        [
            (None, "no such file"),
            ('{"type": ', "line 1, column 10"),
            ('{"type": "nothing"}', "not a valid schema: at /type"),
            ('{"$ref": "https://example.com/x.json"}', "never fetches"),
        ],
        ids=["missing", "invalid-json", "invalid-schema", "remote-ref"],
    )
    @pytest.mark.usefixtures("no_network")
    def test_bad_schema_file_is_usage_error(self, cli, tmp_path, document, expected):
        """Each bad schema file exits 2 with a clear message and no traceback."""
        schema = tmp_path / "s.json"
        if document is not None:
            schema.write_text(document, encoding="utf-8")
        data = _write(tmp_path / "d.json", 1)
        result = cli("validate", "-s", str(schema), str(data))
        assert result.exit_code == 2
        assert expected in result.stderr
        assert "Traceback" not in result.stderr

    def test_schema_file_name_is_masked(self, cli, tmp_path):
        """A flagged schema file name never appears in the error."""
        data = _write(tmp_path / "d.json", 1)
        result = cli("validate", "-s", str(tmp_path / f"{SECRET_ID}.json"), str(data))
        assert result.exit_code == 2
        assert SECRET_ID not in result.output

    def test_schema_path_with_a_packaged_schema_is_usage_error(self, cli, tmp_path):
        """`--schema-path` means nothing for a packaged schema: exit 2."""
        data = _write(tmp_path / "d.json", 1)
        result = cli("validate", "-s", "common/v1/common", "--schema-path", str(tmp_path), str(data))
        assert result.exit_code == 2
        assert "--schema-path" in result.stderr

    def test_help_explains_both_kinds(self, cli):
        """`validate --help` names packaged schemas, schema files and --schema-path."""
        text = cli("validate", "--help").output
        assert "schema file" in text
        assert "--schema-path" in text
        assert "fetched" in text


class TestForeignDialectsOffered:
    """A document in a dialect we do not read is an error only when a $ref reaches it."""

    def test_unreached_foreign_resource_is_ignored(self):
        foreign = {"$schema": "https://json-schema.org/draft/next/schema", "type": "integer"}
        schema = user_schema({"type": "string"}, resources={"http://localhost:1234/next.json": foreign})
        assert schema.is_valid("a")

    def test_reached_foreign_resource_is_a_schema_error(self):
        foreign = {"$schema": "https://json-schema.org/draft/next/schema", "type": "integer"}
        with pytest.raises(SchemaDefinitionError, match="unsupported"):
            user_schema(
                {"$ref": "http://localhost:1234/next.json"},
                resources={"http://localhost:1234/next.json": foreign},
            )


META_2020 = "https://json-schema.org/draft/2020-12/"
LOCAL = "http://localhost:1234/"


def _metaschema(uri, vocabularies, **extra):
    """A custom 2020-12 metaschema with the given vocabularies (name -> required)."""
    return {
        "$schema": f"{META_2020}schema",
        "$id": uri,
        "$vocabulary": {f"{META_2020}vocab/{name}": required for name, required in vocabularies.items()},
        "$dynamicAnchor": "meta",
        "allOf": [{"$ref": f"{META_2020}meta/{name}"} for name in vocabularies],
        **extra,
    }


class TestCustomMetaschemas:
    """A custom $schema found offline defines the dialect; its $vocabulary picks the keywords."""

    def test_without_the_validation_vocabulary_validation_keywords_are_ignored(self):
        meta = _metaschema(f"{LOCAL}no-validation.json", {"core": True, "applicator": True})
        schema = user_schema(
            {
                "$schema": f"{LOCAL}no-validation.json",
                "properties": {"bad": False, "n": {"minimum": 10, "pattern": "^a"}},
            },
            resources={f"{LOCAL}no-validation.json": meta},
        )
        assert schema.is_valid({"n": 1})
        assert not schema.is_valid({"bad": 1})

    def test_format_assertion_vocabulary_asserts_formats(self):
        meta = _metaschema(f"{LOCAL}fa.json", {"core": True, "format-assertion": False})
        schema = user_schema(
            {"$schema": f"{LOCAL}fa.json", "format": "ipv4"}, resources={f"{LOCAL}fa.json": meta}
        )
        assert schema.is_valid("127.0.0.1")
        assert not schema.is_valid("not-an-ipv4")

    def test_without_a_format_vocabulary_format_is_ignored(self):
        meta = _metaschema(f"{LOCAL}v.json", {"core": True, "validation": True})
        schema = user_schema(
            {"$schema": f"{LOCAL}v.json", "type": "string", "format": "ipv4"},
            resources={f"{LOCAL}v.json": meta},
        )
        assert schema.is_valid("not-an-ipv4")
        assert not schema.is_valid(1)

    def test_unknown_optional_vocabulary_is_ignored(self):
        meta = _metaschema(f"{LOCAL}opt.json", {"core": True, "validation": True})
        meta["$vocabulary"][f"{LOCAL}vocab/custom"] = False
        schema = user_schema(
            {"$schema": f"{LOCAL}opt.json", "type": "number"}, resources={f"{LOCAL}opt.json": meta}
        )
        assert schema.is_valid(2)
        assert not schema.is_valid("2")

    def test_unknown_required_vocabulary_is_refused(self):
        meta = _metaschema(f"{LOCAL}req.json", {"core": True})
        meta["$vocabulary"][f"{LOCAL}vocab/custom"] = True
        with pytest.raises(SchemaDefinitionError, match=r"requires the vocabulary .* does not implement"):
            user_schema({"$schema": f"{LOCAL}req.json"}, resources={f"{LOCAL}req.json": meta})

    def test_metaschema_without_vocabulary_is_its_dialect(self, tmp_path):
        """No $vocabulary: every keyword of the metaschema's own dialect; found in a search folder by $id."""
        _write(tmp_path / "meta" / "m.json", {"$schema": DRAFT7, "$id": "https://ex.com/m", "type": "object"})
        path = _write(tmp_path / "s.json", {"$schema": "https://ex.com/m", "minimum": 3, "pattern": "^a$"})
        schema = load_user_schema(path, search_paths=[tmp_path / "meta"])
        assert not schema.is_valid(2)
        assert not schema.is_valid("a\n")

    def test_schema_failing_its_custom_metaschema(self):
        meta = _metaschema(f"{LOCAL}strict.json", {"core": True, "validation": True}, required=["title"])
        with pytest.raises(SchemaDefinitionError, match=r"not a valid schema.*required"):
            user_schema(
                {"$schema": f"{LOCAL}strict.json", "type": "string"}, resources={f"{LOCAL}strict.json": meta}
            )

    def test_metaschema_not_found_is_unsupported(self):
        with pytest.raises(SchemaDefinitionError, match=r"unsupported .*found offline"):
            user_schema({"$schema": "https://ex.com/nowhere"})

    def test_standard_draft_we_do_not_read(self):
        with pytest.raises(SchemaDefinitionError, match="does not read"):
            user_schema({"$schema": "http://json-schema.org/draft-03/schema#"})

    def test_metaschemas_declaring_each_other_are_refused(self):
        a = {"$schema": f"{LOCAL}b.json", "$id": f"{LOCAL}a.json"}
        b = {"$schema": f"{LOCAL}a.json", "$id": f"{LOCAL}b.json"}
        with pytest.raises(SchemaDefinitionError, match="each other"):
            user_schema({"$schema": f"{LOCAL}a.json"}, resources={f"{LOCAL}a.json": a, f"{LOCAL}b.json": b})

    def test_ref_into_another_custom_dialect_is_refused(self):
        metas = {
            f"{LOCAL}m1.json": _metaschema(f"{LOCAL}m1.json", {"core": True, "applicator": True}),
            f"{LOCAL}m2.json": _metaschema(f"{LOCAL}m2.json", {"core": True, "validation": True}),
            f"{LOCAL}other.json": {"$schema": f"{LOCAL}m2.json", "$id": f"{LOCAL}other.json"},
        }
        with pytest.raises(SchemaDefinitionError, match="one custom vocabulary per schema"):
            user_schema(
                {"$schema": f"{LOCAL}m1.json", "$ref": "other.json", "$id": f"{LOCAL}root.json"},
                resources=metas,
            )

    def test_ref_into_a_standard_dialect_switches_to_its_full_vocabulary(self):
        resources = {
            f"{LOCAL}m.json": _metaschema(f"{LOCAL}m.json", {"core": True, "applicator": True}),
            f"{LOCAL}full.json": {"$schema": f"{META_2020}schema", "minimum": 3},
        }
        schema = user_schema(
            {"$schema": f"{LOCAL}m.json", "properties": {"a": {"$ref": "full.json"}, "b": {"minimum": 3}}},
            base_uri=f"{LOCAL}root.json",
            resources=resources,
        )
        assert schema.is_valid({"b": 1})
        assert not schema.is_valid({"a": 1})

    def test_every_stock_keyword_belongs_to_a_standard_vocabulary(self):
        """The vocabulary table is derived from the standard metaschemas and covers jsonschema's keywords."""
        for cls, draft, names in (
            (Draft202012Validator, "2020-12", ["core", "applicator", "unevaluated", "validation", "content"]),
            (Draft201909Validator, "2019-09", ["core", "applicator", "validation", "format"]),
        ):
            base = f"https://json-schema.org/draft/{draft}/vocab/"
            covered = set().union(*(_vocabulary_keywords(base + name) or set() for name in names))
            if draft == "2020-12":
                covered |= _vocabulary_keywords(base + "format-annotation") or set()
            assert set(cls.VALIDATORS) <= covered
