"""The decisions of one diff run: each pair of subschemas is proved once, however many paths reach it.

:meth:`~saas_contracts.diff._compare.Walker.decide` walks a pair of nodes only
to prove (``differs``, backward proven, forward proven). On a recursive schema
the same pair comes back through every path to it (renovate's ``$ref: "#"``
under a hundred properties), so without a memo the cost grows with the number
of paths, exponentially in the depth. Here:

* a pair under decision is *assumed* to hold while it is being proved
  (coinduction), where it comes back below an instance step (so the recursion is
  guarded: each use is on a strictly smaller part of the instance) and with no
  ``not``, opaque applicator or swapped decision on the way (so the assumption
  is used in the direction it is being proved in);
* a finished decision is kept, keyed by both nodes' canonical texts and the
  ``$ref`` each was reached through, unless it rests on an assumption still
  open outside it (a pair under decision, or a pair of definitions under
  comparison, further up): such a result is only as good as that assumption;
* a kept decision is taken up again only where walking it again would walk
  the same way: none of the assumptions it found absent is open there, and
  its walk stays within the depth limit (a walk cut by the limit is only taken
  up at its own depth).

So a memoized run decides as an unmemoized one does (``memo=False``, for
tests); it only walks less.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Key", "Pair", "Proofs", "Verdict"]

Key = tuple[str, str, str, str]
"""Both nodes' canonical texts and the ``$ref`` each was reached through (empty: inline)."""
Pair = tuple[str | tuple[str, str], str | tuple[str, str]]
"""A pair of nodes the walk compares once (see :meth:`~saas_contracts.diff._compare.Walker.walk`): per
side the URI of the ``$ref`` it was reached through, or for an inline node its location and text."""
Verdict = tuple[bool, bool, bool]
"""(differs, backward proven, forward proven), locally."""
Token = tuple[int, int | None, Key]
"""A decision under way: its frame level, the level the same key was open at before (if), its key."""


@dataclass(frozen=True)
class _Kept:
    verdict: Verdict
    checked: frozenset[Any]
    """Assumptions found absent while deciding (pairs of definitions, keys under decision)."""
    depth: int
    reach: int
    """How much deeper than ``depth`` its deepest keyword walk went."""
    limited: bool
    """Its walk was cut by the depth limit somewhere."""


@dataclass
class _Frame:
    key: Key | None
    """The pair under decision; None for a comparison of two nodes (see :meth:`Proofs.ref_entered`)."""
    steps: int
    turns: int
    depth: int
    index: int
    low: int = sys.maxsize
    """The outermost frame level an assumption used below was opened at (``index`` or less: not kept)."""
    deepest: int = 0
    limited: bool = False
    checked: set[Any] = field(default_factory=set)


