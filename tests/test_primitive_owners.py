"""One owner module per shared primitive: a second implementation in src/ fails this test.

Each rule is a pattern that only an implementation of the primitive needs, the
module(s) allowed to contain it, and an example of the duplicate it catches.
Use the owner instead of re-implementing it (see the owner's docstring).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "saas_contracts"


@dataclass(frozen=True, kw_only=True)
class Rule:
    """A primitive, the pattern of a re-implementation, its owners and a caught example."""

    primitive: str
    pattern: str
    owners: frozenset[str]
    example: str


RULES = (
    Rule(
        primitive="RFC 8785 canonical JSON",
        pattern=r"\brfc8785\.|^\s*(?:import|from) rfc8785\b",
        owners=frozenset({"_digest.py"}),
        example="digest = hashlib.sha256(rfc8785.dumps(value)).hexdigest()",
    ),
    Rule(
        primitive="sha256: digests",
        pattern=r"\+\s*hashlib\.sha256\(",
        owners=frozenset({"_digest.py"}),
        example='return "sha256:" + hashlib.sha256(data).hexdigest()',
    ),
    Rule(
        primitive="JSON Pointer escape",
        pattern=r"""\.replace\("~", "~0"\)|\.replace\("/", "~1"\)""",
        owners=frozenset({"_pointer.py"}),
        example='return segment.replace("~", "~0").replace("/", "~1")',
    ),
    Rule(
        primitive="JSON Pointer unescape",
        pattern=r"""\.replace\("~1", "/"\)|\.replace\("~0", "~"\)""",
        owners=frozenset({"_pointer.py"}),
        example='part = raw.replace("~1", "/").replace("~0", "~")',
    ),
    Rule(
        primitive="atomic file writes",
        pattern=r"\btempfile\.mkstemp\(|\bos\.replace\(|\.replace\(target\)|\bos\.fsync\(",
        owners=frozenset({"_atomic.py"}),
        example="Path(temporary).replace(target)",
    ),
    Rule(
        primitive="inter-process file locks",
        pattern=r"\bfcntl\.(?:flock|lockf)\(",
        owners=frozenset({"_lock.py"}),
        example="fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)",
    ),
    Rule(
        primitive="packaged-resource lookup",
        pattern=r"\bimportlib\.resources\.files\(|\bresources\.files\(",
        owners=frozenset({"_resources.py"}),
        example='root = importlib.resources.files("saas_contracts") / "_schemas"',
    ),
    Rule(
        primitive="pretty JSON dump",
        pattern=r"\bindent=2\b",
        owners=frozenset({"_jsonio.py"}),
        example="json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False)",
    ),
    Rule(
        primitive="UTC timestamps",
        pattern=r"\bstrftime\(|\bstrptime\(|\bcalendar\.timegm\(|\btime\.gmtime\(",
        owners=frozenset({"_time.py"}),
        example='seconds = calendar.timegm(time.strptime(base, "%Y-%m-%dT%H:%M:%S"))',
    ),
    Rule(
        primitive="JSON type names",
        pattern=r"^\s*def _?json_type\b",
        owners=frozenset({"_jsontype.py"}),
        example="def _json_type(value: object) -> str:",
    ),
    Rule(
        primitive="refusal of remote retrieval",
        pattern=r"^\s*def (?:_refuse\w*|refuse_retrieval)\b|raise UnresolvableReferenceError\(uri\)",
        owners=frozenset({"_registry.py"}),
        example="def _refuse(uri: str) -> NoReturn:",
    ),
    Rule(
        primitive="retrieval policy (every registry refuses through _registry.refuse_retrieval)",
        pattern=r"\bretriever?=(?!refuse_retrieval\b)[A-Za-z_]",
        owners=frozenset(),
        example="referencing.Registry(retrieve=_refuse)",
    ),
)

TEMPORARY_ALLOWLIST: dict[str, frozenset[str]] = {}
"""Files outside the shared-primitives change that still hold a copy; each entry is deleted once fixed."""


def _sources() -> dict[str, str]:
    return {
        path.relative_to(PACKAGE).as_posix(): path.read_text(encoding="utf-8")
        for path in sorted(PACKAGE.rglob("*.py"))
        if "_generated" not in path.relative_to(PACKAGE).parts
    }


SOURCES = _sources()


def _holders(rule: Rule) -> set[str]:
    regex = re.compile(rule.pattern, re.MULTILINE)
    return {name for name, text in SOURCES.items() if regex.search(text)}


@pytest.mark.parametrize("rule", RULES, ids=[rule.primitive for rule in RULES])
class TestOneOwnerPerPrimitive:
    """Only the owner module (or a listed not-yet-migrated file) implements each primitive."""

    def test_no_duplicate(self, rule):
        """No other module in src/ matches the rule's pattern."""
        allowed = rule.owners | TEMPORARY_ALLOWLIST.get(rule.primitive, frozenset())
        duplicates = sorted(_holders(rule) - allowed)
        assert not duplicates, f"{rule.primitive} re-implemented in {duplicates}; use {sorted(rule.owners)}"

    def test_pattern_catches_its_example(self, rule):
        """The pattern recognises the duplicate it is meant to catch (the rule is not vacuous)."""
        assert re.search(rule.pattern, rule.example, re.MULTILINE)

    def test_owners_exist_and_implement_it(self, rule):
        """Each owner module exists and matches the pattern itself."""
        assert rule.owners <= _holders(rule)


class TestTemporaryAllowlist:
    """The temporary allowlist shrinks: an entry that no longer holds a copy must be deleted."""

    def test_entries_are_still_needed(self):
        """Every listed file still matches its rule; delete the entry once it does not."""
        stale = {}
        for primitive, files in TEMPORARY_ALLOWLIST.items():
            (rule,) = (rule for rule in RULES if rule.primitive == primitive)
            if gone := sorted(files - _holders(rule)):
                stale[primitive] = gone
        assert not stale, f"{stale} no longer re-implement these: remove them from TEMPORARY_ALLOWLIST"
