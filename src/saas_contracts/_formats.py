"""The ``format`` checker: RFC 3339 ``date-time``/``time``, ECMA-262 ``regex``, and the RFC grammars.

jsonschema's own checks answer differently from the JavaScript side on three
points, each fixed here so that Python and ``node/agreement.mjs`` agree:

* ``date-time`` (rfc3339-validator) ends its regex in Python's ``$``, so a
  trailing newline passes, and it refuses every leap second;
* ``time`` accepts the same trailing newline;
* ``regex`` is judged by Python's ``re``, not ECMA-262.

The answer is the RFC 3339 section 5.6 grammar read strictly: ``T``/``Z`` in
either case, a numeric offset only as ``+HH:MM``/``-HH:MM``, a leap second
(``:60``) only where the instant is 23:59:60 in UTC (what the official test
suite's optional cases expect), and no year 0000, which Python's dates (and
our timestamp parser, :mod:`saas_contracts._time`) cannot represent.

Every other string format the official test suite exercises is checked by a
grammar of ``_formats.json`` (RFC 3339 ``duration``, RFC 1123 ``hostname``,
RFC 3986/3987 ``uri``/``uri-reference``/``iri``/``iri-reference``, RFC 6570
``uri-template``, RFC 6901 and relative JSON Pointers, RFC 5321/6531
``email``/``idn-email``), written as ECMA-262 regular expressions and compiled
with :mod:`saas_contracts._ecma`: ``node/user-formats.mjs`` compiles the very same
strings with ``new RegExp(p, "u")``, so the two languages agree by construction.
Python needs none of jsonschema's optional format packages. ``date``, ``ipv4``,
``ipv6`` and ``uuid`` keep jsonschema's checks (ajv-formats agrees on them);
``idn-hostname`` is not checked (IDNA 2008 needs Unicode tables neither side has).
"""

from __future__ import annotations

import calendar
import functools
import re
from typing import TYPE_CHECKING, Any, Final

from jsonschema import Draft202012Validator, FormatChecker

from saas_contracts._ecma import compile_ecma
from saas_contracts._jsonio import loads
from saas_contracts._resources import packaged
from saas_contracts.errors import SchemaDefinitionError

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

__all__ = ["FORMAT_CHECKER", "GRAMMAR_FORMATS", "grammar_check", "is_rfc3339_date_time", "is_rfc3339_time"]

_DATE = r"([0-9]{4})-(0[1-9]|1[0-2])-([0-9]{2})"
_TIME = (
    r"([01][0-9]|2[0-3]):([0-5][0-9]):([0-5][0-9]|60)(?:\.[0-9]+)?"
    r"(?:[Zz]|([+-])([01][0-9]|2[0-3]):([0-5][0-9]))"
)
_DATE_TIME_RE = re.compile(f"{_DATE}[Tt]{_TIME}", re.ASCII)
_TIME_RE = re.compile(_TIME, re.ASCII)
_LAST_MINUTE = 23 * 60 + 59


def _time_ok(parts: tuple[str | None, ...]) -> bool:
    """Apart from its grammar, a time is valid unless it is a leap second off 23:59:60 UTC."""
    hour, minute, second, sign, off_h, off_m = parts
    if second != "60":
        return True
    offset = (int(off_h or 0) * 60 + int(off_m or 0)) * (-1 if sign == "-" else 1)
    return (int(hour or 0) * 60 + int(minute or 0) - offset) % 1440 == _LAST_MINUTE


def is_rfc3339_time(text: str) -> bool:
    """True for an RFC 3339 ``full-time`` (offset required), leap second only at 23:59:60 UTC."""
    found = _TIME_RE.fullmatch(text)
    return found is not None and _time_ok(found.groups())


def is_rfc3339_date_time(text: str) -> bool:
    """True for an RFC 3339 ``date-time``: a real calendar day (year 1 or later) and a ``full-time``."""
    found = _DATE_TIME_RE.fullmatch(text)
    if found is None:
        return False
    year, month, day = (int(part) for part in found.groups()[:3])
    if year == 0 or not 1 <= day <= calendar.monthrange(year, month)[1]:
        return False
    return _time_ok(found.groups()[3:])


def _date_time(instance: object) -> bool:
    return not isinstance(instance, str) or is_rfc3339_date_time(instance)


def _time(instance: object) -> bool:
    return not isinstance(instance, str) or is_rfc3339_time(instance)


def _regex(instance: object) -> bool:
    if isinstance(instance, str):
        compile_ecma(instance)
    return True


_REFERENCE: Final = re.compile(r"\{\{([a-z0-9_]+)\}\}")
_MAX_EXPANSIONS: Final = 32


def _expand(text: str, names: Mapping[str, str]) -> str:
    """Replace ``{{name}}`` by its definition until none is left (as ``node/user-formats.mjs`` does)."""
    for _ in range(_MAX_EXPANSIONS):
        if "{{" not in text:
            return text
        text = _REFERENCE.sub(lambda found: names[found.group(1)], text)
    raise SchemaDefinitionError("_formats.json: a fragment refers to itself")


@functools.cache
def _grammars() -> dict[str, Any]:
    document: dict[str, Any] = loads(packaged("_formats.json").read_text(encoding="utf-8"))
    return document


def _octets(text: str) -> int:
    return len(text.encode("utf-8", "surrogatepass"))


def grammar_check(name: str) -> Callable[[str], bool]:
    """The check of a format defined in ``_formats.json``: its pattern, then its octet limits."""
    spec = _grammars()["formats"][name]
    regex = compile_ecma(_expand(spec["pattern"], {**_grammars()["fragments"], **spec.get("bind", {})}))
    limits = spec.get("limits")

    def check(text: str) -> bool:
        if regex.search(text) is None:
            return False
        if limits is None:
            return True
        head, _, tail = text.rpartition(limits["split"])
        return all(_octets(part) <= cap for part, cap in zip((head, tail), limits["max_octets"], strict=True))

    return check


GRAMMAR_FORMATS: Final = tuple(sorted(_grammars()["formats"]))
"""The formats checked by a grammar of ``_formats.json`` (the same strings in JavaScript)."""


def _string_check(check: Callable[[str], bool]) -> Callable[[object], bool]:
    return lambda instance: not isinstance(instance, str) or check(instance)


def _build() -> FormatChecker:
    checker = FormatChecker(formats=())
    checker.checkers = dict(Draft202012Validator.FORMAT_CHECKER.checkers)
    checker.checks("date-time")(_date_time)
    checker.checks("time")(_time)
    checker.checks("regex", raises=SchemaDefinitionError)(_regex)
    for name in GRAMMAR_FORMATS:
        checker.checks(name)(_string_check(grammar_check(name)))
    return checker


FORMAT_CHECKER: FormatChecker = _build()
"""Draft 2020-12's format checks, with date-time, time, regex and the grammars as described above."""
