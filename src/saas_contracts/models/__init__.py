"""Typed models of the contracts: generated dataclasses, exact JSON conversion, validation.

Import the models of one contract major from its public module, e.g.
``from saas_contracts.models.usage_ledger.v1 import UsageEvent, PlanSnapshot``
(also ``entitlements.v1``, ``privacy.v1`` and ``common.v1``). Those modules are
written by ``scripts/codegen.py``; this package's own functions convert and
validate (see ``docs/models.md`` for the name mapping).
"""

from saas_contracts.models._core import (
    ModelConversionError,
    ModelValidationError,
    ensure_model_valid,
    from_json,
    load_model,
    model_for,
    public_name,
    schema_for,
    to_json,
)

__all__ = [
    "ModelConversionError",
    "ModelValidationError",
    "ensure_model_valid",
    "from_json",
    "load_model",
    "model_for",
    "public_name",
    "schema_for",
    "to_json",
]
