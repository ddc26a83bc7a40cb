"""The one public error module: every ContractError subclass lives in saas_contracts.errors."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest

import saas_contracts
from saas_contracts import errors
from saas_contracts.errors import (
    ContractError,
    InputFileError,
    JSONInputError,
    PublicSafetyError,
    UnknownSchemaError,
)
from saas_contracts.privacy import Finding


def _package_modules() -> list[str]:
    names = [saas_contracts.__name__]
    prefix = saas_contracts.__name__ + "."
    names.extend(info.name for info in pkgutil.walk_packages(saas_contracts.__path__, prefix))
    return sorted(names)


def _contract_errors_defined_anywhere() -> dict[str, type[ContractError]]:
    found: dict[str, type[ContractError]] = {}
    for name in _package_modules():
        module = importlib.import_module(name)
        for _, value in inspect.getmembers(module, inspect.isclass):
            if issubclass(value, ContractError):
                found[f"{value.__module__}.{value.__qualname__}"] = value
    return found


ALL_ERRORS = _contract_errors_defined_anywhere()
LEAVES = sorted(
    (cls for cls in ALL_ERRORS.values() if cls is not ContractError), key=lambda cls: cls.__name__
)


class TestOneHome:
    """Every ContractError subclass in the package is defined in and exported from saas_contracts.errors."""

    def test_the_walk_finds_the_hierarchy(self):
        assert len(ALL_ERRORS) >= 20
        assert ContractError in ALL_ERRORS.values()

    @pytest.mark.parametrize("qualified", sorted(ALL_ERRORS))
    def test_defined_in_errors(self, qualified):
        assert ALL_ERRORS[qualified].__module__ == "saas_contracts.errors"

    @pytest.mark.parametrize("cls", LEAVES, ids=lambda cls: cls.__name__)
    def test_exported(self, cls):
        assert cls.__name__ in errors.__all__
        assert getattr(errors, cls.__name__) is cls

    def test_all_names_exist(self):
        missing = [name for name in errors.__all__ if not hasattr(errors, name)]
        assert missing == []

    @pytest.mark.parametrize("cls", LEAVES, ids=lambda cls: cls.__name__)
    def test_leaf_subclasses_a_builtin(self, cls):
        builtins = [base for base in cls.__mro__ if base.__module__ == "builtins" and base is not object]
        assert set(builtins) - {Exception, BaseException}, f"{cls.__name__} subclasses no fitting builtin"


class TestCompatibility:
    """Names that were public before the move stay importable where they were."""

    @pytest.mark.parametrize(
        "name",
        [
            "ContractError",
            "ContractViolationError",
            "InputFileError",
            "PrivacyViolationError",
            "PublicSafetyError",
            "SchemaDefinitionError",
            "UnknownSchemaError",
            "UnresolvableReferenceError",
            "Violation",
        ],
    )
    def test_top_level_reexports(self, name):
        assert getattr(saas_contracts, name) is getattr(errors, name)
        assert name in saas_contracts.__all__

    def test_json_input_error_joins_the_hierarchy(self):
        assert issubclass(JSONInputError, ContractError)
        assert issubclass(JSONInputError, ValueError)

    def test_builtin_catch_still_works(self):
        with pytest.raises(LookupError):
            raise UnknownSchemaError("nope")


class TestMessages:
    """The moved classes keep their messages and fields."""

    def test_input_file_error(self):
        error = InputFileError("events.jsonl", "not JSON", line=3)
        assert str(error) == "events.jsonl:3: not JSON"
        assert (error.path, error.reason, error.line) == ("events.jsonl", "not JSON", 3)

    def test_public_safety_error_sorts_findings(self):
        def finding(pointer: str) -> Finding:
            return Finding(
                rule_id="secret.test",
                family="secret",
                target="value",
                pointer=pointer,
                view="raw",
                preview="***",
            )

        error = PublicSafetyError([finding("/b"), finding("/a"), finding("/a")], rules_digest="sha256:0")
        assert [item.pointer for item in error.findings] == ["/a", "/b"]
        assert str(error) == "artifact is not public-safe: /a: secret.test (secret, value) (+1 more)"
        assert error.rules_digest == "sha256:0"
