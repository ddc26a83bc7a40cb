r"""Decide inclusion between two JSON Schema ``pattern`` languages with finite automata.

A ``pattern`` is an unanchored ECMA-262 search (``u`` flag): an instance is valid
when some substring matches. For the regular subset of the grammar -- literals,
escapes, classes (``\d \w \s`` and their negations with ECMA's ASCII meaning),
``.`` (every code point but the line terminators), groups, alternation,
greedy or lazy quantifiers, and ``^``/``$`` at the ends of a top-level
alternative -- the set of valid strings is a regular language, so
``L(A) <= L(B)`` is decidable. Anything else (lookarounds, back-references,
``\b``, an anchor inside a group) is left to the sampling rule.

Parsing is ours (the escapes come from :mod:`saas_contracts._ecma`, the owner of
ECMA semantics), so ``greenery``'s Python-flavoured parser never reads a
pattern: it contributes the Unicode range alphabet (``Charclass``,
``repartition``), the DFA type and its ``crawl``, driven here by a ``follow``
that charges the run's work budget, so a pattern whose automaton explodes ends
undecided instead of hanging. A non-inclusion is reported only with a witness
that :func:`saas_contracts._ecma.compile_ecma` confirms.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from greenery.charclass import DOT, Charclass, repartition
from greenery.fsm import Fsm, crawl

from saas_contracts._ecma import _LINE_ENDS, _MAX, _complement, _Parser, compile_ecma, translate_ecma
from saas_contracts.diff._budget import BudgetSpentError
from saas_contracts.errors import SchemaDefinitionError

if TYPE_CHECKING:
    from saas_contracts.diff._budget import Budget

__all__ = ["Inclusion", "decide_pattern"]

STATE_LIMIT: Final = 2_000
"""DFA states (per automaton, and for the difference product) before a decision is abandoned."""
NFA_LIMIT: Final = 4_000
"""NFA states of one expanded pattern (``a{1000}`` expands) before it is left to sampling."""

_Ranges = tuple[tuple[int, int], ...]
_ANY: _Ranges = ((0, _MAX),)
_DOT: _Ranges = _complement(_LINE_ENDS)
_PREFERRED = "a0A _-x.Z9"


@dataclass(frozen=True)
class Inclusion:
    """One direction decided: ``included``, or not with a checked ``witness`` string."""

    included: bool
    witness: str | None = None


class _Unsupported(Exception):  # noqa: N818 - control flow: the pattern is outside the regular subset
    """The pattern uses a construct outside the regular subset (or is too large)."""


@dataclass(frozen=True)
class _Set:
    ranges: _Ranges


@dataclass(frozen=True)
class _Cat:
    parts: tuple[_Node, ...]


@dataclass(frozen=True)
class _Alt:
    parts: tuple[_Node, ...]


@dataclass(frozen=True)
class _Rep:
    inner: _Node
    low: int
    high: int  # -1: unbounded


_Node = _Set | _Cat | _Alt | _Rep
_STAR_ANY: Final = _Rep(_Set(_ANY), 0, -1)


class _Reader:
    """Recursive descent over the regular subset of ECMA-262 ``Pattern`` (Unicode mode)."""

    def __init__(self, pattern: str) -> None:
        self.p = _Parser(pattern)

    def peek(self, offset: int = 0) -> str:
        return self.p.peek(offset)

    def top(self) -> list[tuple[bool, _Node, bool]]:
        """Each top-level alternative as (anchored at the start, body, anchored at the end)."""
        out: list[tuple[bool, _Node, bool]] = []
        while True:
            start = self.peek() == "^"
            if start:
                self.p.pos += 1
            parts: list[_Node] = []
            end = False
            while self.peek() not in {"", "|"}:
                if self.peek() == "$":
                    self.p.pos += 1
                    end = True
                    if self.peek() not in {"", "|"}:
                        raise _Unsupported
                    break
                parts.append(self.term())
            out.append((start, _Cat(tuple(parts)), end))
            if self.peek() != "|":
                break
            self.p.pos += 1
        if self.peek():
            raise _Unsupported
        return out

    def disjunction(self) -> _Node:
        parts = [self.alternative()]
        while self.peek() == "|":
            self.p.pos += 1
            parts.append(self.alternative())
        return _Alt(tuple(parts))

    def alternative(self) -> _Node:
        parts: list[_Node] = []
        while self.peek() not in {"", "|", ")"}:
            parts.append(self.term())
        return _Cat(tuple(parts))

    def term(self) -> _Node:
        atom = self.atom()
        ch = self.peek()
        if ch in {"*", "+", "?"}:
            self.p.pos += 1
            low, high = {"*": (0, -1), "+": (1, -1), "?": (0, 1)}[ch]
        elif ch == "{":
            self.p.pos += 1
            low = self.p.number() or 0
            high = low
            if self.peek() == ",":
                self.p.pos += 1
                number = self.p.number()
                high = -1 if number is None else number
            self.p.expect("}")
        else:
            return atom
        if self.peek() == "?":  # lazy: the same language
            self.p.pos += 1
        return _Rep(atom, low, high)

    def atom(self) -> _Node:
        ch = self.peek()
        if ch in {"^", "$"}:
            raise _Unsupported
        if ch == ".":
            self.p.pos += 1
            return _Set(_DOT)
        if ch == "[":
            return _Set(self.char_class())
        if ch == "(":
            self.p.pos += 1
            if self.peek() == "?":
                if self.peek(1) == ":":
                    self.p.pos += 2
                elif self.peek(1) == "<" and self.peek(2) not in {"=", "!"}:
                    self.p.pos += 2
                    self.p.group_name()
                else:
                    raise _Unsupported  # lookarounds
            inner = self.disjunction()
            self.p.expect(")")
            return inner
        if ch == "\\":
            nxt = self.peek(1)
            if nxt in {"b", "B", "k", "-"} or (nxt.isascii() and nxt.isdigit() and nxt != "0"):
                raise _Unsupported  # word boundaries, back-references (\- is a class-only escape)
            return _Set(self.p.class_atom()[0])  # \d ... \S or one escaped character
        self.p.pos += 1
        return _Set(((ord(ch), ord(ch)),))

    def char_class(self) -> _Ranges:
        self.p.pos += 1
        negated = self.peek() == "^"
        if negated:
            self.p.pos += 1
        members: list[tuple[int, int]] = []
        while self.peek() != "]":
            first, _ = self.p.class_atom()
            if self.peek() == "-" and self.peek(1) not in {"]", ""}:
                self.p.pos += 1
                last, _ = self.p.class_atom()
                members.append((first[0][0], last[0][0]))
            else:
                members.extend(first)
        self.p.pos += 1
        return _complement(tuple(members)) if negated else _complement(_complement(tuple(members)))


class _Nfa:
    """Thompson NFA over code-point range sets, with epsilon moves."""

    def __init__(self) -> None:
        self.moves: list[list[tuple[_Ranges, int]]] = []
        self.eps: list[list[int]] = []

    def state(self) -> int:
        if len(self.moves) >= NFA_LIMIT:
            raise _Unsupported
        self.moves.append([])
        self.eps.append([])
        return len(self.moves) - 1

    def build(self, node: _Node, start: int) -> int:
        """Add ``node`` from ``start``; return its end state."""
        if isinstance(node, _Set):
            end = self.state()
            if node.ranges:
                self.moves[start].append((node.ranges, end))
            return end
        if isinstance(node, _Cat):
            for part in node.parts:
                start = self.build(part, start)
            return start
        if isinstance(node, _Alt):
            end = self.state()
            for part in node.parts:
                begin = self.state()
                self.eps[start].append(begin)
                self.eps[self.build(part, begin)].append(end)
            return end
        for _ in range(node.low):
            start = self.build(node.inner, start)
        if node.high < 0:
            loop = self.state()
            self.eps[start].append(loop)
            self.eps[self.build(node.inner, loop)].append(loop)
            return loop
        end = self.state()
        for _ in range(node.high - node.low):
            self.eps[start].append(end)
            start = self.build(node.inner, start)
        self.eps[start].append(end)
        return end

    def closure(self, states: frozenset[int]) -> frozenset[int]:
        seen = set(states)
        stack = list(states)
        while stack:
            for nxt in self.eps[stack.pop()]:
                if nxt not in seen:
                    seen.add(nxt)
                    stack.append(nxt)
        return frozenset(seen)


def _nfa(pattern: str) -> tuple[_Nfa, int, int]:
    """The NFA of the strings that contain a match of ``pattern`` (its unanchored language)."""
    try:
        translate_ecma(pattern)  # JavaScript's verdict on the syntax first
    except SchemaDefinitionError as error:
        raise _Unsupported from error
    alternatives = _Reader(pattern).top()
    nfa = _Nfa()
    start, end = nfa.state(), nfa.state()
    for anchored_start, body, anchored_end in alternatives:
        node = _Cat(
            (*(() if anchored_start else (_STAR_ANY,)), body, *(() if anchored_end else (_STAR_ANY,)))
        )
        begin = nfa.state()
        nfa.eps[start].append(begin)
        nfa.eps[nfa.build(node, begin)].append(end)
    return nfa, start, end


def _charclass(ranges: _Ranges) -> Charclass:
    return Charclass(tuple((chr(lo), chr(hi)) for lo, hi in ranges))


def _dfa(nfa: _Nfa, start: int, end: int, alphabet: list[Charclass], budget: Budget) -> Fsm:
    """Subset construction through greenery's ``crawl``; every step is charged to ``budget``."""
    pieces = {
        ranges: [piece for piece in alphabet if _charclass(ranges) & piece == piece]
        for moves in nfa.moves
        for ranges, _ in moves
    }
    seen: set[frozenset[int]] = set()

    def follow(current: frozenset[int], symbol: Charclass) -> frozenset[int]:
        budget.charge()
        seen.add(current)
        if len(seen) > STATE_LIMIT:
            raise BudgetSpentError
        return nfa.closure(
            frozenset(
                target for state in current for ranges, target in nfa.moves[state] if symbol in pieces[ranges]
            )
        )

    return crawl(alphabet, nfa.closure(frozenset({start})), lambda states: end in states, follow)


