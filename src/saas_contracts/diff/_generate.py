"""Generate instances of a schema: the raw material of counterexamples.

Generation proposes; jsonschema disposes. Every candidate is checked with
:data:`saas_contracts._validation.ContractValidator` against the side's
offline registry before it counts as an instance of a schema, so a weak
guess costs a missed counterexample, never a wrong verdict.

A *hole* asks for documents with a given value placed at an instance path
(property names, indices, or a marker for "some undeclared key", "some item
past the prefix", "an item that ``contains`` counts", "a property name").
"""

from __future__ import annotations

import functools
import importlib
import math
import random
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, Any, Final

from saas_contracts._ecma import compile_ecma
from saas_contracts._formats import FORMAT_CHECKER
from saas_contracts._validation import ContractValidator
from saas_contracts.diff._normalize import Node, Normalizer, canonical
from saas_contracts.diff._simplify import TYPE_KEYWORDS, to_fraction
from saas_contracts.errors import ContractError

if TYPE_CHECKING:
    import re

    from jsonschema import FormatChecker
    from jsonschema.protocols import Validator

    from saas_contracts.diff._budget import Budget
    from saas_contracts.diff._sources import SchemaSet

_sre: Any = importlib.import_module("re._parser")
_consts: Any = importlib.import_module("re._constants")

_MAX_DEPTH = 7
_PER_LEVEL = 6
_PRINTABLE = [chr(code) for code in range(32, 127)]
_FORMAT_SAMPLES: dict[str, list[str]] = {
    "date-time": ["2026-01-01T00:00:00Z", "2026-11-21T10:00:00.125Z"],
    "date": ["2026-01-01"],
    "time": ["10:00:00Z"],
    "email": ["user@example.com"],
    "idn-email": ["user@example.com"],
    "hostname": ["example.com"],
    "ipv4": ["192.0.2.1"],
    "ipv6": ["2001:db8::1"],
    "uri": ["https://example.com/a"],
    "uri-reference": ["https://example.com/a", "a/b"],
    "iri": ["https://example.com/a"],
    "uuid": ["123e4567-e89b-42d3-a456-426614174000"],
    "duration": ["P1D"],
    "regex": ["^a$"],
    "json-pointer": ["/a"],
}
NOT_FORMATTED = ["", "x", "not-a-date", "2026-01-01T00:00:00+01:00", "2026-13-01T00:00:00Z", "a@", "::"]
"""Strings that fail most formats; tried when a format assertion is added or changed."""
PALETTE: list[Any] = [None, True, False, 0, 1, -1, 0.5, "", "a", "x" * 12, [], [None], {}, {"a": None}]
"""Values of every type, tried when anything at all may be a counterexample."""


@dataclass(frozen=True)
class AnyKey:
    """Some property name no ``properties``/``patternProperties`` entry declares."""

    declared: frozenset[str] = frozenset()


@dataclass(frozen=True)
class AnyItem:
    """Some array item at or after index ``start`` (past ``prefixItems``)."""

    start: int = 0


@dataclass(frozen=True)
class Contains:
    """An array item that ``contains`` is evaluated against."""


@dataclass(frozen=True)
class KeyOf:
    """A property name (checked by ``propertyNames``)."""


Step = str | int | AnyKey | AnyItem | Contains | KeyOf


class _Sentinel:
    """Marks where a hole's value goes; replaced before anything is validated."""

    def __repr__(self) -> str:
        return "<hole>"


HOLE = _Sentinel()
HOLE_KEY = "\x00hole\x00"


def regex_samples(pattern: str, count: int = 12, seed: int = 0, lengths: tuple[int, ...] = ()) -> list[str]:
    """Strings that match an ECMA-262 pattern (checked), varied by repetition and branch choice.

    ``lengths`` asks for strings near those lengths too: open repetitions are
    then filled greedily until the length budget is spent.
    """
    parsed = _parse(pattern)
    if parsed is None:
        return []
    compiled, tree = parsed
    rng = random.Random(seed)  # noqa: S311 - deterministic sampling, not cryptography
    found: dict[str, None] = {}
    plans: list[tuple[str, int | None]] = [
        (("min", "low", "random", "high")[i % 4], None) for i in range(count * 3)
    ]
    for length in lengths:
        plans[:0] = [("fill", length)] * 3
    sized: dict[str, None] = {}
    for mode, target in plans:
        try:
            text = _emit(tree, rng, mode, {}, [target or 0])
        except (ValueError, IndexError, RecursionError):
            continue
        if compiled.search(text):
            (sized if target is not None else found).setdefault(text, None)
        if len(found) >= count:
            break
    return [*sized, *found]