class Proofs:
    """The kept decisions of a run and the decisions under way (a stack: walks nest, never interleave)."""

    def __init__(self, *, memo: bool = True, max_depth: int) -> None:
        """Keep decisions when ``memo`` (else only assume those under way); ``max_depth``: the walk limit."""
        self.memo = memo
        self.max_depth = max_depth
        self.kept: dict[Key, _Kept] = {}
        self._frames: list[_Frame] = []
        self._open: dict[Key, int] = {}
        self._refs: dict[Pair, list[tuple[int, int]]] = {}
        """Per pair of nodes under comparison: the frame level that rests on it, its instance steps."""

    # -- pairs of definitions (the walk's own coinduction, see Walker.walk) -----------------------

    def ref_entered(self, pair: Pair, *, depth: int, steps: int) -> int:
        """The walk started comparing two nodes (assumed equal below them): a token for :meth:`ref_left`."""
        index = len(self._frames)
        self._frames.append(_Frame(key=None, steps=steps, turns=0, depth=depth, index=index, deepest=depth))
        self._refs.setdefault(pair, []).append((index + 1, steps))
        return index

    def ref_guarded(self, pair: Pair, *, steps: int) -> bool:
        """True when ``pair``, under comparison above, was entered at fewer instance steps than ``steps``."""
        entered = self._refs.get(pair)
        return entered is None or steps > entered[-1][1]

    def ref_left(self, pair: Pair, index: int) -> bool:
        """That comparison ended: True when what it found rests on no assumption opened outside it.

        A walk that met a pair under decision further up, or a pair of nodes under comparison
        further up, found only what holds if that assumption does: its findings may be reused
        elsewhere only when they rest on nothing still open outside it.
        """
        entered = self._refs[pair]
        entered.pop()
        if not entered:
            del self._refs[pair]
        return self._pop().low > index

    def ref_assumed(self, pair: Pair) -> None:
        """The walk met a pair of definitions under comparison and assumed it equal."""
        entered = self._refs.get(pair)
        self._used(entered[-1][0] if entered else 0)

    def ref_checked(self, pair: Pair) -> None:
        """The walk met a pair of definitions not under comparison (it walked it)."""
        if self._frames:
            self._frames[-1].checked.add(pair)

    def reached(self, depth: int, *, limited: bool) -> None:
        """A keyword walk at ``depth`` (``limited``: cut by the depth limit)."""
        if self._frames:
            top = self._frames[-1]
            top.deepest = max(top.deepest, depth)
            top.limited = top.limited or limited

    # -- decisions ---------------------------------------------------------------------------------

    def assumed(self, key: Key, *, steps: int, turns: int) -> bool:
        """True when ``key`` is under decision above and may be assumed here (guarded, same direction).

        A key under decision that may not be assumed here is decided again, one level deeper.
        """
        index = self._open.get(key)
        if index is None:
            if self._frames:
                self._frames[-1].checked.add(key)
            return False
        self._used(index + 1)
        frame = self._frames[index]
        return steps > frame.steps and turns == frame.turns

    def known(self, key: Key, *, depth: int, ref_pairs: frozenset[Pair]) -> Verdict | None:
        """A kept decision that deciding again here would reproduce, or None.

        None for a key under decision above (met where it may not be assumed): it is decided again.
        """
        kept = self.kept.get(key) if self.memo and key not in self._open else None
        if kept is None:
            return None
        fits = depth == kept.depth if kept.limited else depth + kept.reach <= self.max_depth
        if not (fits and kept.checked.isdisjoint(ref_pairs) and kept.checked.isdisjoint(self._open)):
            return None
        if self._frames:
            top = self._frames[-1]
            top.checked |= kept.checked
            top.deepest = max(top.deepest, depth + kept.reach)
            top.limited = top.limited or kept.limited
        return kept.verdict

    def open(self, key: Key, *, steps: int, turns: int, depth: int) -> Token:
        """Start deciding ``key``; pass what this returns to :meth:`close`."""
        index = len(self._frames)
        self._frames.append(
            _Frame(key=key, steps=steps, turns=turns, depth=depth, index=index, deepest=depth)
        )
        before = self._open.get(key)
        self._open[key] = index
        return index, before, key

    def close(self, token: Token, verdict: Verdict | None) -> None:
        """End the decision ``token``: keep ``verdict`` (None: failed) unless it rests on an open one."""
        index, before, key = token
        frame = self._pop()
        if before is None:
            del self._open[key]
        else:
            self._open[key] = before
        if verdict is not None and self.memo and frame.low > index:
            self.kept[key] = _Kept(
                verdict=verdict,
                checked=frozenset(frame.checked),
                depth=frame.depth,
                reach=frame.deepest - frame.depth,
                limited=frame.limited,
            )

    def _pop(self) -> _Frame:
        """End the innermost decision or comparison; what it rests on and reached passes to its parent."""
        frame = self._frames.pop()
        if self._frames:
            parent = self._frames[-1]
            parent.low = min(parent.low, frame.low)
            parent.checked |= frame.checked
            parent.deepest = max(parent.deepest, frame.deepest)
            parent.limited = parent.limited or frame.limited
        return frame

    def _used(self, level: int) -> None:
        """An assumption opened at frame ``level`` (frames from there on rest on it) was used."""
        if self._frames:
            top = self._frames[-1]
            top.low = min(top.low, level)
