"""saas-contracts: JSON Schema contracts for usage ledgers and entitlements."""

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
