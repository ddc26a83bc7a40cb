r"""Normalized views of a string, so disguised secrets still meet the rules.

Every rule is matched against the raw text first and then against these views,
in this order; a finding records the first view that matched:

``nfkc``
    NFKC (full-width letters, ligatures, compatibility forms) with format
    characters (Cf: zero-width space/joiner, BOM, bidi controls, soft hyphen)
    and other invisible fillers removed.
``skeleton``
    Cross-script look-alikes folded to ASCII (Cyrillic dze U+0455 or er U+0440
    inside ``sk_``/``ghp_``, Greek omicron): UTS #39 confusables data, restricted to non-ASCII characters
    whose confusable is ASCII (ASCII itself is never folded, and case is kept,
    so ``ignore_case`` rules still see ``SK_LIVE_``). The table is generated
    data (``_confusables.json``, by ``scripts/gen_confusables.py``).
``unwrapped``
    Line breaks (and the spaces or backslash around them) removed: a token
    split over lines joins again.
``unescaped``
    ``\uXXXX``, ``\u{...}``, ``\xHH`` and JSON/JS single-character escapes decoded,
    then HTML character references (``&#115;``, ``&#x73;``, ``&amp;``).
``percent``
    Percent-decoding, up to three rounds (double encoding).
``base64`` / ``hex``
    Every base64/base64url and hex run that decodes to readable text.
``trimmed``
    The text without leading and trailing whitespace (a secret-named member
    holding ``"<token>\n"`` is still a token).

No decoder stops after its first N inputs (that would let padding hide what
comes later). Instead every view and decoder charges one shared
:class:`Budget`, proportional to the document's size: characters read and
written, plus a fixed overhead per decoded run or reference. Work is therefore
linear in the document; when a hostile document exhausts the budget, the views
stop and the scanner reports the document as undecidable (fail closed).
"""

from __future__ import annotations

import binascii
import codecs
import functools
import html
import html.entities
import itertools
import operator
import re
import unicodedata
import warnings
from typing import TYPE_CHECKING, Any, Final

import re2

from saas_contracts._jsonio import loads
from saas_contracts._resources import packaged
from saas_contracts.privacy._runs import BASE64_RUN, HEX_RUN, find_runs

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

VIEWS: Final = (
    "raw",
    "nfkc",
    "skeleton",
    "unwrapped",
    "unescaped",
    "percent",
    "base64",
    "hex",
    "trimmed",
    "json",
)
"""Every view name a finding can carry, in the order tried (``json``: inside an embedded JSON text)."""

_S: Final = "[A-Za-z0-9+/_-]"
_MIXED: Final = "|".join(
    f"{a}[{x}]{b}[{y}]{c}"
    for x, y in (("A-Z", "a-z"), ("a-z", "A-Z"))
    for a, b, c in (
        (f"{_S}{{5,}}", f"{_S}*", f"{_S}*"),
        (f"{_S}*", f"{_S}{{5,}}", f"{_S}*"),
        (f"{_S}*", f"{_S}*", f"{_S}{{5,}}"),
    )
)
TRIGGER_PATTERN: Final = (
    r"(?m)[\r\x0b\x0c\x1c-\x1e\\]|%[0-9A-Fa-f]{2}|^[ \t]*[\[{]"
    # HTML character references (numeric or named)
    r"|&#[0-9]{1,7};|&#[xX][0-9A-Fa-f]{1,6};|&[A-Za-z]{2,8};"
    # hex of 8+ printable ASCII bytes (a SHA or digest almost never is)
    r"|(?:[2-7][0-9A-Fa-f]){8,}"
    # runs mixing upper and lower case with a 5+ segment: a superset of the 16+
    # mixed-case runs base64 of text produces, but not labels, refs, SHAs or short words
    f"|{_MIXED}"
)
"""RE2 pattern for texts whose views could differ from the raw text (plus non-ASCII and line breaks)."""

_MIN_DECODED = 8
_PRINTABLE_RATIO = 0.85
_PERCENT_ROUNDS = 3
_PER_CHAR = 64
"""Budget units a document earns per character (views read and write a few copies of it)."""
_BASE_UNITS = 1 << 20
"""Budget units every document gets regardless of size."""
_PER_ITEM = 16
"""Budget units one decoded run or reference costs on top of its characters."""
_NON_PRINTABLE_ASCII = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

