r"""ECMA-262 semantics (``u`` flag) for JSON Schema ``pattern`` in Python.

JSON Schema says patterns are ECMA-262 regular expressions, and our TypeScript
consumers run them in JavaScript (Ajv, ``new RegExp(p, "u")``). Python's ``re``
differs in ways that change verdicts on real data:

* ``$`` also matches before a trailing newline (``"pro\n"`` passes ``^[a-z]+$``);
* ``\d``, ``\w`` and ``\b`` match non-ASCII digits and letters, ``\B`` fails on "";
* ``.`` matches ``\r``, U+2028 and U+2029, which JavaScript treats as line ends;
* ``\s`` misses some JavaScript whitespace (U+FEFF) and matches U+001C..U+001F;
* a back-reference to a group that did not take part fails in Python and
  matches the empty string in JavaScript;
* the grammars differ: ``(?P<n>…)``, ``(?i)``, ``\A``, ``\Z`` are Python only,
  ``[]``, ``[^]``, ``\cX``, ``\u{…}`` are JavaScript only.

:func:`translate_ecma` parses the pattern with the ECMA-262 grammar in Unicode
mode (so a pattern JavaScript refuses is refused here too) and writes Python
syntax with JavaScript's meaning: every class escape becomes an explicit set,
so the result needs no flag. A variable-width lookbehind (Python's ``re``
requires fixed width) is run by the ``regex`` package, which matches it right to
left as JavaScript does. Two constructs raise :class:`SchemaDefinitionError`
instead of silently meaning something else: Unicode property escapes
(``\p{…}``; ``re`` has no Unicode property tables, and the ``regex`` package's
disagree with V8's on thousands of code points) and a back-reference inside a
lookbehind to a group of that lookbehind (JavaScript resolves it right to left).

Known difference, measured and documented (README, docs/test-suite.md): a
back-reference to a group captured in an earlier iteration of a loop sees the
old capture here and the empty string in JavaScript, which resets captures at
each iteration.
"""

from __future__ import annotations

import functools
import re

from saas_contracts.errors import SchemaDefinitionError

__all__ = ["compile_ecma", "translate_ecma"]

_MAX = 0x10FFFF
_Ranges = tuple[tuple[int, int], ...]

_DIGIT: _Ranges = ((0x30, 0x39),)
_WORD: _Ranges = ((0x30, 0x39), (0x41, 0x5A), (0x5F, 0x5F), (0x61, 0x7A))
# ECMA-262 WhiteSpace + LineTerminator, the members of JavaScript's \s.
_SPACE: _Ranges = (
    (0x09, 0x0D),
    (0x20, 0x20),
    (0xA0, 0xA0),
    (0x1680, 0x1680),
    (0x2000, 0x200A),
    (0x2028, 0x2029),
    (0x202F, 0x202F),
    (0x205F, 0x205F),
    (0x3000, 0x3000),
    (0xFEFF, 0xFEFF),
)
_LINE_ENDS: _Ranges = ((0x0A, 0x0A), (0x0D, 0x0D), (0x2028, 0x2029))
_SYNTAX = frozenset("^$\\.*+?()[]{}|/")
_CONTROL = {"f": 0x0C, "n": 0x0A, "r": 0x0D, "t": 0x09, "v": 0x0B}
_HEX = frozenset("0123456789abcdefABCDEF")
_W = "[0-9A-Za-z_]"
_WORD_BOUNDARY = f"(?:(?<={_W})(?!{_W})|(?<!{_W})(?={_W}))"
_NOT_WORD_BOUNDARY = f"(?:(?<={_W})(?={_W})|(?<!{_W})(?!{_W}))"


def _complement(ranges: _Ranges) -> _Ranges:
    out: list[tuple[int, int]] = []
    start = 0
    for lo, hi in sorted(ranges):
        if lo > start:
            out.append((start, lo - 1))
        start = max(start, hi + 1)
    if start <= _MAX:
        out.append((start, _MAX))
    return tuple(out)


_CLASS_ESCAPES: dict[str, _Ranges] = {
    "d": _DIGIT,
    "D": _complement(_DIGIT),
    "w": _WORD,
    "W": _complement(_WORD),
    "s": _SPACE,
    "S": _complement(_SPACE),
}