@functools.lru_cache(maxsize=1024)
def _parse(pattern: str) -> tuple[re.Pattern[str], Any] | None:
    try:
        compiled = compile_ecma(pattern)
        return compiled, _sre.parse(compiled.pattern, compiled.flags)
    except (ContractError, Exception):  # noqa: BLE001 - an unparsable pattern just yields no samples
        return None


_ALPHABETS: dict[int, tuple[Any, list[str]]] = {}


def _alphabet(items: Any) -> list[str]:
    """Printable ASCII members of a character class (cached per parsed class)."""
    cached = _ALPHABETS.get(id(items))
    if cached is not None and cached[0] is items:
        return cached[1]
    allowed = [ch for ch in _PRINTABLE if _in_set(items, ch)]
    _ALPHABETS[id(items)] = (items, allowed)
    return allowed


_MAX_SAMPLE_CHARS: Final = 8192
"""Longest sample a non-fill plan may spell (fill plans stop at their own target)."""


def _emit(  # noqa: C901, PLR0912, PLR0915 - one branch per regex opcode
    tree: Any,
    rng: random.Random,
    mode: str,
    groups: dict[int, str],
    budget: list[int],
) -> str:
    out: list[str] = []
    for op, av in tree:
        if budget[0] < -_MAX_SAMPLE_CHARS:
            # Nested repetitions (``(a{1,1000}){1,1000}``) would spell a million characters and
            # then be searched by a backtracking engine: such a plan yields no sample.
            raise ValueError("sample too long")
        name = op.name
        if name == "LITERAL":
            out.append(chr(av))
            budget[0] -= 1
        elif name == "NOT_LITERAL":
            out.append(next(ch for ch in "a0_ -" if ord(ch) != av))
            budget[0] -= 1
        elif name == "ANY":
            out.append("a")
            budget[0] -= 1
        elif name == "IN":
            allowed = _alphabet(av)
            if not allowed:
                raise ValueError("empty class")
            out.append(allowed[0] if mode == "min" else rng.choice(allowed))
            budget[0] -= 1
        elif name in {"MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"}:
            low, high, sub = av
            if mode == "fill":
                limit = 4096 if high == _consts.MAXREPEAT else high
                out.extend(_emit(sub, rng, mode, groups, budget) for _ in range(low))
                done = low
                while done < limit and budget[0] > 0:
                    out.append(_emit(sub, rng, mode, groups, budget))
                    done += 1
                continue
            high = low + 4 if high == _consts.MAXREPEAT else high
            count = {"min": low, "low": min(low + 1, high), "high": high}.get(mode, rng.randint(low, high))
            out.extend(_emit(sub, rng, mode, groups, budget) for _ in range(count))
        elif name == "SUBPATTERN":
            group, _, _, sub = av
            text = _emit(sub, rng, mode, groups, budget)
            if group is not None:
                groups[group] = text
            out.append(text)
        elif name == "BRANCH":
            _, alternatives = av
            choice = alternatives[0] if mode == "min" else rng.choice(alternatives)
            out.append(_emit(choice, rng, mode, groups, budget))
        elif name == "GROUPREF":
            out.append(groups.get(av, ""))
            budget[0] -= len(out[-1])
        elif name == "CATEGORY":
            out.append(_category_char(av.name))
            budget[0] -= 1
        elif name in {"AT", "ASSERT", "ASSERT_NOT"}:
            continue
        else:
            raise ValueError(name)
    return "".join(out)


def _category_char(category: str) -> str:
    if "NOT_DIGIT" in category:
        return "a"
    if "DIGIT" in category:
        return "0"
    if "NOT_WORD" in category:
        return "-"
    if "WORD" in category:
        return "a"
    if "NOT_SPACE" in category:
        return "a"
    return " "


def _in_set(items: Any, ch: str) -> bool:
    code = ord(ch)
    negate = False
    hit = False
    for op, av in items:
        name = op.name
        if name == "NEGATE":
            negate = True
        elif name == "LITERAL":
            hit = hit or code == av
        elif name == "RANGE":
            hit = hit or av[0] <= code <= av[1]
        elif name == "CATEGORY":
            hit = hit or _category_char(av.name) == ch or _category_matches(av.name, ch)
    return hit != negate