# Invisible characters: Unicode category Cf (Unicode 14: zero-width space and
# joiners, word joiner, BOM, bidi controls, soft hyphen, tags, ...) plus fillers
# and variation selectors that render as nothing. A compiled class keeps
# stripping at C speed on megabyte strings.
_INVISIBLE = re.compile(
    "[\u00ad\u034f\u0600-\u0605\u061c\u06dd\u070f\u0890-\u0891\u08e2\u115f-\u1160\u17b4-\u17b5"
    "\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\u2800\u3164\ufe00-\ufe0f\ufeff"
    "\uffa0\ufff9-\ufffb\U000110bd\U000110cd\U00013430-\U00013438\U0001bca0-\U0001bca3"
    "\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f\U000e0100-\U000e01ef]+",
)
_INVISIBLE_PRESENT = re2.compile(_INVISIBLE.pattern)
_INVISIBLE_CHAR = re.compile(_INVISIBLE.pattern.removesuffix("+"))
_REPLACED_INVISIBLES = 8
_BASE64_RUN: Final = BASE64_RUN
_HEX_RUN: Final = HEX_RUN
_URLSAFE_TO_STANDARD = str.maketrans("-_", "+/")
# The ASCII bytes _NON_PRINTABLE_ASCII does not match: deleting them leaves the unprintable ones.
_PRINTABLE_ASCII_BYTES = bytes(byte for byte in range(128) if not _NON_PRINTABLE_ASCII.match(chr(byte)))
_ESCAPE = re.compile(r"\\(?:u\{([0-9A-Fa-f]{1,6})\}|u([0-9A-Fa-f]{4})|x([0-9A-Fa-f]{2})|([nrtbf\"'/\\]))")
_ESCAPE_SPLIT = re.compile(r"(\\(?:u\{[0-9A-Fa-f]{1,6}\}|u[0-9A-Fa-f]{4}|x[0-9A-Fa-f]{2}|[nrtbf\"'/\\]))")
# The grammar html.unescape substitutes, as one capture group for split().
_HTML_REFERENCE = re.compile(r"(&(?:#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[^\t\n\f <&#;]{1,32};?))")
_STRAY_PERCENT = re.compile("%(?![0-9A-Fa-f]{2})")
_SIMPLE_ESCAPES = {
    "n": "\n",
    "r": "\r",
    "t": "\t",
    "b": "\b",
    "f": "\f",
    '"': '"',
    "'": "'",
    "/": "/",
    "\\": "\\",
}
_PERCENT = re2.compile(r"%[0-9A-Fa-f]{2}")


def clean(text: str) -> str:
    """NFKC with format and invisible characters removed (identity for ASCII)."""
    if text.isascii():
        return text
    stripped = _strip_invisible(text)
    normalized = unicodedata.normalize("NFKC", stripped)
    # NFKC hands back its very argument when that is already normalized: the
    # stripped text holds no invisible character, so the second strip is skipped.
    if normalized is stripped or normalized.isascii():
        return normalized
    return _strip_invisible(normalized)


def _strip_invisible(text: str) -> str:
    """``_INVISIBLE.sub("", text)``; RE2 first tells (one DFA pass) whether there is anything to remove.

    The first few distinct invisible characters are removed by ``str.replace``
    (a flood of one zero-width space is half a million matches for the
    substitution); whatever is left after them goes to the substitution.
    """
    try:
        present = _INVISIBLE_PRESENT.search(text) is not None
    except UnicodeEncodeError:  # a lone surrogate: RE2 reads UTF-8 only
        present = True
    if not present:
        return text
    position = 0
    for _ in range(_REPLACED_INVISIBLES):
        found = _INVISIBLE_CHAR.search(text, position)
        if found is None:
            return text
        position = found.start()  # nothing before it is invisible, before or after the removal
        text = text.replace(found.group(), "")
    return _INVISIBLE.sub("", text)


@functools.cache
def _confusables() -> dict[int, str]:
    """The generated confusables table as a str.translate map (loaded on first non-ASCII text)."""
    document = loads(packaged("privacy", "_confusables.json").read_text(encoding="utf-8"))
    return {ord(char): ascii_text for char, ascii_text in document["map"].items()}


