"""Rules for the string keywords ``pattern`` and ``format``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from saas_contracts._formats import FORMAT_CHECKER
from saas_contracts.diff._budget import Budget
from saas_contracts.diff._generate import NOT_FORMATTED, regex_samples
from saas_contracts.diff._regular import decide_pattern

if TYPE_CHECKING:
    from saas_contracts.diff._compare import Ctx, Walker
    from saas_contracts.diff._normalize import Node

__all__ = ["compare_format", "compare_pattern"]

_VARIANT_LIMIT: Final = 10


def compare_pattern(w: Walker, o: Node, n: Node, ctx: Ctx) -> None:
    """Decide by automata when both patterns are regular (see ``_regular``), else by anchors and samples."""
    before, after = o.kw.get("pattern"), n.kw.get("pattern")
    if before == after:
        return
    back, fwd = decide_pattern(before, after, w.budget if w.budget is not None else Budget())
    extra_back = _string_variants(regex_samples(before, 40)) if before else []
    extra_fwd = _string_variants(regex_samples(after, 40)) if after else []
    back_ok = after is None or (before is not None and _anchored(after, before))
    fwd_ok = before is None or (after is not None and _anchored(before, after))
    if back is not None:
        back_ok = back.included
        extra_back = [back.witness, *extra_back] if back.witness is not None else extra_back
    if fwd is not None:
        fwd_ok = fwd.included
        extra_fwd = [fwd.witness, *extra_fwd] if fwd.witness is not None else extra_fwd
    decided = back is not None and fwd is not None
    kind = "pattern-added" if before is None else "pattern-removed" if after is None else "pattern-changed"
    w.emit_local(
        kind,
        f"pattern {before!r} -> {after!r}",
        o,
        n,
        ctx,
        back_ok=back_ok,
        fwd_ok=fwd_ok,
        old_at=o.where("pattern") if before else "",
        new_at=n.where("pattern") if after else "",
        extra_back=[*extra_back, *NOT_FORMATTED],
        extra_fwd=[*extra_fwd, *NOT_FORMATTED],
        hybrid_keys=("pattern",),
        note=""
        if decided or after is None or before is None
        else "regular-expression inclusion is not decided; the verdict rests on sampled strings",
    )


def compare_format(w: Walker, o: Node, n: Node, ctx: Ctx) -> None:
    before, after = o.kw.get("format"), n.kw.get("format")
    if before == after:
        return
    kind = "format-added" if before is None else "format-removed" if after is None else "format-changed"
    old_at = o.where("format") if before else ""
    new_at = n.where("format") if after else ""
    if w.policy.format_assertion and _asserted(before) == _asserted(after):
        w.emit_local(
            kind,
            f"format {before!r} -> {after!r} (no check for the name)",
            o,
            n,
            ctx,
            back_ok=True,
            fwd_ok=True,
            note="a format name the checker does not know asserts nothing, even under --format-assertion",
            old_at=old_at,
            new_at=new_at,
        )
        return
    if not w.policy.format_assertion:
        w.emit_local(
            kind,
            f"format {before!r} -> {after!r} (annotation)",
            o,
            n,
            ctx,
            back_ok=True,
            fwd_ok=True,
            note="format is an annotation under this policy (--format-assertion makes it an assertion)",
            old_at=old_at,
            new_at=new_at,
        )
        return
    w.emit_local(
        kind,
        f"format {before!r} -> {after!r}",
        o,
        n,
        ctx,
        back_ok=after is None,
        fwd_ok=before is None,
        extra_back=list(NOT_FORMATTED),
        extra_fwd=list(NOT_FORMATTED),
        hybrid_keys=("format",),
        old_at=old_at,
        new_at=new_at,
    )


def _asserted(name: str | None) -> str | None:
    """The format name as an assertion: None for no format or for one the checker does not know."""
    return name if name is not None and name in FORMAT_CHECKER.checkers else None


def _anchored(loose: str, tight: str) -> bool:
    """``tight`` is ``loose`` with ``^`` and/or ``$`` added, so every string it matches ``loose`` matches.

    An anchor only restricts where the match may sit; a match of ``^P`` is a match of ``P``.
    """
    if not loose or loose.endswith("\\") or loose[0] in "*+?{":
        return False
    return tight in {"^" + loose, loose + "$", "^" + loose + "$"}


def _string_variants(samples: list[str]) -> list[str]:
    """Samples, then padded, repeated and shortened forms (unanchored patterns, length limits)."""
    variants = [
        variant
        for sample in samples[:_VARIANT_LIMIT]
        for variant in ("x" + sample, sample + "x", "A" + sample, sample * 10, sample[:-1])
    ]
    return list(dict.fromkeys([*samples, *variants]))
