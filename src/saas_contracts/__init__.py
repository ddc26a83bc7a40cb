"""saas-contracts: JSON Schema contracts for usage ledgers and entitlements."""

from saas_contracts._registry import BASE_URI, SchemaCatalog, SchemaInfo, get_schema, list_schemas
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

__all__ = [
    "BASE_URI",
    "ContractError",
    "ContractViolationError",
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
    "Violation",
    "__version__",
    "assert_public_safe",
    "default_rules",
    "ensure_valid",
    "get_schema",
    "is_valid",
    "list_schemas",
    "load_config",
    "scan",
    "validate",
    "validator_for",
]