def skeleton(text: str) -> str:
    """Fold non-ASCII look-alikes to their ASCII confusable (identity for ASCII text)."""
    return text if text.isascii() else text.translate(_confusables())


def unwrap(text: str) -> str:
    """Join lines: drop line breaks, the spaces around them and a continuation backslash."""
    lines = text.replace("\\\r\n", "\n").replace("\\\n", "\n").splitlines()
    if len(lines) <= 1:
        return text
    return "".join(map(str.strip, lines))


class Budget:
    """The work a document's views may do: proportional to its size, shared by every view and decoder.

    Views charge the characters they read and write, decoders a fixed overhead
    per run or reference on top. Once :meth:`spend` fails, :attr:`exhausted`
    stays set and no further view is produced; the scanner then reports the
    document as undecidable rather than passing what it did not look at.
    """

    __slots__ = ("exhausted", "remaining", "reported")

    def __init__(self, size: int) -> None:
        """A budget for a document of ``size`` characters."""
        self.remaining = _BASE_UNITS + _PER_CHAR * size
        self.exhausted = False
        self.reported = False
        """Set by the scanner once it has recorded the undecidable finding."""

    def spend(self, units: int) -> bool:
        """Charge ``units``; False (and exhausted from now on) when the budget does not cover them."""
        if self.exhausted:
            return False
        self.remaining -= units
        if self.remaining < 0:
            self.exhausted = True
        return not self.exhausted


def _unlimited() -> Budget:
    return Budget(1 << 40)


def _unescape_one(match: re.Match[str]) -> str:
    braced, four, two, simple = match.groups()
    if simple is not None:
        return _SIMPLE_ESCAPES[simple]
    code = int(braced or four or two, 16)
    return chr(code) if code <= 0x10FFFF else match.group(0)


def _decode_distinct(
    pattern: re.Pattern[str], text: str, decode: Callable[[list[str]], list[str]], budget: Budget
) -> str | None:
    """Substitute every match of ``pattern`` (one capture group) with its decoded form.

    split() and the final join run at C speed; ``decode`` gets each distinct
    match once (as one list, so it can batch), so a megabyte of one repeated
    reference costs one decoding.
    None when the budget does not cover the references.
    """
    parts = pattern.split(text)
    found = parts[1::2]
    distinct = set(found)
    if not budget.spend(len(text) + 2 * len(found) + _PER_ITEM * len(distinct)):
        return None
    keys = list(distinct)
    table = dict(zip(keys, decode(keys), strict=True))
    parts[1::2] = map(table.__getitem__, found)
    return "".join(parts)


def _join_surrogates(text: str) -> str:
    try:
        return text.encode("utf-16", "surrogatepass").decode("utf-16")
    except UnicodeDecodeError:
        return text


def unescape(text: str, budget: Budget | None = None) -> str:
    r"""Decode backslash escapes, pairing UTF-16 surrogates when they come as two ``\u``.

    The codec does the common case at C speed; JavaScript's ``\u{...}`` or a
    malformed escape falls back to a pattern-driven decoder over the whole text.
    """
    budget = budget or _unlimited()
    budget.spend(2 * len(text))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            decoded = text.encode("latin-1", "backslashreplace").decode("unicode_escape")
    except UnicodeDecodeError:
        fallback = _decode_distinct(
            _ESCAPE_SPLIT, text, lambda items: [_ESCAPE.sub(_unescape_one, item) for item in items], budget
        )
        decoded = text if fallback is None else fallback
    return _join_surrogates(decoded)