def _category_matches(category: str, ch: str) -> bool:
    tests = {
        "CATEGORY_DIGIT": ch.isdigit(),
        "CATEGORY_NOT_DIGIT": not ch.isdigit(),
        "CATEGORY_WORD": ch.isalnum() or ch == "_",
        "CATEGORY_NOT_WORD": not (ch.isalnum() or ch == "_"),
        "CATEGORY_SPACE": ch.isspace(),
        "CATEGORY_NOT_SPACE": not ch.isspace(),
    }
    return tests.get(category, False)


def number_candidates(kw: dict[str, Any], *, integer: bool) -> list[Any]:
    """Numbers near every bound and multiple the keywords mention (not yet filtered)."""
    points: list[Fraction] = [Fraction(0), Fraction(1), Fraction(-1)]
    for key in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        if key in kw:
            point = to_fraction(kw[key])
            points.extend([point, point + 1, point - 1, point + Fraction(1, 2), point - Fraction(1, 2)])
    step = to_fraction(kw["multipleOf"]) if "multipleOf" in kw else None
    found: list[Fraction] = []
    for point in points:
        if step:
            below = math.floor(point / step) * step
            found.extend([below, below + step, below - step])
        else:
            found.append(point)
    if not integer:
        found.extend([point + Fraction(1, 4) for point in points])
    result: dict[str, Any] = {}
    for value in found:
        if integer and value.denominator != 1:
            continue
        try:
            number: Any = int(value) if value.denominator == 1 else float(value)
        except OverflowError:  # a fraction past the float range has no JSON spelling we can check
            continue
        result.setdefault(canonical(number), number)
    return list(result.values())


_MAX_CONTAINS_COUNT = 8


