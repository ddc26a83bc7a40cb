"""The ``format`` checker: RFC 3339 ``date-time``/``time`` and ECMA-262 ``regex``.

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
"""

from __future__ import annotations

import calendar
import re

from jsonschema import Draft202012Validator, FormatChecker

from saas_contracts._ecma import compile_ecma
from saas_contracts.errors import SchemaDefinitionError

__all__ = ["FORMAT_CHECKER", "is_rfc3339_date_time", "is_rfc3339_time"]

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


def _build() -> FormatChecker:
    checker = FormatChecker(formats=())
    checker.checkers = dict(Draft202012Validator.FORMAT_CHECKER.checkers)
    checker.checks("date-time")(_date_time)
    checker.checks("time")(_time)
    checker.checks("regex", raises=SchemaDefinitionError)(_regex)
    return checker


FORMAT_CHECKER: FormatChecker = _build()
"""Draft 2020-12's format checks, with ``date-time``, ``time`` and ``regex`` as described above."""
