"""The privacy scanner: walk parsed JSON (keys and values), match the rules, report masked findings.

How one document is scanned, and why it stays fast and linear:

1. One iterative walk collects every member name and string value, applies
   ``field`` rules (member-name pattern cached per distinct name, so repeated
   keys cost one dict lookup) and ``structure`` rules (only on objects that
   carry a rule's first member).
2. All collected texts are joined with newlines and matched once against an
   RE2 *set* of every ``value``/``key`` rule compiled in multi-line mode, so
   ``^``/``$`` still anchor at each text's ends. Only rules the set reports are
   located (RE2 ``finditer``) and confirmed text by text with the exact rule.
3. Texts that could hide something (non-ASCII, line breaks, escapes, percent
   signs, long base64/hex runs, embedded JSON) get their normalized views
   (see :mod:`._views`), each matched the same way; embedded JSON is parsed
   and scanned recursively (bounded depth) and reported as view ``json``.

Findings carry a masked preview and a pointer whose flagged member names are
masked too, so no report ever contains the secret in full.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import json
import operator
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

import re2

from saas_contracts._jsonio import loads
from saas_contracts._mask import is_safe_segment, mask
from saas_contracts._pointer import escape_token
from saas_contracts.errors import JSONInputError, PublicSafetyError
from saas_contracts.privacy._rules import BUDGET_RULE, KeyInfo, RuleSet, ScanConfig, ruleset_for
from saas_contracts.privacy._views import (
    TRIGGER_PATTERN,
    VIEWS,
    Budget,
    decode_base64_runs,
    decode_hex_runs,
    derived_views,
    utf8,
)

if TYPE_CHECKING:
    from collections.abc import Sequence

    from saas_contracts.privacy._rules import Rule

_MAX_JSON_DEPTH: Final = 3
_VIEW_RANK: Final = {name: rank for rank, name in enumerate(VIEWS)}
# A text gets its views computed when it could hide something: line-break-like
# characters, escapes, percent signs, long base64/hex-looking runs, or a JSON start.
# Texts matching this get their views computed: line-break-like characters,
# escapes, percent-escapes, long base64/hex-looking runs, or a JSON start.
_RUN: Final = 16
_MAX_SKIPS: Final = 32
_TRIGGER: Final = re2.compile(TRIGGER_PATTERN)
_HEX_ONLY: Final = frozenset("0123456789abcdefABCDEF")
_RUN_CHARS: Final = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/_-")
_SCALARS: Final = frozenset({int, float, bool, type(None)})
_LEAVES: Final = _SCALARS | {str}
_DICT: Final = frozenset({dict})
_STR: Final = itertools.repeat(str)
_NONE: Final = itertools.repeat(None)
_SHAPES: Final = 4096
"""Distinct dict shapes (member names in order) a ruleset keeps; hostile documents may use unique names."""
_SHAPE_NAMES: Final = 64
"""A dict with more members than this gets its shape computed, not kept (its walk is linear anyway)."""
_TEXT_BATCH: Final = 64
_FUSE_FROM: Final = 1 << 14
"""A view this long (UTF-8 bytes) is first searched with all its candidates in one regexp."""
_PUNCTUATION: Final = " \t[]{},"

# A location: (container link, key or index, is-member-name). A link is None
# for the root or (parent link, key or index) for a nested container.
Link = tuple[Any, str | int] | None
Loc = tuple[Link, str | int | None, bool]
# A dict shape: each member's KeyInfo, which names are texts (None: none is), the inert names'
# size, the positions with field rules or scoped allow entries, whether a structure rule may apply.
_Shape = tuple[tuple[KeyInfo, ...], tuple[bool, ...] | None, int, tuple[int, ...], bool]


@dataclass(frozen=True, kw_only=True)
class Finding:
    """One rule match. Never holds the matched text: ``preview`` is masked."""

    rule_id: str
    family: str
    pointer: str
    """RFC 6901 pointer to the value (or to the member, for a ``key`` finding); flagged names are masked."""
    target: str
    """``key`` when a member name matched, ``value`` otherwise."""
    view: str
    """The first view that matched (``raw``, ``nfkc``, ``unwrapped``, ``unescaped``, ``percent``, ...)."""
    preview: str
    """A masked preview of the matched text."""
    line: int | None = None
    """1-based line for JSON Lines input; None otherwise."""

    def sort_key(self) -> tuple[int, str, str, str, int]:
        """Deterministic order: line, pointer, target, rule, view."""
        return (self.line or 0, self.pointer, self.target, self.rule_id, _VIEW_RANK.get(self.view, 99))

    def to_json(self) -> dict[str, Any]:
        """Plain JSON form (public-safe)."""
        return {
            "rule_id": self.rule_id,
            "family": self.family,
            "pointer": self.pointer,
            "target": self.target,
            "view": self.view,
            "preview": self.preview,
            "line": self.line,
        }


def sorted_findings(findings: Sequence[Finding]) -> tuple[Finding, ...]:
    """Findings in deterministic order, exact duplicates removed."""
    return tuple(sorted(set(findings), key=Finding.sort_key))


@dataclass(frozen=True, kw_only=True)
class ScanReport:
    """The result of scanning one artifact."""

    findings: tuple[Finding, ...]
    rules_digest: str
    """``sha256:<hex>`` over the canonical rules (and product extras) in effect."""

    @property
    def clean(self) -> bool:
        """True when nothing was found."""
        return not self.findings

    def to_json(self) -> dict[str, Any]:
        """Plain JSON form (public-safe)."""
        return {
            "clean": self.clean,
            "rules_digest": self.rules_digest,
            "findings": [finding.to_json() for finding in self.findings],
        }


@dataclass
class _Hit:
    rule: Rule
    target: str
    view: str
    preview: str


class _Walk:
    """Scans one parsed document."""

    __slots__ = (
        "_inert_size",
        "_pending",
        "_spans",
        "_starts_cache",
        "_text_starts",
        "budget",
        "depth",
        "hits",
        "rules",
        "texts",
    )

    def __init__(self, rules: RuleSet, depth: int = 0, budget: Budget | None = None) -> None:
        self.rules = rules
        self.depth = depth
        self.budget = budget
        """Shared with the walks of embedded JSON; made from the document's size when None."""
        self._pending: list[tuple[KeyInfo, str, Loc]] = []
        self._inert_size = 0
        """Characters (plus separators) of the inert member names left out of ``texts``."""
        self.texts: list[str] = []
        self.hits: dict[tuple[Loc, str, str], _Hit] = {}
        self._spans: list[tuple[int, Link, Any, bool]] = []
        """(first text, container link, container, is a list of records collected whole by _rows)."""
        self._starts_cache: list[int] | None = None
        self._text_starts: list[int] | None = None

    # ------------------------------------------------------------------ walk
    def run(self, value: Any) -> dict[tuple[Loc, str, str], _Hit]:
        self._collect(value)
        concat = "\n".join(self.texts)
        # RE2 on bytes skips the wrapper's character-offset bookkeeping; offsets
        # are the same as character offsets when the text is ASCII.
        ascii_only = concat.isascii()
        if not ascii_only and _LONE_SURROGATE.search(concat):
            self.texts = [_utf8_safe(text) for text in self.texts]
            concat = "\n".join(self.texts)
        subject: str | bytes = concat.encode("ascii") if ascii_only else concat
        if self.budget is None:
            # The size of every text joined, inert member names included (as before they were left out).
            inert = self._inert_size
            self.budget = Budget(len(concat) + inert - (1 if inert and not self.texts else 0))
        for info, text, loc in self._pending:
            self._field_views(info, text, loc)
        self._match_raw(subject)
        self._match_views(self._trigger_views(concat, subject, ascii_only=ascii_only))
        return self.hits

    def _collect(self, value: Any) -> None:  # noqa: C901, PLR0912, PLR0915 - the hot loop, kept in one frame
        # Collects every member name and string value, applies field and
        # structure rules, and records each container's range of texts so a
        # text's location can be recovered later (rarely needed) without
        # building one location tuple per text here.
        texts = self.texts
        add = texts.append
        spans = self._spans
        cache = self.rules.key_cache
        key_info = self.rules.key_info
        first_keys = self.rules.first_key_set
        inert = 0
        if isinstance(value, str):
            add(value)
            return
        stack: list[tuple[Any, Link, KeyInfo | None]] = [(value, None, None)]
        pop = stack.pop
        push = stack.append
        while stack:
            node, link, scope = pop()
            begin = len(texts)
            if isinstance(node, dict):
                for key, child in node.items():
                    info = cache.get(key) or key_info(key)
                    # info[3]: the name's size when it is inert (nothing to find in it), else 0.
                    if info[3]:
                        inert += info[3]
                    else:
                        add(key)
                    kind = type(child)
                    # info[1]: field rules, info[2]: key-scoped allow entries (indexing is
                    # measurably cheaper than attribute access in this loop).
                    if kind is str:
                        if info[2] and info.exempt(child):
                            continue  # a SHA under "commit_sha", a digest under "rules_digest"
                        add(child)
                        if info[1]:
                            self._field(info, child, (link, key, False))
                    elif kind is dict or kind is list:
                        push((child, (link, key), info if info[1] or info[2] else None))
                    elif info[1] and kind is not bool and isinstance(child, (int, float)):
                        self._number(info, child, (link, key, False))
                    elif kind not in _SCALARS and isinstance(child, (dict, list)):
                        push((child, (link, key), info if info[1] or info[2] else None))
                if first_keys and not first_keys.isdisjoint(node):
                    self._structure(node, link)
            elif isinstance(node, list):
                if len(node) > 1 and type(node[0]) is dict:  # records ignore the scope
                    added = self._rows(node, link)
                    if added is not None:
                        inert += added
                        if len(texts) > begin:
                            spans.append((begin, link, node, True))
                        continue
                for index, child in enumerate(node):
                    kind = type(child)
                    if kind is str:
                        if scope is not None and scope.scoped_allow and scope.exempt(child):
                            continue
                        add(child)
                        if scope is not None and scope.field_rules:
                            self._field(scope, child, (link, index, False))
                    elif kind is dict or kind is list:
                        push((child, (link, index), scope))
                    elif (
                        scope is not None
                        and scope.field_rules
                        and kind is not bool
                        and isinstance(child, (int, float))
                    ):
                        self._number(scope, child, (link, index, False))
                    elif kind not in _SCALARS and isinstance(child, (dict, list)):
                        push((child, (link, index), scope))
            if len(texts) > begin:
                spans.append((begin, link, node, False))
        self._inert_size = inert

    def _rows(self, rows: list[Any], link: Link) -> int | None:
        """Collect a list of flat records, all dicts of one shape, as a whole; None when it is not one.

        The texts are the very ones (in the very order) the walk would collect
        popping the records one by one (last record first), but they are picked
        by C-level iterators: only the members with field rules or scoped allow
        entries take Python-level steps. Returns the inert names' size.
        """
        if not _DICT.issuperset(map(type, rows)):
            return None
        names = tuple(rows[0])
        # Every record has these names in this order exactly when the names of all records,
        # one after the other, are these names repeated (a dict holds each name once).
        if list(itertools.chain.from_iterable(rows)) != list(names) * len(rows):
            return None
        width = len(names)
        shape = self.rules.shape_cache.get(names) or self._shape(names)
        infos, key_mask, inert_size, special, structure = shape
        ordered = rows[::-1]
        children = list(itertools.chain.from_iterable(map(dict.values, ordered)))
        kinds_list = list(map(type, children))
        if not _LEAVES.issuperset(kinds_list):
            return None  # nested containers: the records go one by one
        # The collected strings: not exempt (whole columns first, then record by record).
        picked = list(map(operator.is_, kinds_list, _STR))
        if special:
            special = self._exempt_columns(special, infos, children, picked, width)
        if special:
            self._record_fields(rows, link, shape, special, children, kinds_list, picked)
        if key_mask is None:  # every name is inert: only the string values are texts
            self.texts.extend(itertools.compress(children, picked))
        else:
            items = itertools.chain.from_iterable(itertools.chain.from_iterable(map(dict.items, ordered)))
            mask = itertools.chain.from_iterable(zip(itertools.cycle(key_mask), picked))
            self.texts.extend(itertools.compress(items, mask))
        if structure:
            last = len(rows) - 1
            for row, record in enumerate(ordered):
                self._structure(record, (link, last - row))
        return inert_size * len(rows)

    def _record_fields(  # noqa: PLR0913, PLR0917 - the pieces _rows has at hand
        self,
        rows: list[Any],
        link: Link,
        shape: _Shape,
        special: tuple[int, ...],
        children: list[Any],
        kinds: list[type],
        picked: list[bool],
    ) -> None:
        """Record by record (last first), the members with field rules or scoped allow entries."""
        infos = shape[0]
        names = list(rows[0])
        width = len(infos)
        last = len(rows) - 1
        for row in range(len(rows)):
            offset = row * width
            for position in special:
                info = infos[position]
                index = offset + position
                child = children[index]
                if picked[index]:
                    if info[2] and info.exempt(child):
                        picked[index] = False
                    elif info[1]:
                        self._field(info, child, ((link, last - row), names[position], False))
                elif info[1] and kinds[index] is not bool and isinstance(child, (int, float)):
                    self._number(info, child, ((link, last - row), names[position], False))

    @staticmethod
    def _exempt_columns(
        special: tuple[int, ...],
        infos: tuple[KeyInfo, ...],
        children: list[Any],
        picked: list[bool],
        width: int,
    ) -> tuple[int, ...]:
        """Drop the columns of records whose every value is a string its first allow entry exempts.

        Such a column (a redacted ref under "workspace", a SHA under "commit_sha") is
        exempt as a whole: its values are unpicked at C speed. The other columns
        are returned, for the record-by-record steps.
        """
        left = []
        for position in special:
            allow = infos[position][2]
            column = picked[position::width]
            if allow and all(column):
                matched = map(operator.is_not, map(allow[0].regex.match, children[position::width]), _NONE)
                if all(matched):
                    picked[position::width] = map(operator.not_, column)
                    continue
            left.append(position)
        return tuple(left)

    def _shape(self, names: tuple[str, ...]) -> _Shape:
        """What the scanner needs of a dict with these member names, in order (cached per ruleset)."""
        key_info = self.rules.key_info
        infos = tuple(map(key_info, names))
        first_keys = self.rules.first_key_set
        shape: _Shape = (
            infos,
            None if all(info[3] for info in infos) else tuple(not info[3] for info in infos),
            sum(info[3] for info in infos),
            tuple(position for position, info in enumerate(infos) if info[1] or info[2]),
            bool(first_keys) and not first_keys.isdisjoint(names),
        )
        shapes = self.rules.shape_cache
        if len(names) <= _SHAPE_NAMES:
            if len(shapes) >= _SHAPES:  # bounded: hostile documents may use unique member names
                shapes.clear()
            shapes[names] = shape
        return shape

    def loc(self, index: int) -> Loc:
        """Where text ``index`` sits, recovered from its container's span."""
        if not self._spans:
            return (None, None, False)  # the document is one string
        position = bisect.bisect_right(self._span_starts, index) - 1
        counter, link, node, records = self._spans[position]
        if records:  # a list of records collected whole: last record first, as popped one by one
            for row in range(len(node) - 1, -1, -1):
                found, counter = self._dict_loc(node[row], (link, row), counter, index)
                if found is not None:
                    return found
        elif isinstance(node, dict):
            found, counter = self._dict_loc(node, link, counter, index)
            if found is not None:
                return found
        else:
            scope = self._scope_key_info(link)
            for item, child in enumerate(node):
                if type(child) is str and not (scope is not None and scope.exempt(child)):
                    if counter == index:
                        return (link, item, False)
                    counter += 1
        raise AssertionError(index)  # pragma: no cover - spans always cover every text

    def _dict_loc(self, node: dict[str, Any], link: Link, counter: int, index: int) -> tuple[Loc | None, int]:
        """Where text ``index`` is among a dict's texts numbered from ``counter``, and the next number."""
        key_info = self.rules.key_info
        for key, child in node.items():
            info = key_info(key)
            if not info.skip:
                if counter == index:
                    return (link, key, True), counter
                counter += 1
            if type(child) is str and not info.exempt(child):
                if counter == index:
                    return (link, key, False), counter
                counter += 1
        return None, counter

    def _scope_key_info(self, link: Link) -> KeyInfo | None:
        """The member name a list sits under (through nested lists), as collected."""
        while link is not None:
            parent, part = link
            if isinstance(part, str):
                return self.rules.key_info(part)
            link = parent
        return None

    @property
    def _span_starts(self) -> list[int]:
        if self._starts_cache is None:
            self._starts_cache = [span[0] for span in self._spans]
        return self._starts_cache

    # ------------------------------------------------------------------ recording
    def _record(self, loc: Loc, target: str, rule: Rule, view: str, preview: str) -> None:
        key = (loc, target, rule.id)
        if key not in self.hits:
            self.hits[key] = _Hit(rule=rule, target=target, view=view, preview=preview)

    def _scope_key(self, loc: Loc) -> str | None:
        """The normalized member name a value sits under (array items inherit their array's)."""
        link, part, _ = loc
        while not isinstance(part, str):
            if link is None:
                return None
            link, part = link
        return self.rules.key_info(part)[0]

    # ------------------------------------------------------------------ rule kinds
    def _number(self, info: KeyInfo, number: float, loc: Loc) -> None:
        text = json.dumps(number)
        if not info.exempt(text):
            self._field(info, text, loc)

    def _field(self, info: KeyInfo, text: str, loc: Loc) -> None:
        # The caller has checked info.exempt(text), which covers every allow
        # entry that applies under a member with field rules.
        # Raw matches now; views wait until the document's budget is known (see run).
        text = _utf8_safe(text)  # RE2 cannot read a lone surrogate an API caller may pass
        missed = False
        for rule in info.field_rules:
            if rule.search(text) is not None:
                self._record(loc, "value", rule, "raw", mask(text))
            else:
                missed = True
        if missed:
            self._pending.append((info, text, loc))

    def _field_views(self, info: KeyInfo, text: str, loc: Loc) -> None:
        views = self._views(text, loc)
        for rule in info.field_rules:
            if rule.search(text) is not None:
                continue
            for view, view_text in views:
                if rule.search(view_text) is not None:
                    self._record(loc, "value", rule, view, mask(text))
                    break

    def _views(self, text: str, loc: Loc) -> list[tuple[str, str]]:
        """The views of ``text``, charged to the budget; the first text it cannot cover is undecidable."""
        budget = self.budget
        assert budget is not None  # noqa: S101 - set in run() before any view is asked for
        views = derived_views(text, budget)
        if budget.exhausted and not budget.reported:
            budget.reported = True
            self._record(loc, "key" if loc[2] else "value", BUDGET_RULE, "raw", mask(text))
        return views

    def _structure(self, node: dict[str, Any], link: Link) -> None:
        loc: Loc = (None, None, False) if link is None else (link[0], link[1], False)
        for rule in self.rules.structure_rules:
            if rule.matches_structure(node):
                self._record(loc, "value", rule, "raw", mask(json.dumps(node, ensure_ascii=False)[:4096]))

    def _confirm(self, rule: Rule, index: int, text: str, view: str, encoded: bytes | None = None) -> None:
        """Record ``rule`` on text ``index`` when it matches ``text`` (``encoded``: its UTF-8 bytes)."""
        loc = self.loc(index)
        is_key = loc[2]
        if rule.target == "key" and not is_key:
            return
        if (loc, "key" if is_key else "value", rule.id) in self.hits:
            return  # found in an earlier view: the first view is the one recorded
        if encoded is None:
            match = rule.search(text)
            if match is None:
                return
            matched: str = match.group(0)
        else:
            match = rule.search(text, encoded)
            if match is None:
                return
            matched = match.group(0).decode("utf-8")
        raw = self.texts[index]
        if self.rules.allowed(raw, None if is_key else self._scope_key(loc)):
            return
        self._record(loc, "key" if is_key else "value", rule, view, mask(matched))

    # ------------------------------------------------------------------ matching
    def _starts(self) -> list[int]:
        """Offset of each text in the newline-joined concatenation (built at C speed)."""
        if self._text_starts is None:
            lengths = itertools.accumulate(map(len, self.texts[:-1]))
            self._text_starts = [0, *map(operator.add, lengths, itertools.count(1))]
        return self._text_starts

    def _match_raw(self, subject: str | bytes) -> None:
        if not self.texts:
            return
        candidates = self.rules.prefilter.Match(subject)
        if not candidates:
            return
        starts = self._starts()
        texts = self.texts
        ordered = sorted(candidates)
        if len(ordered) > 1 and len(subject) >= _FUSE_FROM:
            ordered = self._matching(ordered, subject)
        for rule_index in ordered:
            rule = self.rules.text_rules[rule_index]
            touched: set[int] = set()
            for match in self.rules.multiline(rule_index).finditer(subject):
                begin, end = match.span()
                first = bisect.bisect_right(starts, begin) - 1
                last = bisect.bisect_right(starts, max(begin, end - 1)) - 1
                touched.update(range(first, last + 1))
            for index in sorted(touched):
                self._confirm(rule, index, texts[index], "raw")

    def _matching(self, candidates: list[int], subject: str | bytes) -> list[int]:
        """The candidates whose exact (multi-line) pattern matches somewhere in ``subject``.

        One regexp of the candidates not yet placed finds the leftmost match of any of
        them; the candidates matching at that very position are placed, and the rest are
        searched again, until none of them matches: a long subject is read about once
        per matching rule, not once per candidate.
        """
        remaining = candidates
        matching: list[int] = []
        while remaining:
            found = self.rules.any_of(tuple(remaining), multiline=True).search(subject)
            if found is None:
                break
            begin = found.start()
            here = [index for index in remaining if self.rules.multiline(index).match(subject, begin)]
            if not here:  # pragma: no cover - the alternative that matched matches there
                matching.extend(remaining)
                break
            matching.extend(here)
            remaining = [index for index in remaining if index not in here]
        return sorted(matching)

    def _trigger_views(self, concat: str, subject: str | bytes, *, ascii_only: bool) -> list[int]:
        """Indices of texts whose views could differ from the raw text."""
        texts = self.texts
        flagged: set[int] = set()
        if not ascii_only:
            flagged.update(index for index, text in enumerate(texts) if not text.isascii())
        if concat.count("\n") != len(texts) - 1:
            flagged.update(index for index, text in enumerate(texts) if "\n" in text)
        skipped: dict[int, int] = {}
        position = 0
        while True:
            found = _trigger_search(subject, position)
            if found is None:
                break
            start, end, run = found
            starts = self._starts()
            index = bisect.bisect_right(starts, start) - 1
            if run[0] in _RUN_CHARS and not _may_decode(run):
                # A SHA, a short mixed-case word: nothing readable to decode. A text
                # with very many of them simply gets its (linear-time) views.
                skipped[index] = skipped.get(index, 0) + 1
                if skipped[index] <= _MAX_SKIPS:
                    position = end
                    continue
            flagged.add(index)
            if index + 1 >= len(starts):
                break
            position = starts[index + 1]  # one reason per text is enough
        return sorted(flagged)

    def _match_views(self, flagged: list[int]) -> None:
        for index in flagged:
            raw = self.texts[index]
            loc = self.loc(index)
            is_key = loc[2]
            if self.rules.allowed(raw, None if is_key else self._scope_key(loc)):
                continue
            views = [(view, _utf8_safe(text)) for view, text in self._views(raw, loc)]
            for view, text in views:
                # Encoded once: the set and every candidate's search read the same UTF-8 bytes.
                encoded = utf8(text)
                if view == "trimmed" and len(encoded) >= _FUSE_FROM:
                    candidates = self.rules.trimmed_candidates(encoded, text)
                else:
                    candidates = sorted(self.rules.prefilter.Match(encoded) or ())
                if len(encoded) >= _FUSE_FROM:
                    candidates = self._open(candidates, loc)
                    if len(candidates) > 1 and self.rules.any_of(tuple(candidates)).search(encoded) is None:
                        continue  # no open candidate's exact pattern matches anywhere in this view
                for rule_index in candidates:
                    self._confirm(self.rules.text_rules[rule_index], index, text, view, encoded)
            if self.depth < _MAX_JSON_DEPTH:
                self._embedded_json(index, [raw, *(text for _, text in views)])

    def _open(self, candidates: list[int], loc: Loc) -> list[int]:
        """The candidates :meth:`_confirm` could still record at ``loc`` (target fits, not found yet)."""
        is_key = loc[2]
        target = "key" if is_key else "value"
        rules = self.rules.text_rules
        return [
            index
            for index in candidates
            if (is_key or rules[index].target != "key") and (loc, target, rules[index].id) not in self.hits
        ]

    def _embedded_json(self, index: int, candidates: list[str]) -> None:
        loc = self.loc(index)
        target = "key" if loc[2] else "value"
        for text in candidates:
            stripped = text.strip()
            if stripped[:1] not in {"{", "["} or stripped[-1:] not in {"}", "]"}:
                continue
            budget = self.budget
            assert budget is not None  # noqa: S101 - set in run()
            if not budget.spend(2 * len(stripped)):
                if not budget.reported:
                    budget.reported = True
                    self._record(loc, target, BUDGET_RULE, "raw", mask(text))
                return
            try:
                inner = loads(stripped)
            except JSONInputError:
                continue
            for hit in _Walk(self.rules, self.depth + 1, budget).run(inner).values():
                self._record(loc, target, hit.rule, "json", hit.preview)


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_UNANCHORED: Final = re2._Anchor.UNANCHORED  # noqa: SLF001 - the wrapper's own constant for search