class Generator:
    """Instances of one side's schemas, validated with jsonschema."""

    def __init__(
        self,
        side: SchemaSet,
        normalizer: Normalizer,
        *,
        format_assertion: bool,
        budget: Budget | None = None,
    ) -> None:
        """Bind to a side (its registry resolves refs), a format policy and the run's work budget."""
        self.side = side
        self.budget = budget
        self.normalizer = normalizer
        self.format_checker: FormatChecker | None = FORMAT_CHECKER if format_assertion else None
        self._validators: dict[str, Validator] = {}
        self._by_object: dict[int, tuple[Any, Validator]] = {}
        self._samples: dict[tuple[str, int, int], list[Any]] = {}
        self._holes: dict[tuple[str, tuple[Step, ...], int], list[Any]] = {}

    def validator(self, raw: Any) -> Validator:
        """A cached validator for a standalone (absolute-ref) schema.

        Looked up by the object first (nodes are built once and never mutated,
        so the same object is asked about many times), then by its canonical
        text; the object is kept alive with its entry, so its id stays unique.
        """
        if isinstance(raw, (dict, list)):
            known = self._by_object.get(id(raw))
            if known is not None and known[0] is raw:
                return known[1]
        key = canonical(raw)
        found = self._validators.get(key)
        if found is None:
            found = ContractValidator(raw, registry=self.side.registry, format_checker=self.format_checker)
            self._validators[key] = found
        if isinstance(raw, (dict, list)):
            self._by_object[id(raw)] = (raw, found)
        return found

    def is_valid(self, raw: Any, instance: Any) -> bool:
        """True when ``instance`` satisfies ``raw`` (any resolution trouble counts as invalid).

        Each call spends one unit of the budget; once it is spent this raises
        :class:`~saas_contracts.diff._budget.BudgetSpentError` (never a guess).
        """
        if self.budget is not None:
            self.budget.charge()
        try:
            return bool(self.validator(raw).is_valid(instance))
        except (ContractError, Exception):  # noqa: BLE001 - a schema we cannot evaluate decides nothing
            return False
        except BaseException as error:
            if type(error).__name__ != "PanicException":
                raise
            # pyo3's PanicException (a BaseException): referencing's Rust maps raise it when Python's
            # recursion limit is hit inside them, validating a schema that applies itself again with
            # no instance step between (``then: {$ref: "#/$defs/b"}`` in ``b``); same as RecursionError.
            return False

    def samples(
        self,
        raw: Any,
        limit: int = _PER_LEVEL,
        *,
        extra: list[Any] | None = None,
        depth: int = 0,
    ) -> list[Any]:
        """Up to ``limit`` distinct instances valid under ``raw``."""
        if depth > _MAX_DEPTH:
            return []
        memo = (canonical(raw), limit, depth)
        if not extra and memo in self._samples:
            return list(self._samples[memo])
        found: dict[str, Any] = {}
        for candidate in [*(extra or []), *self._candidates(raw, depth, None)]:
            key = canonical(candidate)
            if key not in found and self.is_valid(raw, candidate):
                found[key] = candidate
                if len(found) >= limit:
                    break
        result = list(found.values())
        if not extra:
            self._samples[memo] = result
        return list(result)

    def with_hole(self, raw: Any, steps: tuple[Step, ...], limit: int = 4) -> list[Any]:
        """Documents shaped by ``raw`` with :data:`HOLE` (or :data:`HOLE_KEY`) at ``steps``."""
        memo = (canonical(raw), steps, limit)
        if memo in self._holes:
            return list(self._holes[memo])
        found: dict[str, Any] = {}
        for candidate in self._candidates(raw, 0, steps):
            key = canonical(_mark(candidate))
            if key not in found and _contains_hole(candidate):
                found[key] = candidate
                if len(found) >= limit:
                    break
        self._holes[memo] = list(found.values())
        return list(found.values())

    # -- candidate construction ------------------------------------------------------------

    def _candidates(self, raw: Any, depth: int, hole: tuple[Step, ...] | None) -> list[Any]:  # noqa: C901, PLR0911, PLR0912
        if hole is not None and not hole:
            return [HOLE]
        if depth > _MAX_DEPTH or raw is False:
            return []
        if self.budget is not None:
            self.budget.charge()  # one unit per step: recursive schemas multiply the steps, not validations
        try:
            node = self.normalizer.node(raw, "")
        except ContractError:
            return []
        if node.boolean is False:
            return []
        if node.is_true and hole is None:
            return list(PALETTE)
        kw = node.kw
        for composite in ("anyOf", "oneOf"):
            if composite in kw:
                rest = {key: value for key, value in kw.items() if key != composite}
                out: list[Any] = []
                for branch in kw[composite]:
                    combined = {"allOf": [rest, branch]} if rest else branch
                    out.extend(self._candidates(combined, depth + 1, hole)[:_PER_LEVEL])
                return out
        if "allOf" in kw:
            rest = {key: value for key, value in kw.items() if key != "allOf"}
            return self._conjoin([rest or True, *kw["allOf"]], depth, hole)
        if "if" in kw:
            rest = {key: value for key, value in kw.items() if key not in {"if", "then", "else"}}
            then_branch = {"allOf": [rest, kw["if"], kw.get("then", True)]}
            else_branch = {"allOf": [rest, {"not": kw["if"]}, kw.get("else", True)]}
            return [
                *self._candidates(then_branch, depth + 1, hole)[:_PER_LEVEL],
                *self._candidates(else_branch, depth + 1, hole)[:_PER_LEVEL],
            ]
        if "enum" in kw and hole is None:
            return list(kw["enum"])
        if "not" in kw and hole is None:
            rest = {key: value for key, value in kw.items() if key != "not"}
            base = self._candidates(rest or True, depth + 1, None)
            return [*base, *PALETTE]
        return self._typed(node, depth, hole)

    def _conjoin(self, parts: list[Any], depth: int, hole: tuple[Step, ...] | None) -> list[Any]:
        per_part = [self._candidates(part, depth + 1, hole)[:_PER_LEVEL] for part in parts]
        out: list[Any] = []
        for index, options in enumerate(per_part):
            for option in options:
                merged = option
                for other_index, others in enumerate(per_part):
                    if (
                        other_index != index
                        and others
                        and isinstance(merged, dict)
                        and isinstance(others[0], dict)
                    ):
                        merged = {**others[0], **merged}
                out.append(merged)
        return out

    def _typed(self, node: Node, depth: int, hole: tuple[Step, ...] | None) -> list[Any]:
        kw = node.kw
        types = list(kw.get("type") or _guess_types(kw))
        if hole:
            head = hole[0]
            types = ["object"] if isinstance(head, (str, AnyKey, KeyOf)) else ["array"]
        out: list[Any] = []
        for kind in types:
            if kind == "object":
                out.extend(self._objects(node, depth, hole))
            elif kind == "array":
                out.extend(self._arrays(node, depth, hole))
            elif kind == "string":
                out.extend(self._strings(kw))
            elif kind in {"integer", "number"}:
                out.extend(number_candidates(kw, integer=kind == "integer"))
            elif kind == "boolean":
                out.extend([True, False])
            elif kind == "null":
                out.append(None)
        return out

    def _strings(self, kw: dict[str, Any]) -> list[str]:
        low = int(kw.get("minLength", 0))
        high = int(kw.get("maxLength", max(low, 8)))
        out: list[str] = []
        if "format" in kw:
            out.extend(_FORMAT_SAMPLES.get(str(kw["format"]), []))
        if "pattern" in kw:
            out.extend(regex_samples(str(kw["pattern"]), count=24))
            sized = [text for text in out if low <= len(text) <= high]
            if len(sized) < 2:
                targets = tuple(
                    dict.fromkeys(max(0, value) for value in (low, low - 1, low - 2, high, high - 2))
                )
                out.extend(regex_samples(str(kw["pattern"]), count=8, seed=7, lengths=targets))
        else:
            out.extend(
                ["a" * length for length in dict.fromkeys([low, max(low, 1), high, min(high, low + 1)])]
            )
            out.extend(["x", "", "ab c", "A1"])
        return out

    def _value_schema(self, kw: dict[str, Any], name: str) -> Any:
        properties = kw.get("properties", {})
        parts = [properties[name]] if name in properties else []
        for pattern, schema in kw.get("patternProperties", {}).items():
            try:
                if compile_ecma(pattern).search(name):
                    parts.append(schema)
            except ContractError:
                continue
        if not parts:
            parts.append(kw.get("additionalProperties", True))
        return parts[0] if len(parts) == 1 else {"allOf": parts}

    def _value(self, kw: dict[str, Any], name: str, depth: int) -> list[Any]:
        schema = self._value_schema(kw, name)
        return self.samples(schema, 2, depth=depth)

    def _fresh_key(self, kw: dict[str, Any]) -> str:
        declared = set(kw.get("properties", {}))
        names = kw.get("propertyNames")
        for candidate in [
            "extra",
            "extra_field",
            "x_extra",
            "zz",
            "z",
            "other",
            "unknown_field",
            "EXTRA",
            "x1",
        ]:
            if candidate in declared:
                continue
            if any(_search(pattern, candidate) for pattern in kw.get("patternProperties", {})):
                continue
            if names is not None and not self.is_valid(names, candidate):
                continue
            return candidate
        return "extra"

    def _objects(self, node: Node, depth: int, hole: tuple[Step, ...] | None) -> list[Any]:  # noqa: C901, PLR0912
        kw = node.kw
        properties: dict[str, Any] = kw.get("properties", {})
        required = [name for name in kw.get("required", []) if isinstance(name, str)]
        variants: list[list[str]] = [
            required,
            [*required, *[name for name in properties if name not in required]],
        ]
        out: list[Any] = []
        for names in variants:
            obj: dict[str, Any] = {}
            ok = True
            for name in names:
                values = self._value(kw, name, depth + 1)
                if not values:
                    if name in required:
                        ok = False
                        break
                    continue
                obj[name] = values[0]
            if not ok:
                continue
            for trigger, needed in kw.get("dependentRequired", {}).items():
                if trigger in obj:
                    for name in needed:
                        values = self._value(kw, name, depth + 1)
                        if values:
                            obj.setdefault(name, values[0])
            index = 0
            while len(obj) < int(kw.get("minProperties", 0)) and index < 64:
                index += 1
                extra = next((name for name in properties if name not in obj), None) or f"p{index}"
                values = self._value(kw, extra, depth + 1)
                if values:
                    obj[extra] = values[0]
            if hole:
                head, rest = hole[0], hole[1:]
                if isinstance(head, KeyOf):
                    values = self.samples(kw.get("additionalProperties", True), 1, depth=depth + 1) or [None]
                    out.append({**obj, HOLE_KEY: values[0]})
                    continue
                name = head if isinstance(head, str) else self._fresh_key(kw)
                inners = self._candidates(self._value_schema(kw, name), depth + 1, rest)[:3]
                out.extend({**obj, name: inner} for inner in inners)
                continue
            out.append(obj)
        if hole is None and "contains" not in kw and not required:
            out.append({})
        return out

    def _arrays(self, node: Node, depth: int, hole: tuple[Step, ...] | None) -> list[Any]:  # noqa: C901, PLR0912 - sizes, prefix, contains and holes
        kw = node.kw
        prefix: list[Any] = list(kw.get("prefixItems", []))
        items = kw.get("items", True)
        minimum = int(kw.get("minItems", 0))
        out: list[Any] = []
        for size in dict.fromkeys([minimum, max(minimum, len(prefix)), max(minimum, 1)]):
            array: list[Any] = []
            ok = True
            for index in range(size):
                schema = prefix[index] if index < len(prefix) else items
                values = self.samples(schema, 2, depth=depth + 1)
                if not values:
                    ok = False
                    break
                array.append(values[index % len(values)] if kw.get("uniqueItems") else values[0])
            if not ok:
                continue
            if "contains" in kw and hole is None:
                found = self.samples(kw["contains"], 1, depth=depth + 1)
                if found:
                    array = [found[0], *array[1:]] if array else [found[0]]
            if hole:
                head, rest = hole[0], hole[1:]
                if isinstance(head, int):
                    position = head
                elif isinstance(head, AnyItem):
                    position = max(head.start, len(prefix))
                else:
                    position = 0
                while len(array) < position:
                    schema = prefix[len(array)] if len(array) < len(prefix) else items
                    values = self.samples(schema, 1, depth=depth + 1)
                    if not values:
                        break
                    array.append(values[0])
                schema = (
                    kw.get("contains", True)
                    if isinstance(head, Contains)
                    else (prefix[position] if position < len(prefix) else items)
                )
                for inner in self._candidates(schema, depth + 1, rest)[:3]:
                    copy = list(array)
                    if position < len(copy):
                        copy[position] = inner
                    else:
                        copy.append(inner)
                    out.append(copy)
                continue
            out.append(array)
        if "contains" in kw and hole is None:
            out.extend(self._contains_counts(kw, depth))
        return out

    def _contains_counts(self, kw: dict[str, Any], depth: int) -> list[Any]:
        """Arrays with 0, 1, 2, minContains and maxContains (+1) matching items (the caller validates)."""
        found = self.samples(kw["contains"], 1, depth=depth + 1)
        if not found:
            return []
        counts = {0, 1, 2}
        for key in ("minContains", "maxContains"):
            value = kw.get(key)
            if isinstance(value, int) and value <= _MAX_CONTAINS_COUNT:
                counts.update({value, value + 1})
        return [[found[0]] * count for count in sorted(counts)]