def _char(code: int) -> str:
    """One code point as Python pattern text, escaped unless it is an ASCII letter or digit."""
    if code < 0x80 and chr(code).isalnum():
        return chr(code)
    if code < 0x100:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def _set(ranges: _Ranges, *, negated: bool = False) -> str:
    if not ranges:
        return f"[\\x00-{_char(_MAX)}]" if negated else "(?!)"
    body = "".join(_char(lo) if lo == hi else f"{_char(lo)}-{_char(hi)}" for lo, hi in sorted(ranges))
    return f"[{'^' if negated else ''}{body}]"


class _Parser:
    """Recursive descent over ECMA-262 ``Pattern`` (Unicode mode), emitting Python syntax."""

    def __init__(self, pattern: str, groups: _Parser | None = None) -> None:
        """Parse ``pattern``; ``groups`` is the finished scan pass that counted and named the groups."""
        self.src = pattern
        self.pos = 0
        self.scan = groups
        self.opened = 0
        self.closed: set[int] = set()
        self.seen_names: dict[str, int] = {}
        # The groups closed when the outermost open lookbehind began (None outside lookbehinds).
        self.before_lookbehind: frozenset[int] | None = None

    def fail(self, reason: str) -> SchemaDefinitionError:
        return SchemaDefinitionError(
            f"pattern {self.src!r} is not a valid regular expression (ECMA-262): "
            f"{reason} at position {self.pos}"
        )

    def peek(self, offset: int = 0) -> str:
        index = self.pos + offset
        return self.src[index] if index < len(self.src) else ""

    def parse(self) -> str:
        out = self.disjunction()
        if self.pos < len(self.src):
            raise self.fail("unmatched ')'")
        return out

    def disjunction(self) -> str:
        parts = [self.alternative()]
        while self.peek() == "|":
            self.pos += 1
            parts.append(self.alternative())
        return "|".join(parts)

    def alternative(self) -> str:
        out: list[str] = []
        while self.peek() not in {"", "|", ")"}:
            out.append(self.term())
        return "".join(out)

    def term(self) -> str:
        ch = self.peek()
        assertion = self.assertion()
        if assertion is not None:
            return assertion
        if ch in {"*", "+", "?", "{"}:
            raise self.fail("nothing to repeat" if ch != "{" else "lone '{'")
        if ch in {"}", "]"}:
            raise self.fail(f"lone {ch!r}")
        return self.atom() + self.quantifier()

    def assertion(self) -> str | None:
        src, pos = self.src, self.pos
        if src.startswith("^", pos):
            self.pos += 1
            return "^"
        if src.startswith("$", pos):
            self.pos += 1
            return "\\Z"
        if src.startswith("\\b", pos):
            self.pos += 2
            return _WORD_BOUNDARY
        if src.startswith("\\B", pos):
            self.pos += 2
            return _NOT_WORD_BOUNDARY
        for opener in ("(?=", "(?!", "(?<=", "(?<!"):
            if src.startswith(opener, pos):
                self.pos += len(opener)
                outer = self.before_lookbehind
                if opener.startswith("(?<") and outer is None:
                    self.before_lookbehind = frozenset(self.closed)
                inner = self.disjunction()
                self.before_lookbehind = outer
                self.expect(")")
                return f"{opener}{inner})"
        return None

    def expect(self, ch: str) -> None:
        if self.peek() != ch:
            raise self.fail(f"expected {ch!r}")
        self.pos += 1

    def number(self) -> int | None:
        start = self.pos
        while self.peek().isascii() and self.peek().isdigit():
            self.pos += 1
        return int(self.src[start : self.pos]) if self.pos > start else None

    def quantifier(self) -> str:
        ch = self.peek()
        if ch in {"*", "+", "?"}:
            self.pos += 1
            out = ch
        elif ch == "{":
            self.pos += 1
            low = self.number()
            if low is None:
                raise self.fail("lone '{'")
            high: int | None = low
            if self.peek() == ",":
                self.pos += 1
                high = self.number()
            self.expect("}")
            if high is not None and high < low:
                raise self.fail("numbers out of order in {} quantifier")
            out = f"{{{low}}}" if high == low else f"{{{low},{'' if high is None else high}}}"
        else:
            return ""
        if self.peek() == "?":
            self.pos += 1
            out += "?"
        return out

    def atom(self) -> str:
        ch = self.peek()
        if ch == ".":
            self.pos += 1
            return _set(_LINE_ENDS, negated=True)
        if ch == "[":
            return self.char_class()
        if ch == "(":
            return self.group()
        if ch == "\\":
            return self.atom_escape()
        self.pos += 1
        return _char(ord(ch))

    def group(self) -> str:
        self.pos += 1
        if self.src.startswith("?:", self.pos):
            self.pos += 2
            inner = self.disjunction()
            self.expect(")")
            return f"(?:{inner})"
        if self.peek() == "?":
            if self.peek(1) != "<":
                raise self.fail("invalid group")
            self.pos += 2
            name = self.group_name()
            if name in self.seen_names:
                raise self.fail(f"duplicate capture group name {name!r}")
            self.seen_names[name] = self.opened + 1
        self.opened += 1
        index = self.opened
        inner = self.disjunction()
        self.expect(")")
        self.closed.add(index)
        return f"({inner})"

    def group_name(self) -> str:
        start = self.pos
        while self.peek() not in {"", ">"}:
            ch = self.peek()
            ok = ch in {"$", "_"} or (ch.isidentifier() if self.pos == start else f"a{ch}".isidentifier())
            if not ok and (self.pos == start or ch not in {"\u200c", "\u200d"}):
                raise self.fail("invalid capture group name")
            self.pos += 1
        if self.pos == start:
            raise self.fail("invalid capture group name")
        name = self.src[start : self.pos]
        self.expect(">")
        return name

    def backreference(self, index: int) -> str:
        # JavaScript runs a lookbehind right to left, so inside one a back-reference sees the groups
        # to its right; Python reads left to right. Only references to groups closed before the
        # lookbehind mean the same in both.
        if self.before_lookbehind is not None and index not in self.before_lookbehind:
            raise SchemaDefinitionError(
                f"pattern {self.src!r} has a back-reference inside a lookbehind to a group of that "
                "lookbehind (or after it): valid ECMA-262, which matches lookbehinds right to left, "
                "but Python matches left to right, so it is refused rather than misread"
            )
        # JavaScript: a group that has not matched (yet) matches the empty string;
        # Python's plain \N would fail, and refuses forward and open references.
        return f"(?({index})\\{index})" if index in self.closed else "(?:)"

    def atom_escape(self) -> str:
        nxt = self.peek(1)
        if nxt in _CLASS_ESCAPES:
            self.pos += 2
            return _set(_CLASS_ESCAPES[nxt])
        if nxt.isascii() and nxt.isdigit() and nxt != "0":
            self.pos += 1
            index = self.number()
            assert index is not None  # noqa: S101 - the digit was just peeked
            if self.scan is not None and index > self.scan.opened:
                raise self.fail(f"back-reference \\{index} to a group that does not exist")
            return self.backreference(index)
        if nxt == "k":
            self.pos += 2
            if self.peek() != "<":
                raise self.fail("invalid named reference")
            self.pos += 1
            name = self.group_name()
            if self.scan is None:
                return ""
            if name not in self.scan.seen_names:
                raise self.fail(f"named reference to a group that does not exist ({name!r})")
            return self.backreference(self.scan.seen_names[name])
        return _char(self.character_escape(in_class=False))

    def character_escape(self, *, in_class: bool) -> int:  # noqa: C901 - one branch per escape kind
        self.pos += 1  # the backslash
        ch = self.peek()
        if ch == "":
            raise self.fail("lone backslash at the end")
        if ch in {"p", "P"}:
            raise SchemaDefinitionError(
                f"pattern {self.src!r} uses a Unicode property escape (\\{ch}{{..}}): valid ECMA-262, but "
                "refused rather than misread: Python's re has no Unicode property tables, and the regex "
                "package's (another Unicode version than Node's) disagree with V8 on thousands of code "
                "points; use explicit character ranges"
            )
        self.pos += 1
        if ch in _CONTROL:
            return _CONTROL[ch]
        if ch == "c":
            letter = self.peek()
            if not (letter.isascii() and letter.isalpha()):
                raise self.fail("invalid control escape \\c")
            self.pos += 1
            return ord(letter) % 32
        if ch == "0":
            if self.peek().isascii() and self.peek().isdigit():
                raise self.fail("invalid decimal escape")
            return 0
        if ch == "x":
            return self.hex_digits(2)
        if ch == "u":
            return self.unicode_escape()
        if ch in _SYNTAX or (in_class and ch == "-"):
            return ord(ch)
        self.pos -= 1
        raise self.fail(f"invalid escape \\{ch}")

    def hex_digits(self, count: int) -> int:
        digits = self.src[self.pos : self.pos + count]
        if len(digits) != count or not set(digits) <= _HEX:
            raise self.fail("invalid hexadecimal escape")
        self.pos += count
        return int(digits, 16)

    def unicode_escape(self) -> int:
        if self.peek() == "{":
            end = self.src.find("}", self.pos)
            digits = self.src[self.pos + 1 : end] if end > 0 else ""
            if not digits or not set(digits) <= _HEX or int(digits, 16) > _MAX:
                raise self.fail("invalid Unicode escape \\u{..}")
            self.pos = end + 1
            return int(digits, 16)
        code = self.hex_digits(4)
        if 0xD800 <= code <= 0xDBFF and self.src.startswith("\\u", self.pos):
            tail = self.src[self.pos + 2 : self.pos + 6]
            if len(tail) == 4 and set(tail) <= _HEX and 0xDC00 <= int(tail, 16) <= 0xDFFF:
                self.pos += 6
                return 0x10000 + ((code - 0xD800) << 10) + (int(tail, 16) - 0xDC00)
        return code

    def class_atom(self) -> tuple[_Ranges, bool]:
        """One class member as ranges, and whether it is a class escape (which cannot bound a range)."""
        ch = self.peek()
        if ch == "":
            raise self.fail("unterminated character class")
        if ch != "\\":
            self.pos += 1
            return ((ord(ch), ord(ch)),), False
        nxt = self.peek(1)
        if nxt in _CLASS_ESCAPES:
            self.pos += 2
            return _CLASS_ESCAPES[nxt], True
        if nxt == "b":
            self.pos += 2
            return ((0x08, 0x08),), False
        if nxt.isascii() and nxt.isdigit() and nxt != "0":
            raise self.fail("invalid class escape")
        code = self.character_escape(in_class=True)
        return ((code, code),), False

    def char_class(self) -> str:
        self.pos += 1
        negated = self.peek() == "^"
        if negated:
            self.pos += 1
        members: list[tuple[int, int]] = []
        while self.peek() != "]":
            first, first_is_set = self.class_atom()
            if self.peek() == "-" and self.peek(1) not in {"]", ""}:
                self.pos += 1
                last, last_is_set = self.class_atom()
                if first_is_set or last_is_set:
                    raise self.fail("a class escape cannot bound a range")
                if first[0][0] > last[0][0]:
                    raise self.fail("range out of order in character class")
                members.append((first[0][0], last[0][0]))
            else:
                members.extend(first)
        self.pos += 1
        return _set(tuple(members), negated=negated)


