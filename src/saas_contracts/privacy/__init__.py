"""Privacy scanner: keep public-safe artifacts free of secrets, raw ids, storage keys and payloads.

Rules are data (``schemas/privacy/v1/rules.json``), shared with TypeScript;
matching runs on RE2 in linear time over raw text and normalized views.
"""

from typing import TYPE_CHECKING, Any

from saas_contracts._mask import path as masked_path
from saas_contracts._mask import public as masked_unless_public
from saas_contracts.errors import PublicSafetyError
from saas_contracts.privacy._batch import FileScanResult, InputError, scan_files
from saas_contracts.privacy._rules import (
    AllowEntry,
    Rule,
    RuleSet,
    ScanConfig,
    default_rules,
    load_config,
    normalize_key,
)
from saas_contracts.privacy._scanner import (
    Finding,
    ScanReport,
    assert_public_safe,
    rules_digest,
    scan,
    scan_text,
)
from saas_contracts.privacy._views import VIEWS

if TYPE_CHECKING:
    from saas_contracts.privacy._sarif import sarif_log

__all__ = [
    "VIEWS",
    "AllowEntry",
    "FileScanResult",
    "Finding",
    "InputError",
    "PublicSafetyError",
    "Rule",
    "RuleSet",
    "ScanConfig",
    "ScanReport",
    "assert_public_safe",
    "default_rules",
    "load_config",
    "masked_path",
    "masked_unless_public",
    "normalize_key",
    "rules_digest",
    "sarif_log",
    "scan",
    "scan_files",
    "scan_text",
]


def __getattr__(name: str) -> Any:
    """``sarif_log``, imported on first use: ``saas-contracts scan`` with a text report never loads it."""
    if name == "sarif_log":
        from saas_contracts.privacy._sarif import sarif_log  # noqa: PLC0415

        return sarif_log
    raise AttributeError(name)
