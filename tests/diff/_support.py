"""Builders shared by the schema-diff tests: validity of an instance under a case's schema."""

from __future__ import annotations

from typing import Any

from saas_contracts._formats import FORMAT_CHECKER
from saas_contracts._user_schemas import DIALECTS, _ecma_class
from saas_contracts._validation import ContractValidator


def valid(schema: Any, instance: Any, *, formats: bool) -> bool:
    """Whether ``instance`` is valid under ``schema`` read in its declared dialect (2020-12 without one).

    The packaged semantics either way (ECMA-262 patterns, the same format
    checker, assertions only when ``formats``): a draft-04 ``exclusiveMinimum:
    true`` or a draft-07 ``dependencies`` means what its draft says.
    """
    declared = schema.get("$schema") if isinstance(schema, dict) else None
    stock = DIALECTS.get(declared.rstrip("#")) if isinstance(declared, str) else None
    cls = ContractValidator if stock is None else _ecma_class(stock)
    validator = cls(schema, format_checker=FORMAT_CHECKER if formats else None)
    return bool(validator.is_valid(instance))