def unescape_html(text: str, budget: Budget | None = None) -> str:
    """Decode HTML character references (``&#115;``, ``&#x73;``, ``&amp;``) exactly as ``html.unescape``.

    One split of the whole text finds every reference, each distinct spelling
    is decoded once (a mostly distinct list is decoded as a whole), and the
    references are charged to ``budget`` as characters plus a fixed cost per
    distinct spelling (the text is kept as is when the budget does not cover
    them; the budget is then exhausted and the scanner says so).

    Decimal references with their semicolon, the only kind a long text can hold
    very many distinct of, are split out first and decoded as whole lists at C
    speed (:func:`_numeric_references`). Every ``&#115;`` is one of
    html.unescape's references, whole, and no other reference reaches across
    one (each ends before any '&'), so the pieces between them are decoded on
    their own, when only a few of them hold a '&'; otherwise the text takes the
    general split.
    """
    if "&" not in text:
        return text
    budget = budget or _unlimited()
    # A few "&#" go the general way (the split below would cost a pass for at most a few references).
    parts = [text]
    groups: list[list[str]] | None = None
    references = text.count("&#")
    ampersands = 0
    inert_others = False
    if references > _FEW_PIECES:
        ampersands = text.count("&")
        many_others = ampersands - references > _OTHERS_PER_NUMBER * references
        # Other '&' none of which can start a reference ('&&&', '& '): one C pass says so, exactly.
        inert_others = many_others and len(_REFERENCE_START.findall(text)) == references
        # Else mostly other '&' (random text): the pieces between would hold too many, so the general split.
        if inert_others or not many_others:
            parts, groups = _decimal_split(text, references)
    if len(parts) > 1:
        numbers = parts[1::2] if groups is None else list(itertools.chain.from_iterable(groups))
        mixed: list[int] = []
        # Else every '&' starts one of the decimal references, or every one that can start a reference does.
        if ampersands != len(numbers) and not (inert_others and references == len(numbers)):
            between = parts[0::2]
            holding = map(operator.contains, between, itertools.repeat("&", len(between)))
            mixed = list(itertools.compress(range(len(between)), holding))
        if len(mixed) <= _FEW_PIECES:
            return _decimal_substitute(text, parts, (numbers, groups), mixed, budget)
    return _substitute(text, _HTML_REFERENCE.split(text), _html_references, budget)


def _decimal_split(text: str, references: int) -> tuple[list[str], list[list[str]] | None]:
    """``text`` split around its decimal references: pieces between and numbers, alternating.

    Mostly runs of references (``&#115;&#107;...``): one piece per run (split at C
    speed) and each run's numbers apart; else one piece per reference.
    """
    if _RUN_SHARE * text.count(";&#") >= (_RUN_SHARE - 1) * references:
        parts = _DECIMAL_RUN.split(text)
        runs = parts[1::2]
        if _RUN_SHARE * len(runs) <= references:
            return parts, list(map(str.split, map(_RUN_BODY, runs), itertools.repeat(";&#")))
    return _DECIMAL_REFERENCE.split(text), None


_FEW_PIECES: Final = 64
_REFERENCE_START: Final = re.compile(r"&[^\t\n\f <&;]")
"""An '&' html.unescape may start a reference at: followed by '#' or a name character (_HTML_REFERENCE)."""
_OTHERS_PER_NUMBER: Final = 4
"""The decimal split is tried when at most this many other '&' come per '&#' (either split decodes alike)."""
_RUN_SHARE: Final = 16
"""Runs of references are split out whole when at least 15 in 16 references follow one."""
_DECIMAL_RUN: Final = re.compile(r"((?:&#[0-9]+;)+)")
_RUN_BODY: Final = operator.itemgetter(slice(2, -1))


def _decimal_substitute(
    text: str,
    parts: list[str],
    found: tuple[list[str], list[list[str]] | None],
    mixed: list[int],
    budget: Budget,
) -> str:
    """unescape_html of ``text`` split by ``_DECIMAL_REFERENCE`` or ``_DECIMAL_RUN``.

    ``found``: the numbers of the decimal references in order, and for a split by
    runs the numbers of each run; ``mixed``: the pieces between that hold other references.
    """
    numbers, groups = found
    pieces = {index: _HTML_REFERENCE.split(parts[2 * index]) for index in mixed}
    others = [item for split in pieces.values() for item in split[1::2]]
    distinct_numbers = set(numbers)
    distinct_others = set(others)
    count = len(numbers) + len(others)
    if not budget.spend(len(text) + 2 * count + _PER_ITEM * (len(distinct_numbers) + len(distinct_others))):
        return text
    decoded: Iterable[str]
    if 2 * len(distinct_numbers) > len(numbers):
        decoded = _numeric_references(numbers, 10)
    else:
        keys = list(distinct_numbers)
        table = dict(zip(keys, _numeric_references(keys, 10), strict=True))
        decoded = map(table.__getitem__, numbers)
    if groups is None:
        parts[1::2] = decoded
    else:
        flat = list(decoded)
        ends = list(itertools.accumulate(map(len, groups)))
        parts[1::2] = ["".join(flat[start:end]) for start, end in zip([0, *ends], ends, strict=False)]
    if pieces:
        keys = list(distinct_others)
        named = dict(zip(keys, _html_references(keys), strict=True))
        for index, split in pieces.items():
            split[1::2] = map(named.__getitem__, split[1::2])
            parts[2 * index] = "".join(split)
    return "".join(parts)


