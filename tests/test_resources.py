"""Packaged resources are found through one helper."""

from __future__ import annotations

from pathlib import Path

from saas_contracts._resources import packaged

CHECKOUT = Path(__file__).resolve().parents[1]


class TestPackaged:
    """packaged() locates files shipped inside saas_contracts."""

    def test_schema_file(self):
        """A nested path reaches the same bytes as the checkout's schemas/ tree."""
        resource = packaged("_schemas", "common", "v1", "common.schema.json")
        assert resource.is_file()
        assert resource.read_bytes() == (CHECKOUT / "schemas/common/v1/common.schema.json").read_bytes()

    def test_folders(self):
        """The schema and fixture trees are folders; no parts is the package itself."""
        assert packaged("_schemas").is_dir()
        assert packaged("_fixtures").is_dir()
        assert packaged().joinpath("__init__.py").is_file()

    def test_missing_resource_is_not_an_error(self):
        """A path that does not exist is returned, and says so."""
        assert not packaged("_schemas", "no-such-contract").is_file()
