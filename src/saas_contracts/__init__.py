"""saas-contracts: JSON Schema contracts for usage ledgers and entitlements.

Names are imported on first use (PEP 562), so ``import saas_contracts`` and the
CLI start fast: jsonschema, referencing and the ledger load only when a name
that needs them is touched.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from saas_contracts._batch import DEFAULT_MAX_SAMPLES, BatchResult, DocumentResult, validate_files
    from saas_contracts._export import bundle, export_schemas
    from saas_contracts._jsonio import dumps_pretty
    from saas_contracts._registry import (
        BASE_URI,
        SchemaCatalog,
        SchemaInfo,
        default_catalog,
        get_schema,
        list_schemas,
    )
    from saas_contracts._user_schemas import UserSchema, load_user_schema, resolve_schema, user_schema
    from saas_contracts._validation import ensure_valid, is_valid, validate, validator_for
    from saas_contracts.errors import (
        ContractError,
        ContractViolationError,
        InputFileError,
        PrivacyViolationError,
        PublicSafetyError,
        SchemaDefinitionError,
        UnknownSchemaError,
        UnresolvableReferenceError,
        Violation,
    )
    from saas_contracts.privacy import (
        Finding,
        ScanConfig,
        ScanReport,
        assert_public_safe,
        default_rules,
        load_config,
        scan,
    )

__version__ = "0.1.0"

_LAZY: dict[str, str] = {
    "BASE_URI": "saas_contracts._registry",
    "BatchResult": "saas_contracts._batch",
    "ContractError": "saas_contracts.errors",
    "ContractViolationError": "saas_contracts.errors",
    "DEFAULT_MAX_SAMPLES": "saas_contracts._batch",
    "DocumentResult": "saas_contracts._batch",
    "Finding": "saas_contracts.privacy",
    "InputFileError": "saas_contracts.errors",
    "PrivacyViolationError": "saas_contracts.errors",
    "PublicSafetyError": "saas_contracts.errors",
    "ScanConfig": "saas_contracts.privacy",
    "ScanReport": "saas_contracts.privacy",
    "SchemaCatalog": "saas_contracts._registry",
    "SchemaDefinitionError": "saas_contracts.errors",
    "SchemaInfo": "saas_contracts._registry",
    "UnknownSchemaError": "saas_contracts.errors",
    "UnresolvableReferenceError": "saas_contracts.errors",
    "UserSchema": "saas_contracts._user_schemas",
    "Violation": "saas_contracts.errors",
    "assert_public_safe": "saas_contracts.privacy",
    "bundle": "saas_contracts._export",
    "default_catalog": "saas_contracts._registry",
    "default_rules": "saas_contracts.privacy",
    "dumps_pretty": "saas_contracts._jsonio",
    "ensure_valid": "saas_contracts._validation",
    "export_schemas": "saas_contracts._export",
    "get_schema": "saas_contracts._registry",
    "is_valid": "saas_contracts._validation",
    "list_schemas": "saas_contracts._registry",
    "load_config": "saas_contracts.privacy",
    "load_user_schema": "saas_contracts._user_schemas",
    "resolve_schema": "saas_contracts._user_schemas",
    "scan": "saas_contracts.privacy",
    "user_schema": "saas_contracts._user_schemas",
    "validate": "saas_contracts._validation",
    "validate_files": "saas_contracts._batch",
    "validator_for": "saas_contracts._validation",
}
"""Where each public name lives (the re-exports, loaded on first access)."""


def __getattr__(name: str) -> Any:
    """Import a re-exported name on first access."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'saas_contracts' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    """The public names (``__all__``) plus the module's own."""
    return sorted({*globals(), *__all__})


__all__ = [
    "BASE_URI",
    "DEFAULT_MAX_SAMPLES",
    "BatchResult",
    "ContractError",
    "ContractViolationError",
    "DocumentResult",
    "Finding",
    "InputFileError",
    "PrivacyViolationError",
    "PublicSafetyError",
    "ScanConfig",
    "ScanReport",
    "SchemaCatalog",
    "SchemaDefinitionError",
    "SchemaInfo",
    "UnknownSchemaError",
    "UnresolvableReferenceError",
    "UserSchema",
    "Violation",
    "__version__",
    "assert_public_safe",
    "bundle",
    "default_catalog",
    "default_rules",
    "dumps_pretty",
    "ensure_valid",
    "export_schemas",
    "get_schema",
    "is_valid",
    "list_schemas",
    "load_config",
    "load_user_schema",
    "resolve_schema",
    "scan",
    "user_schema",
    "validate",
    "validate_files",
    "validator_for",
]