def _substitute(text: str, parts: list[str], decode: Callable[[list[str]], list[str]], budget: Budget) -> str:
    """``text`` split by a one-group pattern (``parts``), each found item replaced by its decoded form."""
    found = parts[1::2]
    distinct = set(found)
    if not budget.spend(len(text) + 2 * len(found) + _PER_ITEM * len(distinct)):
        return text
    if 2 * len(distinct) > len(found):  # mostly distinct: the whole list at once
        parts[1::2] = decode(found)
    else:
        keys = list(distinct)
        table = dict(zip(keys, decode(keys), strict=True))
        parts[1::2] = map(table.__getitem__, found)
    return "".join(parts)


# html.unescape's special numeric references (replaced, or dropped); every other
# number in range is chr(number). Read from the module so they cannot drift.
_HTML_SPECIAL_NUMBERS: Final = frozenset(vars(html)["_invalid_charrefs"]) | frozenset(
    vars(html)["_invalid_codepoints"]
)
_MAX_PLAIN_CODEPOINT: Final = 0x10FFFF
_SURROGATES_FIRST: Final = 0xD800
_SURROGATES_LAST: Final = 0xDFFF
_NOT_PLAIN: Final = _HTML_SPECIAL_NUMBERS | frozenset(range(_SURROGATES_FIRST, _SURROGATES_LAST + 1))
_MAX_DIGITS: Final = 7
"""Digits of the longest number ``_numeric_references`` converts (beyond: past the last code point)."""
_HTML5: Final = html.entities.html5
_FIRST_TWO: Final = operator.itemgetter(slice(0, 2))
_NAME_STARTS: Final = frozenset(name[:2] for name in _HTML5 if len(name) >= 2)
_LONGEST_BARE_NAME: Final = max(len(name) for name in _HTML5 if not name.endswith(";"))
"""A prefix html.unescape tries never holds the ';', so it is a name without one: at most this long."""


def _numeric_references(numbers: list[str], base: int) -> list[str]:
    """``html.unescape`` of ``&#N;`` for each decimal (or ``xN`` hex) spelling ``N``.

    Whole lists through ``map``: no Python-level step per reference. A number
    html.unescape treats specially (or past the last code point) is looked up
    in a small table made by html.unescape itself.
    """
    digits: list[str] = list(map(_AFTER_X, numbers)) if base == _HEX else numbers
    try:
        values = list(map(int, digits, itertools.repeat(base, len(digits))))
    except ValueError:
        # Thousands of digits (leading zeros, or far past any code point): Python refuses
        # them, and the value only matters up to the last code point.
        beyond = format(_MAX_PLAIN_CODEPOINT + 1, "x" if base == _HEX else "d")
        digits = [text if len(text.lstrip("0")) <= _MAX_DIGITS else beyond for text in digits]
        values = list(map(int, digits, itertools.repeat(base, len(digits))))
    special = set(_NOT_PLAIN.intersection(values))
    in_range: Iterable[int] = values
    table: dict[int, str] = {}
    if max(values) > _MAX_PLAIN_CODEPOINT:
        table = {value: html.unescape(f"&#{value};") for value in values if value > _MAX_PLAIN_CODEPOINT}
        in_range = map(min, values, itertools.repeat(_MAX_PLAIN_CODEPOINT, len(values)))
    decoded: Iterable[str] = map(chr, in_range)
    if special or table:
        table.update(zip(special, map(_special_numbers().__getitem__, special), strict=True))
        decoded = map(table.get, values, decoded)
    return list(decoded)


