"""saas-contracts: JSON Schema contracts for usage ledgers and entitlements."""

from saas_contracts._errors import (
    ContractError,
    ContractViolationError,
    InputFileError,
    PrivacyViolationError,
    SchemaDefinitionError,
    UnknownSchemaError,
    UnresolvableReferenceError,
    Violation,
)
from saas_contracts.privacy import (
    Finding,
    PublicSafetyError,
    ScanConfig,
    ScanReport,
    assert_public_safe,
    default_rules,
    load_config,
    scan,
)

__version__ = "0.1.0"

__all__ = [
    "ContractError",
    "ContractViolationError",
    "Finding",
    "InputFileError",
    "PrivacyViolationError",
    "PublicSafetyError",
    "ScanConfig",
    "ScanReport",
    "SchemaDefinitionError",
    "UnknownSchemaError",
    "UnresolvableReferenceError",
    "Violation",
    "__version__",
    "assert_public_safe",
    "default_rules",
    "load_config",
    "scan",
]
