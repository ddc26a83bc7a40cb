r"""ECMA-262 semantics for JSON Schema ``pattern`` in Python.

JSON Schema says patterns are ECMA-262 regular expressions, and our TypeScript
consumers run them in JavaScript (Ajv, ``u`` flag). Python's ``re`` differs in
ways that change verdicts on real data:

* ``$`` also matches before a trailing newline (``"pro\n"`` passes ``^[a-z]+$``);
* ``\d``, ``\w`` and ``\b`` match non-ASCII digits and letters;
* ``.`` matches ``\r``, U+2028 and U+2029, which JavaScript treats as line ends;
* ``\s`` misses some JavaScript whitespace (U+FEFF) and matches U+001C..U+001F.

:func:`compile_ecma` rewrites a pattern so Python gives JavaScript's answer.
Constructs Python cannot express (``\p{..}`` property escapes) raise
:class:`SchemaDefinitionError` instead of silently meaning something else.
"""

from __future__ import annotations

import functools
import re

from saas_contracts.errors import SchemaDefinitionError

# ECMA-262 WhiteSpace + LineTerminator, the members of JavaScript's \s.
_JS_SPACE = "\\t\\n\\x0b\\x0c\\r \\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff"
_JS_DOT = "[^\\n\\r\\u2028\\u2029]"


def translate_ecma(pattern: str) -> str:  # noqa: C901, PLR0912, PLR0915 - a small hand lexer reads best as one loop
    """Rewrite an ECMA-262 pattern into Python ``re`` syntax with the same meaning."""
    out: list[str] = []
    in_class = False
    i = 0
    n = len(pattern)
    while i < n:
        ch = pattern[i]
        if ch == "\\":
            if i + 1 >= n:
                raise SchemaDefinitionError(f"pattern {pattern!r} ends with a lone backslash")
            nxt = pattern[i + 1]
            if nxt in "pP":
                raise SchemaDefinitionError(
                    f"pattern {pattern!r} uses a Unicode property escape (\\{nxt}{{..}}), "
                    "which Python's re cannot express; use explicit character ranges",
                )
            if nxt == "s":
                out.append(_JS_SPACE if in_class else f"[{_JS_SPACE}]")
            elif nxt == "S":
                if in_class:
                    raise SchemaDefinitionError(f"pattern {pattern!r} uses \\S inside a character class")
                out.append(f"[^{_JS_SPACE}]")
            else:
                out.append(ch + nxt)
            i += 2
            continue
        if in_class:
            if ch == "]":
                in_class = False
            elif ch == "[":
                out.append("\\[")  # a literal in JavaScript, a nested-set warning in Python
                i += 1
                continue
            out.append(ch)
        elif ch == "[":
            # JavaScript reads "[]" as the empty set and "[^]" as any character;
            # Python would take the "]" as a literal member and read on.
            if pattern.startswith("[]", i):
                out.append("(?!)")
                i += 2
                continue
            if pattern.startswith("[^]", i):
                out.append("(?s:.)")
                i += 3
                continue
            in_class = True
            out.append(ch)
        elif ch == "$":
            out.append("\\Z")
        elif ch == ".":
            out.append(_JS_DOT)
        elif ch == "(" and pattern.startswith("(?<", i) and not pattern.startswith(("(?<=", "(?<!"), i):
            out.append("(?P<")  # JavaScript named group
            i += 3
            continue
        else:
            out.append(ch)
        i += 1
    return "".join(out)


@functools.lru_cache(maxsize=4096)
def compile_ecma(pattern: str) -> re.Pattern[str]:
    """Compile an ECMA-262 pattern so that ``search`` gives JavaScript's verdict."""
    try:
        return re.compile(translate_ecma(pattern), re.ASCII)
    except re.error as error:
        raise SchemaDefinitionError(
            f"pattern {pattern!r} is not a valid regular expression: {error}"
        ) from error
