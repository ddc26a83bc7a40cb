"""Rules for bounds: numeric ``minimum``/``maximum`` (inclusive or exclusive), ``multipleOf``, sizes.

The size pairs are ``minLength``/``maxLength``, ``minItems``/``maxItems`` and
``minProperties``/``maxProperties``; ``minContains``/``maxContains`` reuse
:func:`compare_counts` from the ``contains`` rule.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from saas_contracts.diff._generate import number_candidates
from saas_contracts.diff._rules._common import as_dict
from saas_contracts.diff._simplify import to_fraction

if TYPE_CHECKING:
    from saas_contracts.diff._compare import Ctx, Walker
    from saas_contracts.diff._generate import Generator
    from saas_contracts.diff._normalize import Node

__all__ = [
    "closed_length",
    "compare_bounds",
    "compare_counts",
    "compare_item_counts",
    "compare_lengths",
    "compare_multiple_of",
    "compare_property_counts",
]

Bound = tuple[Any, bool]


def compare_bounds(w: Walker, o: Node, n: Node, ctx: Ctx) -> None:
    for side_lower, names in (
        (True, ("minimum", "exclusiveMinimum")),
        (False, ("maximum", "exclusiveMaximum")),
    ):
        before, after = _bound(o.kw, names, lower=side_lower), _bound(n.kw, names, lower=side_lower)
        if before == after:
            continue
        looser_back = after is None or (before is not None and _weaker(after, before, lower=side_lower))
        looser_fwd = before is None or (after is not None and _weaker(before, after, lower=side_lower))
        word = "minimum" if side_lower else "maximum"
        if before is None:
            kind = f"{word}-added"
        elif after is None:
            kind = f"{word}-removed"
        else:
            raised = _weaker(before, after, lower=True)
            kind = f"{word}-raised" if raised else f"{word}-lowered"
        integer = "number" not in (o.types or {"number"})
        merged = {
            key: value for key, value in {**o.kw, **n.kw}.items() if key in names or key == "multipleOf"
        }
        extra = number_candidates(merged, integer=integer) + number_candidates(o.kw, integer=integer)
        w.emit_local(
            kind,
            f"{word} {_bound_text(before)} -> {_bound_text(after)}",
            o,
            n,
            ctx,
            back_ok=looser_back,
            fwd_ok=looser_fwd,
            old_at=_first_where(o, names),
            new_at=_first_where(n, names),
            extra_back=extra,
            extra_fwd=extra,
            hybrid_keys=names,
        )


def compare_multiple_of(w: Walker, o: Node, n: Node, ctx: Ctx) -> None:
    before, after = o.kw.get("multipleOf"), n.kw.get("multipleOf")
    if before == after:
        return

    def divides(small: Any, large: Fraction | None) -> bool:
        return large is not None and (large / to_fraction(small)).denominator == 1

    back_ok = after is None or divides(after, _step(o, before))
    fwd_ok = before is None or divides(before, _step(n, after))
    candidates: list[Any] = []
    for value in (before, after):
        if value is not None:
            step = to_fraction(value)
            for factor in (1, 2, 3, 5, 7, -1):
                product = step * factor
                candidates.append(int(product) if product.denominator == 1 else float(product))
    candidates += [0.5, 1, 3, 0.1]
    w.emit_local(
        "multipleOf-changed"
        if before is not None and after is not None
        else "multipleOf-added"
        if after is not None
        else "multipleOf-removed",
        f"multipleOf {before} -> {after}",
        o,
        n,
        ctx,
        back_ok=back_ok,
        fwd_ok=fwd_ok,
        old_at=o.where("multipleOf") if before is not None else "",
        new_at=n.where("multipleOf") if after is not None else "",
        extra_back=candidates,
        extra_fwd=candidates,
        hybrid_keys=("multipleOf",),
    )


def _step(node: Node, value: Any) -> Fraction | None:
    """The spacing of the numbers a side accepts: its ``multipleOf``, made whole under ``type: integer``."""
    types = node.types or frozenset()
    if "integer" not in types or "number" in types:
        return None if value is None else to_fraction(value)
    step = Fraction(1) if value is None else to_fraction(value)
    return Fraction(math.lcm(step.numerator, 1), math.gcd(step.denominator, 1))


def compare_counts(  # noqa: PLR0913 - a keyword pair, its family and the implied bounds
    w: Walker,
    o: Node,
    n: Node,
    ctx: Ctx,
    *,
    low: str,
    high: str,
    family: str,
    low_default: int | None = None,
    high_implied: tuple[int | None, int | None] = (None, None),
) -> None:
    """Compare a lower/upper count pair; ``low_default`` is the lower bound when absent (minContains).

    ``high_implied`` are upper bounds other keywords of each side imply (``items: false`` after
    ``prefixItems``); they count only where one side writes the upper keyword.
    """
    for key, lower in ((low, True), (high, False)):
        before, after = o.kw.get(key), n.kw.get(key)
        if lower and low_default is not None:
            before = low_default if before is None else before
            after = low_default if after is None else after
        if not lower and (before is not None or after is not None):
            before, after = _least(before, high_implied[0]), _least(after, high_implied[1])
        if before == after:
            continue
        if lower:
            back_ok = after is None or (before is not None and after <= before)
            fwd_ok = before is None or (after is not None and before <= after)
        else:
            back_ok = after is None or (before is not None and after >= before)
            fwd_ok = before is None or (after is not None and before >= after)
        kind = (
            f"{key}-added"
            if before is None
            else f"{key}-removed"
            if after is None
            else (f"{key}-raised" if (after or 0) > (before or 0) else f"{key}-lowered")
        )
        sizes = sorted({max(0, int(v) + d) for v in (before, after) if v is not None for d in (-1, 0, 1)})
        extra_back = (
            [] if ctx.proof_only else _sized(w.o_gen, o, low=low, high=high, sizes=sizes, family=family)
        )
        extra_fwd = (
            [] if ctx.proof_only else _sized(w.n_gen, n, low=low, high=high, sizes=sizes, family=family)
        )
        w.emit_local(
            kind,
            f"{key} {before} -> {after}",
            o,
            n,
            ctx,
            back_ok=back_ok,
            fwd_ok=fwd_ok,
            old_at=o.where(key) if key in o.kw else "",
            new_at=n.where(key) if key in n.kw else "",
            extra_back=extra_back,
            extra_fwd=extra_fwd,
            hybrid_keys=(key,),
        )


def _sized(  # noqa: PLR0913 - the side, the node and the sizes to aim at
    gen: Generator, node: Node, *, low: str, high: str, sizes: list[int], family: str
) -> list[Any]:
    out: list[Any] = []
    base = {key: value for key, value in as_dict(node.raw).items() if key not in {low, high}}
    for size in sizes[:6]:
        out.extend(gen.samples({**base, low: size, high: size, "type": family}, 2))
    return out


def compare_lengths(w: Walker, o: Node, n: Node, ctx: Ctx) -> None:
    """``minLength``/``maxLength``."""
    compare_counts(w, o, n, ctx, low="minLength", high="maxLength", family="string")


def compare_item_counts(w: Walker, o: Node, n: Node, ctx: Ctx) -> None:
    """``minItems``/``maxItems`` (``items: false`` after the ``prefixItems`` is a ``maxItems`` too)."""
    compare_counts(
        w,
        o,
        n,
        ctx,
        low="minItems",
        high="maxItems",
        family="array",
        high_implied=(closed_length(o), closed_length(n)),
    )


def closed_length(node: Node) -> int | None:
    """The most items ``items: false`` allows (the ``prefixItems`` count), or None."""
    if node.kw.get("items") is False:
        return len(node.kw.get("prefixItems", []))
    return None


def _least(first: Any, second: int | None) -> Any:
    if first is None or second is None:
        return second if first is None else first
    return min(first, second)


def compare_property_counts(w: Walker, o: Node, n: Node, ctx: Ctx) -> None:
    """``minProperties``/``maxProperties``."""
    compare_counts(w, o, n, ctx, low="minProperties", high="maxProperties", family="object")


def _bound(kw: dict[str, Any], names: tuple[str, str], *, lower: bool) -> Bound | None:
    inclusive, exclusive = names
    found: list[Bound] = []
    if inclusive in kw:
        found.append((kw[inclusive], False))
    if exclusive in kw:
        found.append((kw[exclusive], True))
    if not found:
        return None
    best = found[0]
    for item in found[1:]:
        if _weaker(best, item, lower=lower):
            best = item
    return best


def _weaker(first: Bound, second: Bound, *, lower: bool) -> bool:
    """True when bound ``first`` admits at least what ``second`` admits."""
    a, b = to_fraction(first[0]), to_fraction(second[0])
    if a == b:
        return not first[1] or second[1]
    return a < b if lower else a > b


def _bound_text(bound: Bound | None) -> str:
    if bound is None:
        return "none"
    value = bound[0]
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        value = int(value)
    return f"{value} ({'exclusive' if bound[1] else 'inclusive'})"


def _first_where(node: Node, names: tuple[str, str]) -> str:
    for name in names:
        if name in node.kw:
            return node.where(name)
    return ""