def _trigger_search(subject: str | bytes, position: int) -> tuple[int, int, str] | None:
    """Start, end and text of the first trigger at or after ``position`` (what ``_TRIGGER.search`` finds).

    On bytes (ASCII documents, offsets are character offsets) the compiled regexp
    is asked directly: the wrapper's search builds a generator and a Match object per call.
    """
    if isinstance(subject, bytes):
        start, end = _TRIGGER._regexp.Match(_UNANCHORED, subject, position, len(subject))[0]  # noqa: SLF001
        return None if start < 0 else (start, end, subject[start:end].decode("ascii"))
    match = _TRIGGER.search(subject, position)
    return None if match is None else (match.start(), match.end(), match.group(0))


def _utf8_safe(text: str) -> str:
    # RE2 reads UTF-8, which has no spelling for a lone surrogate: a Python string from an API
    # caller or an option value may hold one, and so may a view that undoes \\uD800 escapes (parsed
    # input never does). U+FFFD keeps every offset, and no rule matches a surrogate anyway.
    # Encoding (kept by utf8() for the set pass) fails exactly when there is one: no search first.
    if text.isascii():
        return text
    try:
        utf8(text)
    except UnicodeEncodeError:
        return _LONE_SURROGATE.sub("\ufffd", text)
    return text