def translate_ecma(pattern: str) -> str:
    r"""Rewrite an ECMA-262 pattern (``u`` flag) into Python ``re`` syntax with the same meaning.

    Raises :class:`SchemaDefinitionError` for a pattern JavaScript would refuse too,
    and for ``\p{..}`` property escapes, which Python cannot express.
    """
    scan = _Parser(pattern)
    scan.parse()
    return _Parser(pattern, scan).parse()


@functools.lru_cache(maxsize=4096)
def compile_ecma(pattern: str) -> re.Pattern[str]:
    """Compile an ECMA-262 pattern so that ``search`` gives JavaScript's verdict.

    A variable-width lookbehind, which Python's ``re`` cannot run, is compiled with the
    ``regex`` package instead (same syntax, lookbehind matched right to left as in
    JavaScript); the result has the same ``search``/``match``/``pattern`` interface.
    """
    translated = translate_ecma(pattern)
    try:
        return re.compile(translated)
    except re.error as error:
        if "look-behind requires fixed-width" in str(error):
            return _compile_variable_lookbehind(pattern, translated)
        raise SchemaDefinitionError(
            f"pattern {pattern!r} is not a valid regular expression: {error}"
        ) from error
    except (OverflowError, RecursionError) as error:
        raise SchemaDefinitionError(f"pattern {pattern!r} is too large for Python's re: {error}") from error


def _compile_variable_lookbehind(pattern: str, translated: str) -> re.Pattern[str]:
    # Imported here: only a variable-width lookbehind needs it, and importing it
    # costs every CLI start (~14 ms) that never meets one.
    import regex  # noqa: PLC0415

    try:
        compiled: re.Pattern[str] = regex.compile(translated, regex.VERSION0)
    except (regex.error, OverflowError, RecursionError) as error:
        raise SchemaDefinitionError(
            f"pattern {pattern!r} uses a variable-width lookbehind the regex package cannot compile: {error}"
        ) from error
    return compiled
