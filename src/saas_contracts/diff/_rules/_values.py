"""Rules for the value keywords: ``type`` and ``enum`` (``const`` is a one-value ``enum`` by then)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from saas_contracts._jsontype import type_covers
from saas_contracts.diff._generate import PALETTE
from saas_contracts.diff._normalize import canonical
from saas_contracts.diff._rules._common import WITNESSES, as_dict

if TYPE_CHECKING:
    from saas_contracts.diff._compare import Ctx, Walker
    from saas_contracts.diff._normalize import Node

__all__ = ["compare_enum", "compare_type"]


def compare_type(w: Walker, o: Node, n: Node, ctx: Ctx) -> None:
    before, after = o.types, n.types
    if before == after:
        return
    covered_back = before is not None and all(type_covers(after, kind) for kind in before)
    covered_fwd = after is not None and all(type_covers(before, kind) for kind in after)
    if before is None:
        covered_back = after is None
    if after is None:
        covered_fwd = before is None
    if covered_back and not covered_fwd:
        kind = "type-widened"
    elif covered_fwd and not covered_back:
        kind = "type-narrowed" if before is not None else "type-added"
    else:
        kind = "type-removed" if after is None else "type-changed"
    extra_back: list[Any] = []
    extra_fwd: list[Any] = []
    if not ctx.proof_only:
        extra_back = [*PALETTE, *w.o_gen.samples({**as_dict(o.raw), "type": "number"}, 4)]
        extra_fwd = [*PALETTE, *w.n_gen.samples({**as_dict(n.raw), "type": "number"}, 4)]
    w.emit_local(
        kind,
        f"type {_types(before)} -> {_types(after)}",
        o,
        n,
        ctx,
        back_ok=covered_back,
        fwd_ok=covered_fwd,
        old_at=o.where("type") if before is not None else "",
        new_at=n.where("type") if after is not None else "",
        extra_back=extra_back,
        extra_fwd=extra_fwd,
        hybrid_keys=("type",),
    )


def compare_enum(w: Walker, o: Node, n: Node, ctx: Ctx) -> None:
    before, after = o.kw.get("enum"), n.kw.get("enum")
    if (
        before is not None
        and after is not None
        and [canonical(v) for v in before] == [canonical(v) for v in after]
    ):
        return
    if before is None and after is None:
        return
    old_keys = {canonical(value) for value in before} if before is not None else None
    new_keys = {canonical(value) for value in after} if after is not None else None
    back_ok = new_keys is None or (old_keys is not None and old_keys <= new_keys)
    fwd_ok = old_keys is None or (new_keys is not None and new_keys <= old_keys)
    if before is None:
        kind, message = "enum-added", f"values restricted to {len(after or [])} allowed value(s)"
    elif after is None:
        kind, message = "enum-removed", f"restriction to {len(before)} value(s) removed"
    else:
        added = sorted((new_keys or set()) - (old_keys or set()))
        removed = sorted((old_keys or set()) - (new_keys or set()))
        parts = []
        if added:
            parts.append("added " + ", ".join(added[:5]) + (" …" if len(added) > 5 else ""))
        if removed:
            parts.append("removed " + ", ".join(removed[:5]) + (" …" if len(removed) > 5 else ""))
        kind = "enum-values-added" if back_ok else "enum-values-removed" if fwd_ok else "enum-values-changed"
        message = "allowed values: " + "; ".join(parts)
    w.emit_local(
        kind,
        message,
        o,
        n,
        ctx,
        back_ok=back_ok,
        fwd_ok=fwd_ok,
        old_at=o.where("enum") if before is not None else "",
        new_at=n.where("enum") if after is not None else "",
        extra_back=[*_only_in(before, new_keys), *PALETTE],
        extra_fwd=[*_only_in(after, old_keys), *PALETTE],
        hybrid_keys=("enum",),
    )


def _only_in(values: list[Any] | None, other: set[str] | None, limit: int = WITNESSES) -> list[Any]:
    """Up to ``limit`` of ``values`` whose canonical text is not in ``other`` (all of them when it is None).

    Witness candidates for an enum change: only values told apart are worth a
    validation, so a changed enum of thousands of values costs a few checks.
    """
    if not values:
        return []
    chosen = [value for value in values if other is None or canonical(value) not in other]
    return chosen[:limit]


def _types(types: frozenset[str] | None) -> str:
    return "any" if types is None else "[" + ", ".join(sorted(types)) + "]"