def _may_decode(run: str) -> bool:
    """Tell whether the hex or base64 view of this run could hold readable text (views then decide)."""
    if len(run) < _RUN:
        return False  # a short mixed-case word
    if set(run) <= _HEX_ONLY:
        try:
            bytes.fromhex(run[: len(run) - len(run) % 2]).decode("utf-8")
        except ValueError:
            return False  # a SHA or digest: random bytes are not UTF-8
        return True
    return bool(decode_hex_runs(run) or decode_base64_runs(run))


def _pointer(loc: Loc, masked_keys: set[tuple[Link, str | int]]) -> str:
    link, part, _ = loc
    parts: list[tuple[Link, str | int]] = []
    if part is not None:
        parts.append((link, part))
    while link is not None:
        parent, segment = link
        parts.append((parent, segment))
        link = parent
    tokens = []
    for owner, segment in reversed(parts):
        if isinstance(segment, int):
            text = str(segment)
        elif (owner, segment) in masked_keys or not is_safe_segment(segment):
            text = mask(segment)
        else:
            text = segment
        tokens.append("/" + escape_token(text))
    return "".join(tokens)


def _findings(hits: dict[tuple[Loc, str, str], _Hit]) -> tuple[Finding, ...]:
    if not hits:
        return ()
    masked_keys = {(loc[0], loc[1]) for (loc, target, _), _hit in hits.items() if target == "key"}
    found = [
        Finding(
            rule_id=hit.rule.id,
            family=hit.rule.family,
            pointer=_pointer(loc, masked_keys),  # type: ignore[arg-type]
            target=hit.target,
            view=hit.view,
            preview=hit.preview,
        )
        for (loc, _target, _rule), hit in hits.items()
    ]
    return sorted_findings(found)