@functools.cache
def _special_numbers() -> dict[int, str]:
    """``html.unescape`` of ``&#N;`` for each number of ``_NOT_PLAIN`` (made once, by html.unescape)."""
    return {value: html.unescape(f"&#{value};") for value in _NOT_PLAIN}


_HEX: Final = 16
_AFTER_X: Final = operator.itemgetter(slice(1, None))
_AFTER_AMP: Final = _AFTER_X
_DECIMAL_REFERENCE: Final = re.compile(r"&#([0-9]+);")
_BEYOND_LAST_CODE_POINT: Final = "\ufffd"
"""What html.unescape makes of a number past the last code point."""


def _html_references(items: list[str]) -> list[str]:
    """``html.unescape`` of each reference (items of ``_HTML_REFERENCE``), see :func:`_one_reference`.

    Names are looked up as whole lists first (the name, then each prefix length
    a name can have, through ``map``); only a reference that is a number or has a
    known prefix goes through :func:`_one_reference`, every other stays as it is.
    """
    names = list(map(_AFTER_AMP, items))
    decoded: list[str | None] = list(map(_HTML5.get, names))
    if None not in decoded:
        return decoded  # type: ignore[return-value]
    # A reference none of whose prefixes is a name (and that is no number) stays as it is.
    open_items = [index for index, value in enumerate(decoded) if value is None]
    candidates = [names[index] for index in open_items]
    special = set(itertools.compress(open_items, map(str.startswith, candidates, itertools.repeat("#"))))
    # Only a name starting like some name can have a prefix that is one: the others skip the loop.
    starting = list(map(_NAME_STARTS.__contains__, map(_FIRST_TWO, candidates)))
    open_items = list(itertools.compress(open_items, starting))
    candidates = list(itertools.compress(candidates, starting))
    for size in range(2, _LONGEST_BARE_NAME + 1):
        prefixes = map(_HTML5.get, map(operator.itemgetter(slice(0, size)), candidates))
        special.update(itertools.compress(open_items, map(operator.is_not, prefixes, itertools.repeat(None))))
    if len(special) > _FEW_PIECES:
        _decimal_items(items, special, decoded)
    open_items = [index for index, value in enumerate(decoded) if value is None]
    for index in open_items:
        decoded[index] = _one_reference(items[index]) if index in special else items[index]
    return decoded  # type: ignore[return-value]


_NUMBER_START: Final = itertools.repeat("&#")
_HEX_START: Final = itertools.repeat(("&#x", "&#X"))
_SEMICOLON: Final = itertools.repeat(";")


def _decimal_items(items: list[str], special: set[int], decoded: list[str | None]) -> None:
    """Decode the items of ``special`` that are ``&#N;`` as one list (:func:`_numeric_references`)."""
    indices = sorted(special)
    chosen = list(map(items.__getitem__, indices))
    # An item of _HTML_REFERENCE that starts with "&#" but not "&#x" or "&#X" is digits after it.
    numeric = map(
        operator.and_, map(str.startswith, chosen, _NUMBER_START), map(str.endswith, chosen, _SEMICOLON)
    )
    decimal = map(operator.and_, numeric, map(operator.not_, map(str.startswith, chosen, _HEX_START)))
    numbers = list(itertools.compress(indices, decimal))
    if not numbers:
        return
    digits = list(map(_RUN_BODY, map(items.__getitem__, numbers)))
    for index, value in zip(numbers, _numeric_references(digits, 10), strict=True):
        decoded[index] = value
    special.difference_update(numbers)


def _one_reference(item: str) -> str:
    """``html.unescape`` of one reference; a name's prefixes are tried only as long as a name can be."""
    name = item[1:]
    if name[0] == "#":
        return _one_number(item)
    found = _HTML5.get(name)
    if found is not None:
        return found
    for end in range(min(len(name) - 1, _LONGEST_BARE_NAME), 1, -1):
        found = _HTML5.get(name[:end])
        if found is not None:
            return found + name[end:]
    return item


def _one_number(item: str) -> str:
    """``html.unescape`` of one numeric reference (``&#115;``, ``&#x73;``, with or without ';')."""
    if item[-1] != ";":
        return html.unescape(item)
    hexadecimal = item[2] in "xX"
    digits = item[3:-1] if hexadecimal else item[2:-1]
    if len(digits.lstrip("0")) > _MAX_DIGITS:
        return _BEYOND_LAST_CODE_POINT
    number = int(digits, _HEX if hexadecimal else 10)
    if number > _MAX_PLAIN_CODEPOINT or number in _NOT_PLAIN:
        return html.unescape(f"&#{number};")
    return chr(number)


