r"""Base64 and hex runs of a text, for the views that decode them.

The runs are RE2's leftmost-first matches of :data:`BASE64_RUN` and
:data:`HEX_RUN`. RE2 skips text without runs at DFA speed; the wrapper's
``finditer`` builds several Python objects per match, so :func:`find_runs` asks
the compiled regexp for one span per call on the UTF-8 bytes instead, and where
runs come dense it reads the rest of the text with one stdlib ``findall``.
"""

from __future__ import annotations

import itertools
import operator
import re
from typing import Any, Final

import re2

BASE64_RUN: Final = re2.compile(r"[A-Za-z0-9+/]{16,}={0,2}|[A-Za-z0-9_-]{16,}={0,2}")
HEX_RUN: Final = re2.compile(r"(?:[0-9A-Fa-f]{2}){12,}")
_UNANCHORED: Final = re2._Anchor.UNANCHORED  # noqa: SLF001 - the wrapper's own constant for search


def find_runs(pattern: Any, subject: bytes) -> list[str]:
    """Every match of ``pattern`` (:data:`BASE64_RUN` or :data:`HEX_RUN`) in ``subject`` (UTF-8), in order.

    RE2 skips text without runs at DFA speed but costs one C call per run; where
    runs come dense (``_DENSE_RUNS`` of them within ``_DENSE_RUNS * _DENSE_GAP``
    bytes) the rest of the text is read by :func:`_dense_runs` instead, one sre
    ``findall`` for all of them (same runs, same order).
    """
    match = pattern._regexp.Match  # noqa: SLF001 - one C call per match, no Match objects
    end = len(subject)
    runs: list[str] = []
    add = runs.append
    position = checkpoint = 0
    while True:
        start, position = match(_UNANCHORED, subject, position, end)[0]
        if start < 0:
            return runs
        add(subject[start:position].decode("ascii"))
        if len(runs) % _DENSE_RUNS == 0:
            if position - checkpoint <= _DENSE_RUNS * _DENSE_GAP:
                rest = _BASE64_REST.match(subject, position)  # never None: it matches the empty string
                resume = position if pattern is HEX_RUN or rest is None else rest.end()
                runs += _re2_runs_of(pattern, subject[position:resume])
                runs += _dense_runs(pattern, subject, resume)
                return runs
            checkpoint = position


_DENSE_RUNS: Final = 64
_DENSE_GAP: Final = 256
# Whole runs of the union of both base64 alphabets (plus padding), and whole hex runs, by the
# stdlib engine: one findall returns them all. A run starts only where the character before
# is outside its class (the guard after the first character), so no position inside a run
# is tried again: linear, like RE2.
_BASE64_SPAN: Final = re.compile(rb"[A-Za-z0-9+/_-](?<![A-Za-z0-9+/_-].)[A-Za-z0-9+/_-]{15,}={0,2}")
_HEX_SPAN: Final = re.compile(rb"[0-9A-Fa-f](?<![0-9A-Fa-f].)[0-9A-Fa-f]{23,}")
_BASE64_REST: Final = re.compile(rb"[A-Za-z0-9+/_-]*={0,2}")
"""What is left of the span a base64 run ends in (a run may end where the other alphabet goes on)."""
_UNDERSCORE, _DASH, _PLUS, _SLASH = b"_-+/"


def _dense_runs(pattern: Any, subject: bytes, position: int) -> list[str]:
    """The matches of ``pattern`` in ``subject`` from ``position`` on (no run goes on there), as RE2's.

    Hex: each whole hex run of 24+ digits, less its last digit when their number
    is odd (RE2's greedy match of digit pairs; the digit left can start no run).
    Base64: each span of characters of either alphabet (16+, with up to two '=').
    A span without '_' and '-' is one match of the first alternative, one without
    '+' and '/' is read by :func:`_urlsafe_span_runs`; any other span goes to RE2
    on its own: no match reaches outside a span, and the '=' after it belong to
    its last match.
    """
    if pattern is HEX_RUN:
        spans = _HEX_SPAN.findall(subject, position)
        if any(map(operator.and_, map(len, spans), itertools.repeat(1))):
            spans = [span[: len(span) & ~1] for span in spans]
        return list(map(bytes.decode, spans))
    spans = _BASE64_SPAN.findall(subject, position)
    underscore = map(operator.contains, spans, itertools.repeat(_UNDERSCORE))
    dash = map(operator.contains, spans, itertools.repeat(_DASH))
    if not any(map(operator.or_, underscore, dash)):
        return list(map(bytes.decode, spans))
    runs: list[str] = []
    for span in spans:
        if _UNDERSCORE not in span and _DASH not in span:
            runs.append(span.decode())
        elif _PLUS not in span and _SLASH not in span:
            runs += _urlsafe_span_runs(span)
        else:
            runs += _re2_runs_of(pattern, span)
    return runs


_RUN_LENGTH: Final = 16


def _urlsafe_span_runs(span: bytes) -> list[str]:
    """RE2's matches of ``BASE64_RUN`` in a span of letters, digits, '_' and '-' (and its '=').

    The first alternative matches at the start when 16+ letters and digits come
    before the first '_' or '-', and nowhere after (it would start right after a
    '_' or '-', where the second alternative matches first: everything left). So
    the span is one match of the second, or the letters and digits before the
    first '_' or '-' then, when 16+ characters are left, the rest (with the '=').
    """
    underscore, dash = span.find(b"_"), span.find(b"-")
    first = dash if underscore < 0 else underscore if dash < 0 else min(underscore, dash)
    if first < _RUN_LENGTH:
        return [span.decode()]
    rest = span[first:]
    if len(rest.rstrip(b"=")) < _RUN_LENGTH:
        return [span[:first].decode()]
    return [span[:first].decode(), rest.decode()]


def _re2_runs_of(pattern: Any, subject: bytes) -> list[str]:
    """Every match of ``pattern`` in ``subject`` (ASCII bytes), in order, one RE2 call each."""
    match = pattern._regexp.Match  # noqa: SLF001 - as in find_runs
    end = len(subject)
    runs: list[str] = []
    position = 0
    while True:
        start, position = match(_UNANCHORED, subject, position, end)[0]
        if start < 0:
            return runs
        runs.append(subject[start:position].decode("ascii"))