def _member(piece: Charclass) -> str | None:
    """A readable character of ``piece`` (None for the piece past U+10FFFF the partition may carry)."""
    for char in _PREFERRED:
        if piece.accepts(char):
            return char
    ranges = piece.ord_ranges if not piece.negated else _complement(tuple(piece.ord_ranges))
    return chr(ranges[0][0]) if ranges else None


def _witness(left: Fsm, right: Fsm, budget: Budget) -> str | None:
    """A shortest string of ``left`` minus ``right`` (same alphabet), or None when there is none."""
    start = (left.initial, right.initial)
    paths: dict[tuple[int, int], str] = {start: ""}
    queue = [start]
    symbols = [(symbol, char) for symbol in sorted(left.alphabet) if (char := _member(symbol)) is not None]
    for pair in queue:
        if pair[0] in left.finals and pair[1] not in right.finals:
            return paths[pair]
        for symbol, char in symbols:
            budget.charge()
            nxt = (left.map[pair[0]][symbol], right.map[pair[1]][symbol])
            if nxt not in paths:
                if len(paths) > STATE_LIMIT * 4:
                    raise BudgetSpentError
                paths[nxt] = paths[pair] + char
                queue.append(nxt)
    return None


def _direction(old: str, new: str, fsms: tuple[Fsm, Fsm], budget: Budget) -> Inclusion | None:
    """Is every string valid under ``old`` valid under ``new``? None when the witness does not check."""
    found = _witness(fsms[0], fsms[1], budget)
    if found is None:
        return Inclusion(included=True)
    if bool(compile_ecma(old).search(found)) and not compile_ecma(new).search(found):
        return Inclusion(included=False, witness=found)
    return None


def decide_pattern(
    before: str | None, after: str | None, budget: Budget
) -> tuple[Inclusion | None, Inclusion | None]:
    """(L(before) <= L(after), L(after) <= L(before)), each None when not decided here.

    A missing pattern is the language of every string. ``budget`` pays for every DFA
    transition and product step; spending it (or the state limits) leaves both undecided.
    """
    try:
        machines = [_nfa(pattern or "") for pattern in (before, after)]
        classes = {_charclass(ranges) for nfa, _, _ in machines for moves in nfa.moves for ranges, _ in moves}
        alphabet = list(repartition([DOT, *classes])[DOT])
        old, new = (_dfa(*machine, alphabet, budget) for machine in machines)
        return (
            _direction(before or "", after or "", (old, new), budget),
            _direction(after or "", before or "", (new, old), budget),
        )
    except (_Unsupported, BudgetSpentError, RecursionError):
        return None, None
