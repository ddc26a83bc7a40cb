r"""Normalized views of a string, so disguised secrets still meet the rules.

Every rule is matched against the raw text first and then against these views,
in this order; a finding records the first view that matched:

``nfkc``
    NFKC (full-width letters, ligatures, compatibility forms) with format
    characters (Cf: zero-width space/joiner, BOM, bidi controls, soft hyphen)
    and other invisible fillers removed.
``unwrapped``
    Line breaks (and the spaces or backslash around them) removed: a token
    split over lines joins again.
``unescaped``
    ``\uXXXX``, ``\u{...}``, ``\xHH`` and JSON/JS single-character escapes decoded,
    then HTML character references (``&#115;``, ``&#x73;``, ``&amp;``).
``percent``
    Percent-decoding, up to three rounds (double encoding).
``base64`` / ``hex``
    Bounded decoding of base64/base64url and hex runs that decode to text.

Each decoder is bounded (run count, run length, rounds), and candidate runs are
found by single-class runs, so a view costs time linear in the input.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import html
import re
import unicodedata
import urllib.parse
import warnings
from typing import Any, Final

import re2

VIEWS: Final = ("raw", "nfkc", "unwrapped", "unescaped", "percent", "base64", "hex", "json")
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

_MAX_RUNS = 16
_MAX_RUN_CHARS = 64 * 1024
_MIN_DECODED = 8
_PRINTABLE_RATIO = 0.85
_PERCENT_ROUNDS = 3
_MAX_FALLBACK_CHARS = 256 * 1024

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
# Run finders scan megabyte strings, so they run on RE2 (a DFA pass, matches
# capped at _MAX_RUNS); the escape pattern below only runs as a bounded fallback.
_BASE64_RUN = re2.compile(r"[A-Za-z0-9+/]{16,}={0,2}|[A-Za-z0-9_-]{16,}={0,2}")
_HEX_RUN = re2.compile(r"(?:[0-9A-Fa-f]{2}){12,}")
_ESCAPE = re.compile(r"\\(?:u\{([0-9A-Fa-f]{1,6})\}|u([0-9A-Fa-f]{4})|x([0-9A-Fa-f]{2})|([nrtbf\"'/\\]))")
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
    normalized = unicodedata.normalize("NFKC", _INVISIBLE.sub("", text))
    return normalized if normalized.isascii() else _INVISIBLE.sub("", normalized)


def unwrap(text: str) -> str:
    """Join lines: drop line breaks, the spaces around them and a continuation backslash."""
    lines = text.replace("\\\r\n", "\n").replace("\\\n", "\n").splitlines()
    if len(lines) <= 1:
        return text
    return "".join(map(str.strip, lines))


def _unescape_one(match: re.Match[str]) -> str:
    braced, four, two, simple = match.groups()
    if simple is not None:
        return _SIMPLE_ESCAPES[simple]
    code = int(braced or four or two, 16)
    return chr(code) if code <= 0x10FFFF else match.group(0)


def _join_surrogates(text: str) -> str:
    try:
        return text.encode("utf-16", "surrogatepass").decode("utf-16")
    except UnicodeDecodeError:
        return text


def unescape(text: str) -> str:
    r"""Decode backslash escapes, pairing UTF-16 surrogates when they come as two ``\u``.

    The codec does the common case at C speed; JavaScript's ``\u{...}`` or a
    malformed escape falls back to a pattern-driven decoder over a bounded prefix.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            decoded = text.encode("latin-1", "backslashreplace").decode("unicode_escape")
    except UnicodeDecodeError:
        decoded = _ESCAPE.sub(_unescape_one, text[:_MAX_FALLBACK_CHARS])
    return _join_surrogates(decoded)


def unescape_html(text: str) -> str:
    """Decode HTML character references (``&#115;``, ``&#x73;``, ``&amp;``) in a bounded prefix.

    The decoder calls back into Python per reference, so only the first
    256 KiB are decoded (the rest is kept as is): linear and bounded.
    """
    if "&" not in text:
        return text
    return html.unescape(text[:_MAX_FALLBACK_CHARS]) + text[_MAX_FALLBACK_CHARS:]


def _percent_round(text: str) -> str:
    # %XX -> \xXX, then the C escape decoder; a stray '%' (not followed by two
    # hex digits) makes it fail, and the bounded pure-Python decoder takes over.
    escaped = text.replace("\\", "\\\\").replace("%", "\\x")
    try:
        data, _ = codecs.escape_decode(escaped.encode("utf-8"))
    except ValueError:
        return urllib.parse.unquote(text[:_MAX_FALLBACK_CHARS], errors="replace")
    return bytes(data).decode("utf-8", errors="replace")


def percent_decode(text: str) -> str:
    """Percent-decode up to three rounds (stops when nothing changes)."""
    for _ in range(_PERCENT_ROUNDS):
        if not _PERCENT.search(text):
            break
        text = _percent_round(text)
    return text


def _runs(pattern: Any, text: str) -> list[str]:
    subject: str | bytes = text.encode("ascii") if text.isascii() else text
    runs: list[str] = []
    for match in pattern.finditer(subject):
        found = match.group(0)
        runs.append(found if isinstance(found, str) else found.decode("ascii"))
        if len(runs) >= _MAX_RUNS:
            break
    return runs


def _printable_text(data: bytes) -> str | None:
    if len(data) < _MIN_DECODED:
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    printable = sum(1 for char in text if char.isprintable() or char in "\t\n\r")
    return text if printable >= _PRINTABLE_RATIO * len(text) else None


def _mixed_case(run: str) -> bool:
    return run.lower() != run and run.upper() != run


def decode_base64_runs(text: str) -> str:
    """Decoded text of up to 16 base64/base64url runs that decode to readable UTF-8."""
    pieces = []
    for found in _runs(_BASE64_RUN, text):
        run = found[:_MAX_RUN_CHARS].rstrip("=")
        if not _mixed_case(run):
            continue
        run = run[: len(run) - len(run) % 4] if len(run) % 4 == 1 else run
        padded = run + "=" * (-len(run) % 4)
        try:
            data = base64.urlsafe_b64decode(padded.replace("+", "-").replace("/", "_"))
        except (binascii.Error, ValueError):
            continue
        decoded = _printable_text(data)
        if decoded is not None:
            pieces.append(decoded)
    return "\n".join(pieces)


def decode_hex_runs(text: str) -> str:
    """Decoded text of up to 16 hex runs (24+ digits) that decode to readable UTF-8."""
    pieces = []
    for run in _runs(_HEX_RUN, text):
        decoded = _printable_text(bytes.fromhex(run[:_MAX_RUN_CHARS]))
        if decoded is not None:
            pieces.append(decoded)
    return "\n".join(pieces)


def derived_views(text: str) -> list[tuple[str, str]]:
    """Every non-raw view of ``text`` that differs from the views before it, in :data:`VIEWS` order."""
    views: list[tuple[str, str]] = []
    seen = {text}

    def add(name: str, value: str) -> None:
        if value and value not in seen:
            seen.add(value)
            views.append((name, value))

    base = clean(text)
    add("nfkc", base)
    if any(char in base for char in "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"):
        add("unwrapped", clean(unwrap(base)))
    if "\\" in base or "&" in base:
        add("unescaped", clean(unescape_html(unescape(base) if "\\" in base else base)))
    if "%" in base:
        add("percent", clean(percent_decode(base)))
    if len(base) >= 16:
        add("base64", clean(decode_base64_runs(base)))
        add("hex", clean(decode_hex_runs(base)))
    return views