def _percent_round(text: str) -> str:
    # %XX -> \xXX, then the C escape decoder; a stray '%' (not followed by two
    # hex digits) is first spelled %25, so it decodes to itself.
    if "%" in text and _STRAY_PERCENT.search(text):
        text = _STRAY_PERCENT.sub("%25", text)
    escaped = text.replace("\\", "\\\\").replace("%", "\\x")
    data, _ = codecs.escape_decode(escaped.encode("utf-8"))
    return bytes(data).decode("utf-8", errors="replace")


def percent_decode(text: str, budget: Budget | None = None) -> str:
    """Percent-decode up to three rounds (stops when nothing changes)."""
    budget = budget or _unlimited()
    for _ in range(_PERCENT_ROUNDS):
        if not _PERCENT.search(text) or not budget.spend(4 * len(text)):
            break
        text = _percent_round(text)
    return text


def _printable_text(data: bytes) -> str | None:
    if len(data) < _MIN_DECODED:
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if text.isascii():
        unprintable = len(data.translate(None, _PRINTABLE_ASCII_BYTES))
    else:
        unprintable = sum(1 for char in text if not (char.isprintable() or char in "\t\n\r"))
    return text if unprintable <= (1 - _PRINTABLE_RATIO) * len(text) else None


def _printable_texts(chunks: Iterable[bytes]) -> list[str]:
    """``_printable_text`` of each chunk, the None left out; ASCII chunks are judged as whole lists.

    For ASCII bytes the one-by-one test is: 8 bytes at least, and the bytes
    ``_PRINTABLE_ASCII_BYTES`` does not hold at most 15 % of them; here each step
    of it runs over the whole list through ``map``. Any other chunk takes
    :func:`_printable_text`.
    """
    items = list(chunks)
    ascii_flags = list(map(bytes.isascii, items))
    if not all(ascii_flags):
        return [text for text in map(_printable_text, items) if text is not None]
    sizes = list(map(len, items))
    unprintable = map(len, map(bytes.translate, items, _NO_TABLE, _PRINTABLE_DELETIONS))
    readable = map(operator.le, unprintable, map(operator.mul, _UNPRINTABLE_SHARES, sizes))
    kept = map(operator.and_, map(operator.ge, sizes, _MIN_DECODED_SIZES), readable)
    return list(map(bytes.decode, itertools.compress(items, kept)))


def _mixed_case(run: str) -> bool:
    return run.lower() != run and run.upper() != run


@functools.lru_cache(maxsize=4)
def utf8(text: str) -> bytes:
    """``text`` in UTF-8, kept for the last few texts (two run finders, the set and its rules read a view)."""
    return text.encode("utf-8")


def _re2_runs(pattern: Any, text: str) -> list[str]:
    """Every match of ``pattern`` (``_BASE64_RUN`` or ``_HEX_RUN``) in ``text``, in order."""
    return find_runs(pattern, utf8(text))


def decode_base64_runs(text: str, budget: Budget | None = None) -> str:
    """Decoded text of every base64/base64url run that decodes to readable UTF-8.

    Each step runs over the whole list of runs through ``map`` (a text of many
    short runs would otherwise pay several Python-level steps per run); the
    result is what decoding them one by one gives.
    """
    runs = _affordable(_re2_runs(_BASE64_RUN, text), budget or _unlimited())
    size = len(runs)
    stripped = list(map(str.rstrip, runs, itertools.repeat("=", size)))
    has_lower = map(operator.ne, stripped, map(str.upper, stripped))
    has_upper = map(operator.ne, stripped, map(str.lower, stripped))
    mixed = itertools.compress(stripped, map(operator.and_, has_lower, has_upper))
    # A 4n+1 run loses its last character, the others get their padding.
    padded = [run[:-1] if len(run) % 4 == 1 else run + _BASE64_PADDING[len(run) % 4] for run in mixed]
    try:
        # urlsafe_b64decode of the run with +/ spelled -_: both alphabets read alike.
        data = list(map(binascii.a2b_base64, map(bytes.translate, map(str.encode, padded), _URLSAFE_TABLES)))
    except (binascii.Error, ValueError):
        data = []
        for run in padded:
            try:
                data.append(binascii.a2b_base64(run.encode().translate(_URLSAFE_BYTES)))
            except (binascii.Error, ValueError):
                continue
    long_enough = itertools.compress(data, map(operator.ge, map(len, data), _MIN_DECODED_SIZES))
    return "\n".join(_printable_texts(long_enough))


