"""What several keyword families share: the in-place applicators, a node's raw value as a mapping."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from saas_contracts.diff._normalize import Node

__all__ = ["IN_PLACE", "WITNESSES", "as_dict", "unevaluated_in_place"]

WITNESSES: Final = 12
"""Witness candidates kept per side of one difference."""
IN_PLACE: Final = ("allOf", "anyOf", "oneOf", "if", "then", "else", "dependentSchemas")
"""Applicators that evaluate the instance in place (their annotations reach ``unevaluated*``)."""


def as_dict(raw: Any) -> dict[str, Any]:
    """A raw subschema as keywords: ``true`` is ``{}``, ``false`` is ``{"not": {}}``."""
    return raw if isinstance(raw, dict) else ({} if raw is True else {"not": {}})


def unevaluated_in_place(node: Node, key: str) -> bool:
    """``unevaluated*`` whose scope depends on in-place applicators (not on this node alone)."""
    sibling = "additionalProperties" if key == "unevaluatedProperties" else "items"
    return key in node.kw and sibling not in node.kw and any(name in node.kw for name in IN_PLACE)
