r"""A structural check that a rule pattern is linear in a backtracking engine too.

RE2 runs every pattern in linear time, but TypeScript templates run the rules
with JavaScript's backtracking ``RegExp``. There a pattern in the portable
subset (no backreferences, no lookaround, no unbounded group repetition) can
still be super-linear in three shapes, which :func:`linearity_problem` finds
on the parsed pattern:

rescan
    An unbounded repetition ``C{m,}`` that something required follows, where
    everything before it in its branch can match inside a run of ``C``
    (``eyJ[A-Za-z0-9_-]{8,}\.`` on ``eyJAeyJA...``): every start inside the run
    scans to its end again, quadratic. A start that cannot lie inside the run
    (``^``, or a class disjoint from ``C`` such as ``(?:^|[^A-Za-z0-9_-])``)
    makes it linear.
adjacent
    Two unbounded repetitions over overlapping classes with nothing between
    them that separates the runs (``[a-z]+[a-z0-9]+``): the split point is
    ambiguous, quadratic per start.
nested
    A repeated group whose body holds a variable-length repetition and can
    start inside that repetition's run (``(?:[a-z]{1,9}){1,50}``): the
    iterations can split a run in exponentially many ways.

Bounded repetitions cost at most their bound per start, so they stay linear;
the Node test (``node/privacy-linearity.mjs``) times the constant.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

_ESCAPES: Final = {"t": "\t", "r": "\r", "n": "\n", "f": "\f", "v": "\v", "0": "\0"}


@dataclass(frozen=True)
class _Chars:
    chars: frozenset[str]
    negated: bool
    text: str

    def overlaps(self, other: _Chars) -> bool:
        if self.negated and other.negated:
            return True
        if self.negated:
            return bool(other.chars - self.chars)
        if other.negated:
            return bool(self.chars - other.chars)
        return bool(self.chars & other.chars)


@dataclass(frozen=True)
class _Anchor:
    text: str


@dataclass(frozen=True)
class _Group:
    alternatives: tuple[tuple[_Item, ...], ...]
    text: str


@dataclass(frozen=True)
class _Item:
    node: _Chars | _Anchor | _Group
    low: int
    high: int | None

    @property
    def nullable(self) -> bool:
        if self.low == 0:
            return True
        node = self.node
        return isinstance(node, _Group) and any(
            all(item.nullable for item in alt) for alt in node.alternatives
        )


class _Parser:
    def __init__(self, pattern: str, *, ignore_case: bool) -> None:
        self.pattern = pattern
        self.index = 0
        self.ignore_case = ignore_case

    def _fold(self, chars: set[str]) -> frozenset[str]:
        if self.ignore_case:
            chars |= {char.swapcase() for char in chars}
        return frozenset(chars)

    def _escape(self) -> str:
        pattern, index = self.pattern, self.index + 1
        char = pattern[index]
        if char == "x":
            self.index = index + 3
            return chr(int(pattern[index + 1 : index + 3], 16))
        if char == "u" and pattern[index + 1 : index + 2] == "{":
            end = pattern.index("}", index)
            self.index = end + 1
            return chr(int(pattern[index + 2 : end], 16))
        if char == "u":
            self.index = index + 5
            return chr(int(pattern[index + 1 : index + 5], 16))
        self.index = index + 1
        return _ESCAPES.get(char, char)

    def _class(self) -> _Chars:
        start = self.index
        self.index += 1
        negated = self.pattern[self.index] == "^"
        self.index += negated
        chars: set[str] = set()
        first = True
        while self.pattern[self.index] != "]" or first:
            first = False
            low = self._escape() if self.pattern[self.index] == "\\" else self._next()
            if self.pattern[self.index] == "-" and self.pattern[self.index + 1] != "]":
                self.index += 1
                high = self._escape() if self.pattern[self.index] == "\\" else self._next()
                chars.update(chr(code) for code in range(ord(low), ord(high) + 1))
            else:
                chars.add(low)
        self.index += 1
        return _Chars(self._fold(chars), negated, self.pattern[start : self.index])

    def _next(self) -> str:
        char = self.pattern[self.index]
        self.index += 1
        return char

    def _quantifier(self) -> tuple[int, int | None]:
        pattern = self.pattern
        char = pattern[self.index : self.index + 1]
        bounds: tuple[int, int | None] = (1, 1)
        if char in {"*", "+", "?"}:
            self.index += 1
            bounds = {"*": (0, None), "+": (1, None), "?": (0, 1)}[char]
        elif char == "{":
            end = pattern.index("}", self.index)
            low, _, high = pattern[self.index + 1 : end].partition(",")
            has_comma = "," in pattern[self.index + 1 : end]
            bounds = (int(low), (int(high) if high else None) if has_comma else int(low))
            self.index = end + 1
        if pattern[self.index : self.index + 1] == "?":
            self.index += 1  # lazy: same cost shape
        return bounds

    def alternation(self) -> tuple[tuple[_Item, ...], ...]:
        alternatives = [self._sequence()]
        while self.pattern[self.index : self.index + 1] == "|":
            self.index += 1
            alternatives.append(self._sequence())
        return tuple(alternatives)

    def _sequence(self) -> tuple[_Item, ...]:
        items: list[_Item] = []
        pattern = self.pattern
        while self.index < len(pattern) and pattern[self.index] not in "|)":
            start = self.index
            char = pattern[self.index]
            node: _Chars | _Anchor | _Group
            if char == "(":
                self.index += 3 if pattern.startswith("(?:", self.index) else 1
                alternatives = self.alternation()
                self.index += 1  # ")"
                node = _Group(alternatives, pattern[start : self.index])
            elif char in "^$":
                self.index += 1
                node = _Anchor(char)
            elif char == "[":
                node = self._class()
            else:
                literal = self._escape() if char == "\\" else self._next()
                node = _Chars(self._fold({literal}), negated=False, text=pattern[start : self.index])
            low, high = self._quantifier()
            items.append(_Item(node, low, high))
        return tuple(items)


def _inside(items: tuple[_Item, ...], run: _Chars) -> bool:
    """Whether ``items`` can match entirely inside a run of ``run`` characters (not at a text edge)."""
    return all(item.nullable or _item_inside(item, run) for item in items)


def _item_inside(item: _Item, run: _Chars) -> bool:
    node = item.node
    if isinstance(node, _Anchor):
        return False
    if isinstance(node, _Chars):
        return node.overlaps(run)
    return any(_inside(alt, run) for alt in node.alternatives)


def _variable_chars(items: tuple[_Item, ...]) -> list[_Chars]:
    found = []
    for item in items:
        if isinstance(item.node, _Chars) and item.high != item.low:
            found.append(item.node)
        elif isinstance(item.node, _Group):
            found.extend(chars for alt in item.node.alternatives for chars in _variable_chars(alt))
    return found


class _Checker:
    def __init__(self) -> None:
        self.problems: list[str] = []

    def sequence(
        self,
        items: tuple[_Item, ...],
        before_inside: list[tuple[_Item, ...]],
        *,
        required_after: bool,
    ) -> None:
        for index, item in enumerate(items):
            prefix = [*before_inside, items[:index]]
            rest = items[index + 1 :]
            required = required_after or not all(later.nullable for later in rest)
            node = item.node
            if isinstance(node, _Chars) and item.high is None:
                if required and all(_inside(part, node) for part in prefix):
                    self.problems.append(
                        f"rescan: every start inside a run of {node.text} scans it again before "
                        f"what follows fails (quadratic); anchor the start, e.g. (?:^|[^...])",
                    )
                self._adjacent(node, rest)
            elif isinstance(node, _Group):
                if item.high is None or item.high > 1:
                    for alt in node.alternatives:
                        if any(_inside(alt[:1], chars) for chars in _variable_chars(alt)):
                            self.problems.append(
                                f"nested: the repeated group {node.text} can split a run of its own "
                                "variable repetition in many ways (exponential)",
                            )
                for alt in node.alternatives:
                    self.sequence(alt, prefix, required_after=required)

    def _adjacent(self, node: _Chars, rest: tuple[_Item, ...]) -> None:
        for later in rest:
            other = later.node
            if isinstance(other, _Chars) and later.high is None and other.overlaps(node):
                self.problems.append(
                    f"adjacent: {node.text} and {other.text} repeat without bound over overlapping "
                    "classes with nothing separating them (quadratic)",
                )
                return
            if not (later.nullable or (isinstance(other, _Chars) and other.overlaps(node))):
                return


def linearity_problem(pattern: str, *, ignore_case: bool) -> str | None:
    """The first reason ``pattern`` is super-linear in a backtracking engine, or None when it is linear."""
    parser = _Parser(pattern, ignore_case=ignore_case)
    try:
        alternatives = parser.alternation()
    except (IndexError, ValueError):
        return "the pattern could not be analysed (outside the portable subset)"
    if parser.index != len(pattern):
        return "the pattern could not be analysed (unbalanced parenthesis)"
    checker = _Checker()
    for alt in alternatives:
        checker.sequence(alt, [], required_after=False)
    return checker.problems[0] if checker.problems else None