_BASE64_PADDING: Final = ("", "", "==", "=")
_URLSAFE_BYTES: Final = bytes.maketrans(b"-_", b"+/")
_URLSAFE_TABLES: Final = itertools.repeat(_URLSAFE_BYTES)
_MIN_DECODED_SIZES: Final = itertools.repeat(_MIN_DECODED)
_NO_TABLE: Final = itertools.repeat(None)
_PRINTABLE_DELETIONS: Final = itertools.repeat(_PRINTABLE_ASCII_BYTES)
_UNPRINTABLE_SHARES: Final = itertools.repeat(1 - _PRINTABLE_RATIO)


def _affordable(runs: list[str], budget: Budget) -> list[str]:
    """The runs ``budget`` pays for, charged as one spend (16 + 2 per character) per run in order would be."""
    if budget.exhausted:
        return []
    total = _PER_ITEM * len(runs) + 2 * sum(map(len, runs))
    if total <= budget.remaining:
        budget.remaining -= total
        return runs
    for index, spent in enumerate(itertools.accumulate(_PER_ITEM + 2 * len(run) for run in runs)):
        if spent > budget.remaining:
            budget.remaining -= spent
            budget.exhausted = True
            return runs[:index]
    raise AssertionError(total)  # pragma: no cover - the total exceeds the remaining units


def decode_hex_runs(text: str, budget: Budget | None = None) -> str:
    """Decoded text of every hex run (24+ digits) that decodes to readable UTF-8 (whole lists, as above)."""
    runs = _affordable(_re2_runs(_HEX_RUN, text), budget or _unlimited())
    return "\n".join(_printable_texts(map(bytes.fromhex, runs)))


_LINE_BREAKS: Final = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"


def _unescaped(base: str, budget: Budget) -> str:
    return clean(unescape_html(unescape(base, budget) if "\\" in base else base, budget))


# The derived views in VIEWS order: (name, applies to the NFKC base, make it within the budget).
_VIEW_STEPS: Final[tuple[tuple[str, Callable[[str], bool], Callable[[str, Budget], str]], ...]] = (
    ("nfkc", lambda _: True, lambda base, _: base),
    ("skeleton", lambda base: not base.isascii(), lambda base, _: skeleton(base)),
    (
        "unwrapped",
        lambda base: any(char in base for char in _LINE_BREAKS),
        lambda base, _: clean(unwrap(base)),
    ),
    ("unescaped", lambda base: "\\" in base or "&" in base, _unescaped),
    ("percent", lambda base: "%" in base, lambda base, budget: clean(percent_decode(base, budget))),
    ("base64", lambda base: len(base) >= 16, lambda base, budget: clean(decode_base64_runs(base, budget))),
    ("hex", lambda base: len(base) >= 16, lambda base, budget: clean(decode_hex_runs(base, budget))),
    ("trimmed", lambda base: base != base.strip(), lambda base, _: base.strip()),
)


def derived_views(text: str, budget: Budget | None = None) -> list[tuple[str, str]]:
    """Every non-raw view of ``text`` that differs from the views before it, in :data:`VIEWS` order.

    Views are charged to ``budget`` (a fresh one for ``text`` alone when None);
    when it runs out the list is cut short and ``budget.exhausted`` is set.
    """
    budget = budget if budget is not None else Budget(len(text))
    views: list[tuple[str, str]] = []
    if not budget.spend(len(text)):
        return views
    base = clean(text)
    seen = {text}
    for name, applies, make in _VIEW_STEPS:
        if not applies(base):
            continue
        value = make(base, budget)
        if not budget.spend(len(value)):
            break
        if value and value not in seen:
            seen.add(value)
            views.append((name, value))
    return views