def _search(pattern: str, text: str) -> bool:
    try:
        return bool(compile_ecma(pattern).search(text))
    except ContractError:
        return False


def _guess_types(kw: dict[str, Any]) -> list[str]:
    found = [kind for kind in ("object", "array", "string", "number") if TYPE_KEYWORDS[kind] & set(kw)]
    return [
        *found,
        *[kind for kind in ("null", "boolean", "integer", "string", "object", "array") if kind not in found],
    ]


def _contains_hole(value: Any) -> bool:
    if value is HOLE:
        return True
    if isinstance(value, dict):
        return HOLE_KEY in value or any(_contains_hole(item) for item in value.values())
    if isinstance(value, list):
        return any(_contains_hole(item) for item in value)
    return False


def _mark(value: Any) -> Any:
    if value is HOLE:
        return "\x00hole"
    if isinstance(value, dict):
        return {key: _mark(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_mark(item) for item in value]
    return value


def fill(value: Any, replacement: Any, *, remove: bool = False) -> tuple[Any, list[str | int]]:
    """Put ``replacement`` where the hole is (or drop the hole's key); return the doc and the hole's path."""
    path: list[str | int] = []

    def walk(node: Any, trail: list[str | int]) -> Any:
        if node is HOLE:
            path.extend(trail)
            return replacement
        if isinstance(node, dict):
            result: dict[str, Any] = {}
            for key, item in node.items():
                if key == HOLE_KEY:
                    path.extend([*trail, str(replacement)])
                    if not remove:
                        result[str(replacement)] = walk(item, [*trail, key])
                    continue
                if item is HOLE and remove:
                    path.extend([*trail, key])
                    continue
                result[key] = walk(item, [*trail, key])
            return result
        if isinstance(node, list):
            return [walk(item, [*trail, index]) for index, item in enumerate(node)]
        return node

    return walk(value, []), path