def scan(value: Any, config: ScanConfig | None = None) -> ScanReport:
    """Scan one parsed JSON artifact (any JSON value) for material a public-safe artifact must not hold."""
    rules = ruleset_for(config)
    return ScanReport(findings=_findings(_Walk(rules).run(value)), rules_digest=rules.digest)


def assert_public_safe(value: Any, config: ScanConfig | None = None) -> ScanReport:
    """Scan and return the (clean) report, or raise :class:`PublicSafetyError` with the findings."""
    report = scan(value, config)
    if not report.clean:
        raise PublicSafetyError(report.findings, rules_digest=report.rules_digest)
    return report


def scan_text(text: str, config: ScanConfig | None = None) -> ScanReport:
    """Scan plain text (a report, a diagnostic) line by line with the value and key rules.

    Each line is one text, matched raw and through its normalized views, so
    anchored rules anchor at line ends; a finding carries its 1-based ``line``
    and the pointer ``""``. Field and structure rules, which judge a value by
    the member it sits under, have no member to look at here, and embedded JSON
    is not parsed: a line of a JSON report is judged as the text it is. Lines
    are matched in batches of 64, so the cost stays linear in the text. The
    ellipsis of masked previews is read as ``...`` (its NFKC form), so a line
    whose only non-ASCII character is that ellipsis needs no normalized views.
    """
    rules = ruleset_for(config)
    numbered = [
        (number, line)
        for number, line in enumerate(text.replace("\u2026", "...").split("\n"), 1)
        if line.strip(_PUNCTUATION)  # "{", "  ],": nothing to find, but a JSON start triggers views
    ]
    found: list[Finding] = []
    for start in range(0, len(numbered), _TEXT_BATCH):
        batch = numbered[start : start + _TEXT_BATCH]
        hits = _Walk(rules, _MAX_JSON_DEPTH).run([line for _, line in batch])
        found.extend(
            Finding(
                rule_id=hit.rule.id,
                family=hit.rule.family,
                pointer="",
                target="value",
                view=hit.view,
                preview=hit.preview,
                line=batch[int(loc[1] or 0)][0],
            )
            for (loc, _target, _rule), hit in hits.items()
        )
    return ScanReport(findings=sorted_findings(found), rules_digest=rules.digest)


@functools.lru_cache(maxsize=8192)
def text_rule_ids(text: str, *, as_key: bool = False) -> tuple[str, ...]:
    """The sorted ids of the packaged rules that fire on one text (a member name when ``as_key``)."""
    hits = _Walk(default_rules_set(), _MAX_JSON_DEPTH).run({text: None} if as_key else [text])
    return tuple(sorted({hit.rule.id for hit in hits.values()}))


def default_rules_set() -> RuleSet:
    """The packaged rules (no product extras)."""
    return ruleset_for(None)


def rules_digest(config: ScanConfig | None = None) -> str:
    """The digest of the rules a scan with ``config`` would use."""
    return ruleset_for(config).digest
