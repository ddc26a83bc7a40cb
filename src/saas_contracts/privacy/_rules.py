"""Privacy rules as data: loading, linting, compiling, and replaying their examples.

The rules live in ``schemas/privacy/v1/rules.json`` (validated by
``privacy/v1/rules``) so TypeScript templates can load the very same file. A
pattern must stay in the subset that Python ``re``, RE2 and JavaScript
``RegExp`` (flags ``u``, plus ``i`` for ``ignore_case``) read alike; :func:`lint_pattern`
enforces that subset at load time, for packaged rules and product extras alike.
Scanning always runs on RE2, whose matching time is linear in the input.
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import json
import re
import unicodedata
import warnings
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final, NamedTuple

import re2

from saas_contracts._jsonio import load_json_file, loads
from saas_contracts._jsontype import has_json_type
from saas_contracts._resources import packaged
from saas_contracts.errors import ContractViolationError, SchemaDefinitionError
from saas_contracts.privacy._rules_checked import (
    CHECKED_RULES_DIGEST,
    CHECKED_RULES_SHA256,
    PREFILTER_PATTERNS,
    PYTHON_PATTERNS,
)
from saas_contracts.privacy._views import TRIGGER_PATTERN

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Mapping, Sequence
    from pathlib import Path

RULES_SCHEMA: Final = "privacy/v1/rules"
CONFIG_SCHEMA: Final = "privacy/v1/config"
TARGETS: Final = ("value", "key", "field", "structure")
DENY_RULE_ID: Final = "product-deny-term"
_MAX_REPEAT = 1000
_RE2_MAX_MEM = 256 << 20

# Constructs whose meaning differs between Python, RE2 and JavaScript, or that
# RE2 cannot run in linear time. Checked on the raw pattern text.
_FORBIDDEN = (
    (
        re.compile(r"(?<!\\)(?:\\\\)*\\[dDwWsSbBpPAzZGkK]"),
        "class or anchor escapes (\\d \\w \\s \\b \\p \\A \\z ...)",
    ),
    (re.compile(r"(?<!\\)(?:\\\\)*\\[1-9]"), "backreferences"),
    (re.compile(r"\(\?[=!<]"), "lookaround or named groups"),
    (re.compile(r"\(\?[a-zA-Z]"), "inline flags (use ignore_case)"),
    (re.compile(r"\)(?:[*+]|\{[0-9]+,\})"), "unbounded repetition of a group"),
)
_REPEAT = re.compile(r"\{([0-9]+)(?:,([0-9]*))?\}")
_CAMEL_1 = re.compile(r"([a-z0-9])([A-Z])")
_CAMEL_2 = re.compile(r"([A-Z]+)([A-Z][a-z])")
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_REGEX_SYNTAX = frozenset("^$\\.*+?()[]{}|/")
_TERM_SEPARATORS = re.compile(r"[-_ .]+")


def _top_level(pattern: str) -> Iterator[int]:
    """Indices of the characters that are syntax: not escaped, not in a character class.

    The one lexer both the lint and the prefilter rewrite read patterns with.
    """
    in_class = escaped = False
    for index, char in enumerate(pattern):
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        else:
            yield index


def _has_bare_dot(pattern: str) -> bool:
    return any(pattern[index] == "." for index in _top_level(pattern))


def lint_pattern(pattern: str, *, where: str, ignore_case: bool = False) -> None:
    """Reject a pattern outside the portable subset, or not linear in a backtracking engine."""
    for regex, what in _FORBIDDEN:
        if regex.search(pattern):
            raise SchemaDefinitionError(f"{where}: pattern uses {what}, which is outside the portable subset")
    if _has_bare_dot(pattern):
        raise SchemaDefinitionError(f"{where}: pattern uses '.', whose line-terminator handling differs")
    for found in _REPEAT.finditer(pattern):
        bounds = [int(part) for part in found.groups() if part]
        if any(bound > _MAX_REPEAT for bound in bounds):
            raise SchemaDefinitionError(f"{where}: repetition bound above {_MAX_REPEAT} (RE2's limit)")
    try:
        compiled = compile_re2(pattern, ignore_case=False)
        compile_python(pattern, ignore_case=False)
    except (re.error, re2.error) as error:
        raise SchemaDefinitionError(f"{where}: pattern does not compile: {error}") from error
    if compiled.search(""):
        raise SchemaDefinitionError(f"{where}: pattern matches the empty string")
    # Imported here: packaged rules with the checked digest are never linted at load.
    from saas_contracts.privacy._linearity import linearity_problem  # noqa: PLC0415

    problem = linearity_problem(pattern, ignore_case=ignore_case)
    if problem is not None:
        raise SchemaDefinitionError(f"{where}: pattern is not linear in a backtracking engine: {problem}")


def compile_re2(pattern: str, *, ignore_case: bool, multiline: bool = False) -> Any:
    """Compile for scanning with RE2 (linear time)."""
    flags = ("i" if ignore_case else "") + ("m" if multiline else "")
    options = re2.Options()
    options.max_mem = _RE2_MAX_MEM
    return re2.compile(f"(?{flags}){pattern}" if flags else pattern, options)


_PREFILTER_REPEAT = 2
_TRIGGER: Final = re2.compile(TRIGGER_PATTERN)
_ANY_OF_CACHE = 256


_RE_PARSER: Any = importlib.import_module("re._parser")  # the stdlib's own parser (no typing stubs)
_END_ANCHORS: Final = re.compile(r"\\[zZ]")
r"""``\z`` (RE2) or ``\Z`` anywhere, even escaped itself: an overstatement only makes the window wider."""
_MAX_REACH: Final = 4096
"""Past this many characters an end-anchored rule counts as unbounded (the trimmed view's full set pass)."""


def _max_width(pattern: str) -> int:
    """The most characters ``pattern`` can match, read by Python's parser; unbounded when it cannot tell.

    The rules' RE2 syntax is Python's for everything that bounds a match (classes,
    counted repetitions, alternation); a construct Python does not know fails to parse
    and counts as unbounded, and Python reading ``[[:alpha:]]`` as longer only overstates.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return int(_RE_PARSER.parse(pattern).getwidth()[1])
    except (re.error, RecursionError, OverflowError, ValueError):
        return _MAX_REACH + 1


def relax_for_prefilter(pattern: str) -> str:
    """A pattern that matches a superset of ``pattern``, with small counted repetitions.

    Every ``{m}``, ``{m,}`` and ``{m,n}`` outside a class becomes ``{min(m, 2),}``:
    anything the original matches still matches, but the RE2 set built from
    these stays small, so its DFA is cheap to build and to cache. The set only
    preselects rules; the exact pattern confirms every candidate.
    """
    out: list[str] = []
    copied = 0
    for index in _top_level(pattern):
        found = _REPEAT.match(pattern, index) if pattern[index] == "{" and index >= copied else None
        if found is not None:
            out.append(pattern[copied:index])
            out.append(f"{{{min(int(found.group(1)), _PREFILTER_REPEAT)},}}")
            copied = found.end()
    out.append(pattern[copied:])
    return "".join(out)


@functools.lru_cache(maxsize=1024)
def compile_python(pattern: str, *, ignore_case: bool) -> re.Pattern[str]:
    """Compile with Python's ``re`` under the same semantics (used to check agreement).

    No ``re.ASCII``: the rule lint bans the class escapes, and case-insensitive rules
    must fold like JavaScript's ``ui`` flags (long s matches s, the Kelvin sign matches k).
    The packaged patterns' translations were made at build time (``_rules_checked``).
    """
    translated = PYTHON_PATTERNS.get(pattern)
    if translated is None:
        from saas_contracts._ecma import translate_ecma  # noqa: PLC0415 - only for patterns not seen at build time

        translated = translate_ecma(pattern)
    return re.compile(translated, re.IGNORECASE if ignore_case else 0)


def _strip_format(text: str) -> str:
    return "".join(char for char in text if unicodedata.category(char) != "Cf")


def normalize_key(key: str) -> str:
    """The ``snake_case`` member-name normalization rules and allow scopes are written against."""
    if not key.isascii():
        key = _strip_format(unicodedata.normalize("NFKC", _strip_format(key)))
    key = _CAMEL_2.sub(r"\1_\2", _CAMEL_1.sub(r"\1_\2", key))
    return _NON_ALNUM.sub("_", key.lower()).strip("_")


def example_text(example: Mapping[str, Any]) -> str:
    """Join an example's fragments."""
    return "".join(example["text"])


class KeyInfo(NamedTuple):
    """What a member name means to the scanner (computed once per distinct name)."""

    normalized: str
    """The snake_case form rules and allow scopes are written against."""
    field_rules: tuple[Rule, ...]
    """Field rules whose key pattern matches."""
    scoped_allow: tuple[AllowEntry, ...]
    """Allow entries whose key scope matches (plus every unscoped entry when field rules apply):
    values that fit them are exempt and never collected."""
    skip: int = 0
    """``len(name) + 1`` when the name as a text is inert (ASCII, no line break, no candidate rule
    in the prefilter set, no views trigger): nothing can be found in it, so the scanner leaves it
    out of the texts it matches and only counts its characters (and separator) for the budget."""

    def exempt(self, text: str) -> bool:
        """True when ``text`` fits one of the key-scoped allow entries.

        Each entry's key scope already holds for this name (that is how it got into
        ``scoped_allow``), so only its grammar is matched.
        """
        for entry in self.scoped_allow:  # noqa: SIM110 - hot path: a plain loop beats any() over a generator
            if entry.regex.match(text) is not None:
                return True
        return False


@dataclass(frozen=True, kw_only=True)
class Condition:
    """One member requirement of a structure rule."""

    path: tuple[str, ...]
    type: str | None = None
    pattern: str | None = None
    regex: Any = field(default=None, repr=False, compare=False)

    def holds(self, node: Mapping[str, Any]) -> bool:
        """True when the member at ``path`` exists and satisfies type and pattern."""
        current: Any = node
        for part in self.path:
            if not isinstance(current, dict) or part not in current:
                return False
            current = current[part]
        if self.type is not None and not has_json_type(current, self.type):
            return False
        return self.regex is None or (isinstance(current, str) and self.regex.search(current) is not None)


@dataclass(frozen=True, kw_only=True)
class AllowEntry:
    """An exact-grammar exemption, optionally scoped to member names."""

    id: str
    description: str
    pattern: str
    key_pattern: str | None
    examples: Mapping[str, Any] = field(repr=False, compare=False)
    key_regex: Any = field(repr=False, compare=False)

    @functools.cached_property
    def regex(self) -> re.Pattern[str]:
        """The grammar on Python's re, compiled on first use (a scan needs few; start-up stays short)."""
        return compile_python(self.pattern, ignore_case=False)

    def allows(self, text: str, normalized_key: str | None) -> bool:
        """True when ``text`` is exactly this grammar under a member this entry covers."""
        if self.regex.match(text) is None:
            return False
        if self.key_regex is None:
            return True
        return normalized_key is not None and self.key_regex.match(normalized_key) is not None

    def example_verdict(self, example: Mapping[str, Any]) -> bool:
        """Whether this entry allows the example (raw text, normalized key)."""
        key = example.get("key")
        return self.allows(example_text(example), None if key is None else normalize_key(key))


@dataclass(frozen=True, kw_only=True)
class Rule:
    """One privacy rule, compiled."""

    id: str
    family: str
    description: str
    target: str
    pattern: str | None
    key_pattern: str | None
    ignore_case: bool
    keywords: tuple[str, ...]
    conditions: tuple[Condition, ...]
    examples: Mapping[str, Any] = field(repr=False, compare=False)
    document: Mapping[str, Any] = field(repr=False, compare=False)
    key_regex: Any = field(default=None, repr=False, compare=False)

    @functools.cached_property
    def regex(self) -> Any:
        """The value pattern on RE2 (None without one), compiled on first use.

        A scan compiles only the rules its prefilter picks, which keeps CLI start-up short.
        """
        return None if self.pattern is None else compile_re2(self.pattern, ignore_case=self.ignore_case)

    def keyword_ok(self, text: str) -> bool:
        """The keyword prefilter: no keywords, or one occurs in the lower-cased text."""
        if not self.keywords:
            return True
        lowered = _lowered(text) if len(text) > _LOWER_CACHE_FROM else text.lower()
        return any(keyword in lowered for keyword in self.keywords)

    def search(self, text: str, encoded: bytes | None = None) -> Any:
        """The first match of the value pattern in ``text`` (after the keyword prefilter), or None.

        ``encoded``: ``text`` already in UTF-8, searched instead (the match is then on bytes),
        so a long text is not encoded again for every candidate rule.
        """
        if self.regex is None or not self.keyword_ok(text):
            return None
        return self.regex.search(text if encoded is None else encoded)

    def matches_structure(self, node: Mapping[str, Any]) -> bool:
        """True when an object satisfies every condition of a structure rule."""
        return bool(self.conditions) and all(condition.holds(node) for condition in self.conditions)

    def example_verdict(self, example: Mapping[str, Any], allow: Sequence[AllowEntry] = ()) -> bool:
        """The rule's verdict on one example, evaluated on the raw text only (no views)."""
        text = example_text(example)
        if self.target == "structure":
            try:
                node = loads(text)
            except ValueError:
                return False
            return isinstance(node, dict) and self.matches_structure(node)
        if self.target == "field":
            key = normalize_key(str(example.get("key", "")))
            if self.key_regex.search(key) is None or self.search(text) is None:
                return False
            return not any(entry.allows(text, key) for entry in allow)
        return self.search(text) is not None


BUDGET_RULE: Final = Rule(
    id="undecidable-budget",
    family="undecidable",
    description="The document's normalized views would cost more than its work budget (linear in its size); "
    "it is rejected rather than passed unexamined.",
    target="value",
    pattern=None,
    key_pattern=None,
    ignore_case=False,
    keywords=(),
    conditions=(),
    examples={"match": [], "no_match": []},
    document={},
)
"""The engine's own rule: a finding of it means "not decided, so not public-safe" (fail closed)."""


_LOWER_CACHE_FROM: Final = 4096


@functools.lru_cache(maxsize=4)
def _lowered(text: str) -> str:
    """``text.lower()``, kept for the last long texts: every candidate rule of a view asks for it."""
    return text.lower()


def _compile_rule(document: Mapping[str, Any], *, source: str, checked: bool = False) -> Rule:
    rule_id = document["id"]
    where = f"{source}: rule {rule_id!r}"
    ignore_case = bool(document["ignore_case"])
    pattern = document.get("pattern")
    key_pattern = document.get("key_pattern")
    if pattern is not None and not checked:
        lint_pattern(pattern, where=where, ignore_case=ignore_case)
    if key_pattern is not None and not checked:
        lint_pattern(key_pattern, where=where)
    conditions = []
    for condition in document.get("structure", {}).get("all", ()):
        if "pattern" in condition and not checked:
            lint_pattern(condition["pattern"], where=where, ignore_case=ignore_case)
        conditions.append(
            Condition(
                path=tuple(condition["path"]),
                type=condition.get("type"),
                pattern=condition.get("pattern"),
                regex=compile_re2(condition["pattern"], ignore_case=ignore_case)
                if "pattern" in condition
                else None,
            ),
        )
    return Rule(
        id=rule_id,
        family=document["family"],
        description=document["description"],
        target=document["target"],
        pattern=pattern,
        key_pattern=key_pattern,
        ignore_case=ignore_case,
        keywords=tuple(document["keywords"]),
        conditions=tuple(conditions),
        examples=document["examples"],
        document=document,
        # Member names are normalized to lower snake_case first, so key patterns are case-sensitive.
        key_regex=None if key_pattern is None else compile_re2(key_pattern, ignore_case=False),
    )


def _compile_allow(document: Mapping[str, Any], *, source: str, checked: bool = False) -> AllowEntry:
    where = f"{source}: allow entry {document['id']!r}"
    pattern = document["pattern"]
    key_pattern = document.get("key_pattern")
    for text in (pattern, key_pattern):
        if text is not None and not checked:
            lint_pattern(text, where=where)
            if not (text.startswith("^") and text.endswith("$")):
                raise SchemaDefinitionError(
                    f"{where}: allow patterns must be anchored (^...$): exact grammar only"
                )
    entry = AllowEntry(
        id=document["id"],
        description=document["description"],
        pattern=pattern,
        key_pattern=key_pattern,
        examples=document["examples"],
        # Anchored exact grammars: Python's re makes one bounded attempt at
        # position 0, so it is linear here and avoids RE2's per-call overhead
        # (the value grammar is compiled on first use, see AllowEntry.regex).
        key_regex=None if key_pattern is None else compile_python(key_pattern, ignore_case=False),
    )
    if not checked:
        _ = entry.regex  # an unchecked document's grammars must compile now, not mid-scan
    return entry


def _ensure_valid(data: object, schema: str, source: str) -> None:
    # Imported here: jsonschema is only needed when a rules or config document is loaded.
    from saas_contracts._validation import validate  # noqa: PLC0415

    violations = validate(data, schema)
    if violations:
        first = violations[0]
        raise SchemaDefinitionError(
            f"{source}: not a valid {schema}: {first.pointer or '/'}: {first.message}"
            + (f" (+{len(violations) - 1} more)" if len(violations) > 1 else ""),
        ) from ContractViolationError(schema, violations)


def check_examples(rule: Rule, allow: Sequence[AllowEntry], *, source: str) -> None:
    """Raise unless every example of ``rule`` gets its labelled verdict."""
    for label, expected in (("match", True), ("no_match", False)):
        for index, example in enumerate(rule.examples[label]):
            if rule.example_verdict(example, allow) is not expected:
                raise SchemaDefinitionError(
                    f"{source}: rule {rule.id!r}: example {label}[{index}] does not "
                    f"{'match' if expected else 'stay clean'}",
                )


def escape_term(term: str) -> str:
    """A deny term as a portable pattern; separators (-, _, space, .) may vary or vanish."""
    parts = [part for part in _TERM_SEPARATORS.split(term) if part]
    escaped = ["".join("\\" + char if char in _REGEX_SYNTAX else char for char in part) for part in parts]
    return "[-_ .]?".join(escaped)


def deny_term_rule(terms: Sequence[str]) -> dict[str, Any]:
    """The synthesized rule for a product's deny terms (same shape as every other rule)."""
    alternatives = "|".join(sorted({escape_term(term) for term in terms}, key=lambda p: (-len(p), p)))
    keywords = sorted({_TERM_SEPARATORS.split(term.lower())[0] for term in terms if term.strip()} - {""})
    return {
        "id": DENY_RULE_ID,
        "family": "product",
        "description": "A term the product config denies (vertical product names, internal code names).",
        "target": "value",
        "pattern": f"(?:^|[^A-Za-z0-9])(?:{alternatives})(?:$|[^A-Za-z0-9])",
        "ignore_case": True,
        "keywords": keywords,
        "examples": {
            "match": [{"text": [term[i : i + 12] for i in range(0, len(term), 12)]} for term in terms],
            "no_match": [{"text": [""]}],
        },
    }


@dataclass(frozen=True)
class ScanConfig:
    """Product extras: deny terms and extra rules (validated by ``privacy/v1/config``).

    Extras only ever add findings; there is no way to allow or exempt anything.
    """

    deny_terms: tuple[str, ...] = ()
    rules: tuple[Mapping[str, Any], ...] = ()

    @classmethod
    def from_json(cls, data: object, *, source: str = "<config>") -> ScanConfig:
        """Validate a parsed config document and build the config."""
        _ensure_valid(data, CONFIG_SCHEMA, source)
        assert isinstance(data, dict)  # noqa: S101 - guaranteed by the schema
        config = cls(deny_terms=tuple(data.get("deny_terms", ())), rules=tuple(data.get("rules", ())))
        ruleset_for(config, source=source)  # compile, lint and replay the examples now
        return config

    def canonical(self) -> bytes:
        """RFC 8785 bytes of the config, used for caching and the rules digest."""
        from saas_contracts._digest import canonical_bytes  # noqa: PLC0415 - extras only: start-up stays short

        return canonical_bytes({"deny_terms": list(self.deny_terms), "rules": list(self.rules)})


def load_config(path: str | Path) -> ScanConfig:
    """Read and validate a product extras file (JSON)."""
    return ScanConfig.from_json(load_json_file(path), source=str(path))


class RuleSet:
    """The compiled rules in effect for one scan, with the structures the scanner needs."""

    def __init__(
        self,
        document: Mapping[str, Any],
        extras: ScanConfig | None = None,
        *,
        source: str,
        checked: bool = False,
    ) -> None:
        """Lint and compile ``document`` (a valid rules file) plus optional product extras.

        ``checked``: the document is the packaged file whose bytes match the
        build-time checked digest (:data:`CHECKED_RULES_SHA256`), so its patterns
        are not linted again and its rules digest is the recorded one; extras are
        always linted and digested.
        """
        self.version: str = document["version"]
        self.allow = tuple(
            _compile_allow(entry, source=source, checked=checked) for entry in document["allow"]
        )
        rules = [_compile_rule(entry, source=source, checked=checked) for entry in document["rules"]]
        digest_input: dict[str, Any] = {"rules": document}
        if extras is not None and (extras.deny_terms or extras.rules):
            extra_docs = list(extras.rules)
            if extras.deny_terms:
                extra_docs.append(deny_term_rule(extras.deny_terms))
            known = {rule.id for rule in rules}
            for extra in extra_docs:
                if extra["id"] in known:
                    raise SchemaDefinitionError(f"{source}: extra rule id {extra['id']!r} is already defined")
                known.add(extra["id"])
                compiled = _compile_rule(extra, source=source)
                check_examples(compiled, self.allow, source=source)
                rules.append(compiled)
            digest_input["extras"] = json.loads(extras.canonical())
        ids = [rule.id for rule in rules]
        if len(set(ids)) != len(ids):
            raise SchemaDefinitionError(f"{source}: duplicate rule ids")
        self.rules: tuple[Rule, ...] = tuple(rules)
        self._by_id = {rule.id: rule for rule in rules}
        # The packaged file's digest was computed by the build-time check (RFC 8785 of a
        # 60 KB document costs more than compiling the rules); extras always recompute it.
        if checked and len(digest_input) == 1:
            self.digest = CHECKED_RULES_DIGEST
        else:
            from saas_contracts._digest import canonical_digest  # noqa: PLC0415 - start-up stays short

            self.digest = canonical_digest(digest_input)
        # What the scanner needs, precomputed once.
        self.text_rules = tuple(rule for rule in rules if rule.target in {"value", "key"})
        self.field_rules = tuple(rule for rule in rules if rule.target == "field")
        self.structure_rules = tuple(rule for rule in rules if rule.target == "structure")
        self.structure_first_keys = tuple(sorted({r.conditions[0].path[0] for r in self.structure_rules}))
        self._multiline: dict[int, Any] = {}
        self._any_of: dict[tuple[tuple[int, ...], bool], Any] = {}
        self.prefilter = self._relaxed_set(re2.Set.SearchSet)
        self._start_set: Any = None
        self._reach: tuple[int] | None = None
        self.first_key_set: frozenset[str] = frozenset(self.structure_first_keys)
        self.key_cache: dict[str, KeyInfo] = {}
        self.shape_cache: dict[tuple[str, ...], Any] = {}
        """The scanner's per-shape data for dicts with these member names (see ``_scanner._Walk._shape``)."""

    def trimmed_candidates(self, encoded: bytes, text: str) -> list[int]:
        r"""The candidate text rules of a trimmed view (``text``: ``base.strip()``, ``encoded``: its UTF-8).

        ``base`` was matched already (as the raw text or its NFKC view), and a match in
        ``text`` that neither starts at its start nor ends at its end is a match in ``base``
        too (same characters, same neighbours: ``^``, ``$`` are the only context that
        differs, ``\b`` sees a non-word character either way). So only rules matching at
        the very start (an anchored set pass, which stops where every pattern fails) or
        ending at the very end can add anything; a rule can only end there differently when
        it anchors at the end, and those are bounded (:meth:`_end_reach`), so the set reads
        the last characters only. The full set pass when some end-anchored rule is unbounded.
        """
        reach = self._end_reach()
        if reach is None:
            return sorted(self.prefilter.Match(encoded) or ())
        if self._start_set is None:
            self._start_set = self._relaxed_set(re2.Set.MatchSet)
        found = set(self._start_set.Match(encoded) or ())
        found.update(self.prefilter.Match(text[-reach - 1 :].encode("utf-8")) or ())
        return sorted(found)

    def _end_reach(self) -> int | None:
        """The longest match (characters) of a text rule anchored at the end; None when one is unbounded."""
        if self._reach is None:
            longest = 0
            for rule in self.text_rules:
                pattern = rule.pattern or ""
                if _END_ANCHORS.search(pattern) or any(pattern[i] == "$" for i in _top_level(pattern)):
                    longest = max(longest, _max_width(pattern))
            self._reach = (longest,)
        found = self._reach[0]
        return None if found > _MAX_REACH else found

    def _relaxed_set(self, kind: Any) -> Any:
        options = re2.Options()
        options.max_mem = _RE2_MAX_MEM
        built = kind(options)
        for rule in self.text_rules:
            pattern = rule.pattern or ""
            relaxed = PREFILTER_PATTERNS.get(pattern) or relax_for_prefilter(pattern)
            built.Add(f"(?{'i' if rule.ignore_case else ''}m){relaxed}")
        built.Compile()
        return built

    def multiline(self, index: int) -> Any:
        """Text rule ``index`` in multi-line mode, compiled on first use (only candidates need it)."""
        found = self._multiline.get(index)
        if found is None:
            rule = self.text_rules[index]
            found = compile_re2(rule.pattern or "", ignore_case=rule.ignore_case, multiline=True)
            self._multiline[index] = found
        return found

    def any_of(self, indices: tuple[int, ...], *, multiline: bool = False) -> Any:
        """One RE2 regexp that matches a text exactly when one of these text rules' patterns does (cached).

        A long view with several candidates is searched once with it; only when it matches are
        the candidates searched one by one (a regexp, unlike a set, falls back rather than fail).
        """
        key = (indices, multiline)
        found = self._any_of.get(key)
        if found is None:
            alternatives = []
            for index in indices:
                rule = self.text_rules[index]
                alternatives.append(f"(?{'i' if rule.ignore_case else ''}:{rule.pattern})")
            found = compile_re2("|".join(alternatives), ignore_case=False, multiline=multiline)
            if len(self._any_of) > _ANY_OF_CACHE:
                self._any_of.clear()
            self._any_of[key] = found
        return found

    def __iter__(self) -> Iterator[Rule]:
        """Rules in file order (packaged first, then extras)."""
        return iter(self.rules)

    def __len__(self) -> int:
        """How many rules are in effect."""
        return len(self.rules)

    def get(self, rule_id: str) -> Rule:
        """A rule by id (KeyError when unknown)."""
        return self._by_id[rule_id]

    def key_info(self, key: str) -> KeyInfo:
        """Normalized member name, the field rules and the key-scoped allow entries that apply (cached)."""
        cached = self.key_cache.get(key)
        if cached is None:
            normalized = normalize_key(key)
            field_rules = tuple(r for r in self.field_rules if r.key_regex.search(normalized))
            # Under a member with field rules, unscoped entries join too: their
            # values are then exempted once while collecting (no second check).
            cached = KeyInfo(
                normalized,
                field_rules,
                tuple(
                    e
                    for e in self.allow
                    if (e.key_regex is None and field_rules)
                    or (e.key_regex is not None and e.key_regex.match(normalized))
                ),
                len(key) + 1 if self._inert(key) else 0,
            )
            if len(self.key_cache) > 65536:  # bounded: hostile documents may use unique keys
                self.key_cache.clear()
            self.key_cache[key] = cached
        return cached

    def _inert(self, text: str) -> bool:
        """True when no rule and no view can find anything in ``text`` as a text of its own."""
        if not text.isascii() or "\n" in text:
            return False
        subject = text.encode("ascii")
        return not self.prefilter.Match(subject) and _TRIGGER.search(subject) is None

    def allowed(self, text: str, normalized_key: str | None) -> bool:
        """True when ``text`` is exempt under the member ``normalized_key`` (None for member names)."""
        return any(entry.allows(text, normalized_key) for entry in self.allow)


def _rules_resource() -> Any:
    return packaged("_schemas", "privacy", "v1", "rules.json")


def rules_file_sha256(data: bytes) -> str:
    """The digest the build-time check records for the rules file's exact bytes."""
    return hashlib.sha256(data).hexdigest()


@functools.cache
def _packaged_rules() -> tuple[Mapping[str, Any], bool]:
    """The packaged rules file, parsed, and whether its bytes are the build-time checked ones.

    Checked bytes were validated against ``privacy/v1/rules`` and linted by
    ``scripts/check_rules.py`` (drift-checked by the test suite), so loading
    them skips jsonschema and the lint; any other bytes get both, as before.
    """
    source = "schemas/privacy/v1/rules.json"
    data = _rules_resource().read_bytes()
    checked = rules_file_sha256(data) == CHECKED_RULES_SHA256
    # Checked bytes were parsed strictly at build time (no duplicate keys, no NaN): the C parser reads
    # them to the same document.
    document = json.loads(data) if checked else loads(data.decode("utf-8"))
    if not checked:
        _ensure_valid(document, RULES_SCHEMA, source)
    assert isinstance(document, dict)  # noqa: S101 - guaranteed by the schema (or the checked digest)
    return document, checked


def rules_document() -> Mapping[str, Any]:
    """The packaged rules file, parsed and validated against ``privacy/v1/rules``."""
    return _packaged_rules()[0]


@functools.cache
def default_rules() -> RuleSet:
    """The packaged rules, compiled once per process."""
    document, checked = _packaged_rules()
    return RuleSet(document, source="schemas/privacy/v1/rules.json", checked=checked)


_CONFIG_CACHE: dict[bytes, RuleSet] = {}


def ruleset_for(config: ScanConfig | None, *, source: str = "<config>") -> RuleSet:
    """The rules in effect for ``config`` (compiled once per distinct config)."""
    if config is None or not (config.deny_terms or config.rules):
        return default_rules()
    key = config.canonical()
    found = _CONFIG_CACHE.get(key)
    if found is None:
        _ensure_valid(
            {"deny_terms": list(config.deny_terms), "rules": list(config.rules)}, CONFIG_SCHEMA, source
        )
        found = RuleSet(rules_document(), config, source=source)
        if len(_CONFIG_CACHE) > 32:
            _CONFIG_CACHE.clear()
        _CONFIG_CACHE[key] = found
    return found


def iter_examples(rule: Rule | AllowEntry) -> Iterable[tuple[str, int, Mapping[str, Any]]]:
    """(label, index, example) for every example of a rule or allow entry."""
    for label in ("match", "no_match"):
        for index, example in enumerate(rule.examples[label]):
            yield label, index, example
