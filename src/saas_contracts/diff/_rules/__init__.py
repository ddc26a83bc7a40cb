"""The keyword rules of the walk, one table: which keywords each rule decides, in report order.

Each keyword family has its module (values, bounds, strings, arrays, objects,
applicators); each rule is a function ``rule(walker, old, new, ctx)`` that
compares its keywords of two normalized nodes and records differences through
the walker (:meth:`~saas_contracts.diff._compare.Walker.emit_local`,
:meth:`~saas_contracts.diff._compare.Walker.walk`, ...). The driver calls every
rule of :data:`RULES` in order, so the table's order is the order of the
findings in a report. A Draft 2020-12 assertion no rule names
(:data:`HANDLED`) is the driver's ``keyword-without-rule`` when it changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from saas_contracts.diff._rules._applicators import (
    compare_all_of,
    compare_any_of,
    compare_conditional,
    compare_not,
    compare_one_of,
    compare_unevaluated,
)
from saas_contracts.diff._rules._arrays import compare_contains, compare_items, compare_unique
from saas_contracts.diff._rules._bounds import (
    compare_bounds,
    compare_item_counts,
    compare_lengths,
    compare_multiple_of,
    compare_property_counts,
)
from saas_contracts.diff._rules._objects import (
    compare_dependent_required,
    compare_dependent_schemas,
    compare_properties,
    compare_property_names,
    compare_required,
)
from saas_contracts.diff._rules._strings import compare_format, compare_pattern
from saas_contracts.diff._rules._values import compare_enum, compare_type

if TYPE_CHECKING:
    from collections.abc import Callable

    from saas_contracts.diff._compare import Ctx, Walker
    from saas_contracts.diff._normalize import Node

__all__ = ["HANDLED", "RULES", "Rule"]


@dataclass(frozen=True)
class Rule:
    """The keywords one comparator decides (together: a group such as ``properties`` with its siblings)."""

    keywords: tuple[str, ...]
    compare: Callable[[Walker, Node, Node, Ctx], None]


RULES: Final[tuple[Rule, ...]] = (
    Rule(("type",), compare_type),
    Rule(("enum",), compare_enum),
    Rule(("minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum"), compare_bounds),
    Rule(("multipleOf",), compare_multiple_of),
    Rule(("minLength", "maxLength"), compare_lengths),
    Rule(("minItems", "maxItems"), compare_item_counts),
    Rule(("minProperties", "maxProperties"), compare_property_counts),
    Rule(("pattern",), compare_pattern),
    Rule(("format",), compare_format),
    Rule(("uniqueItems",), compare_unique),
    Rule(("required",), compare_required),
    Rule(("dependentRequired",), compare_dependent_required),
    Rule(("properties", "patternProperties", "additionalProperties"), compare_properties),
    Rule(("propertyNames",), compare_property_names),
    Rule(("dependentSchemas",), compare_dependent_schemas),
    Rule(("prefixItems", "items"), compare_items),
    Rule(("contains", "minContains", "maxContains"), compare_contains),
    Rule(("unevaluatedProperties", "unevaluatedItems"), compare_unevaluated),
    Rule(("allOf",), compare_all_of),
    Rule(("anyOf",), compare_any_of),
    Rule(("oneOf",), compare_one_of),
    Rule(("not",), compare_not),
    Rule(("if", "then", "else"), compare_conditional),
)
"""Every keyword rule, in the order the walk applies them (the order findings are reported in)."""
HANDLED: Final = frozenset(keyword for rule in RULES for keyword in rule.keywords)
"""The keywords some rule decides."""
