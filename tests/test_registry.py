import json

import pytest
import referencing
import referencing.exceptions

from saas_contracts import (
    InputFileError,
    SchemaDefinitionError,
    UnknownSchemaError,
    UnresolvableReferenceError,
)
from saas_contracts._registry import BASE_URI, SchemaCatalog, default_catalog, refuse_retrieval
from saas_contracts._validation import Validators


def _write(root, relative, document):
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document), encoding="utf-8")


def _schema(relative, **body):
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": BASE_URI + relative, **body}


class TestLookup:
    """Schemas are found by name, path or $id."""

    def test_name_path_and_id(self):
        """Three spellings, one schema."""
        catalog = default_catalog()
        info = catalog.get("common/v1/common")
        assert catalog.get("common/v1/common.schema.json") is info
        assert catalog.get(BASE_URI + "common/v1/common.schema.json") is info
        assert catalog.get(BASE_URI + "common/v1/common.schema.json#/$defs/quantity") is info

    def test_unknown_schema(self):
        """An unknown name raises UnknownSchemaError, which is a LookupError listing known names."""
        with pytest.raises(LookupError, match="common/v1/common") as caught:
            default_catalog().get("usage-ledger/v9/nothing")
        assert isinstance(caught.value, UnknownSchemaError)

    def test_major_and_contract(self):
        """The folder layout gives the contract and major version."""
        info = default_catalog().get("common/v1/common")
        assert (info.contract, info.major) == ("common", 1)


class TestOffline:
    """Nothing is ever fetched."""

    def test_remote_ref_is_an_error_not_a_fetch(self, tmp_path):
        """A $ref to an unknown host raises UnresolvableReferenceError."""
        _write(
            tmp_path,
            "demo/v1/a.schema.json",
            _schema("demo/v1/a.schema.json", **{"$ref": "https://example.com/x.json"}),
        )
        validators = Validators(SchemaCatalog(tmp_path))
        with pytest.raises(UnresolvableReferenceError, match="never fetches"):
            validators.validate({}, "demo/v1/a")

    def test_refusal_is_the_packages_error(self):
        """refuse_retrieval raises UnresolvableReferenceError naming the URI, never fetching it."""
        with pytest.raises(UnresolvableReferenceError, match="never fetches") as caught:
            refuse_retrieval("https://example.com/x.json")
        assert caught.value.ref == "https://example.com/x.json"

    def test_referencing_reports_the_refusal_as_unresolvable(self):
        """Through referencing's ``retrieve=`` a lookup is Unresolvable, caused by our error."""
        registry: referencing.Registry[object] = referencing.Registry(retrieve=refuse_retrieval)  # type: ignore[call-arg]
        with pytest.raises(referencing.exceptions.Unresolvable) as caught:
            registry.resolver().lookup("https://example.com/x.json")
        retrieval = caught.value.__cause__
        assert isinstance(retrieval, referencing.exceptions.Unretrievable)
        assert isinstance(retrieval.__cause__, UnresolvableReferenceError)

    def test_jsonschema_rs_compile_fails_with_the_same_message(self):
        """Through jsonschema-rs's ``retriever=`` the compile fails and carries the same message."""
        jsonschema_rs = pytest.importorskip("jsonschema_rs", reason="optional accelerator not installed")
        with pytest.raises(ValueError, match="never fetches remote schemas"):
            jsonschema_rs.Draft202012Validator(
                {"$ref": "https://example.com/x.json"}, retriever=refuse_retrieval
            )

    def test_check_references_names_the_schema(self, tmp_path):
        """check_references reports the first dangling $ref and its document."""
        _write(
            tmp_path, "demo/v1/a.schema.json", _schema("demo/v1/a.schema.json", **{"$ref": "b.schema.json"})
        )
        with pytest.raises(UnresolvableReferenceError, match="demo/v1/a"):
            SchemaCatalog(tmp_path).check_references()

    def test_relative_refs_across_files(self, tmp_path):
        """A relative $ref to a sibling contract resolves from the packaged files."""
        _write(
            tmp_path,
            "common/v1/c.schema.json",
            _schema("common/v1/c.schema.json", **{"$defs": {"n": {"type": "integer"}}}),
        )
        _write(
            tmp_path,
            "demo/v1/a.schema.json",
            _schema("demo/v1/a.schema.json", **{"$ref": "../../common/v1/c.schema.json#/$defs/n"}),
        )
        validators = Validators(SchemaCatalog(tmp_path))
        assert validators.is_valid(3, "demo/v1/a")
        assert not validators.is_valid("3", "demo/v1/a")

    def test_unknown_fragment(self):
        """A fragment that points nowhere is reported when the validator is built."""
        with pytest.raises(UnresolvableReferenceError):
            Validators(default_catalog()).validator_for("common/v1/common#/$defs/nothing_here")


class TestLayoutErrors:
    """Malformed trees fail loudly with the file and what was expected."""

    def test_id_must_mirror_path(self, tmp_path):
        """A copied file with a stale $id is rejected."""
        _write(tmp_path, "demo/v1/a.schema.json", _schema("demo/v1/b.schema.json"))
        with pytest.raises(SchemaDefinitionError, match="mirrors the path"):
            SchemaCatalog(tmp_path)

    def test_version_folder_required(self, tmp_path):
        """Schemas live in <contract>/v<major>/."""
        _write(tmp_path, "demo/a.schema.json", _schema("demo/a.schema.json"))
        with pytest.raises(SchemaDefinitionError, match="v<major>"):
            SchemaCatalog(tmp_path)

    def test_dialect_required(self, tmp_path):
        """Only Draft 2020-12 documents are accepted."""
        document = _schema("demo/v1/a.schema.json")
        document["$schema"] = "http://json-schema.org/draft-07/schema#"
        _write(tmp_path, "demo/v1/a.schema.json", document)
        with pytest.raises(SchemaDefinitionError, match="2020-12"):
            SchemaCatalog(tmp_path)

    def test_broken_json(self, tmp_path):
        """A schema file that is not JSON names the file."""
        path = tmp_path / "demo" / "v1" / "a.schema.json"
        path.parent.mkdir(parents=True)
        path.write_text("{", encoding="utf-8")
        with pytest.raises(InputFileError, match=r"a\.schema\.json"):
            SchemaCatalog(tmp_path)
