"""Validation against the packaged schemas, with our own public-safe messages.

One validator class (Draft 2020-12 with ECMA-262 ``pattern`` semantics and a
RFC 3339 ``date-time``/``time`` format checks) bound to the offline registry, cached per
schema. Violations are ours: jsonschema's messages quote instance values
(``'cus_…' does not match …``), which would leak the very ids the privacy rules
forbid, so every message here is written per keyword and shows at most a
masked preview.

The bulk paths (ledger replay, entitlement writes) first ask :func:`schema_check`
for a yes/no: a compiled jsonschema-rs validator over the same packaged schemas
and offline registry when installed, this module's validator otherwise.
jsonschema stays the reference and the source of every violation message:
whenever the fast check says "invalid", the caller runs :func:`validate` to
explain why, and its verdict wins. Two known differences remain and are closed
by the callers: jsonschema-rs accepts year ``0000`` and leap seconds (``:60``)
in ``date-time``, the reference does not; :func:`saas_contracts._time`
parsing rejects both, so the replay's combined verdict is the reference's.
A differential test proves equal verdicts on examples and generated streams.
"""

from __future__ import annotations

import functools
import json
from typing import TYPE_CHECKING, Any, Final, Literal

import referencing.exceptions
from jsonschema import Draft202012Validator, ValidationError, validators
from jsonschema.exceptions import SchemaError, best_match

from saas_contracts._ecma import compile_ecma
from saas_contracts._formats import FORMAT_CHECKER
from saas_contracts._jsontype import json_type
from saas_contracts._mask import mask, pointer
from saas_contracts._pointer import format_pointer
from saas_contracts._registry import DIALECT, SchemaCatalog, default_catalog, refuse_retrieval
from saas_contracts.errors import (
    ContractViolationError,
    SchemaDefinitionError,
    UnresolvableReferenceError,
    Violation,
    sorted_violations,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator, Mapping
    from types import ModuleType

    from jsonschema.protocols import Validator

    from saas_contracts._user_schemas import UserSchema


def _pattern(validator: Any, pattern: str, instance: Any, _schema: Any) -> Iterator[ValidationError]:
    if validator.is_type(instance, "string") and not compile_ecma(pattern).search(instance):
        yield ValidationError(f"does not match {pattern!r}")


def _pattern_properties(
    validator: Any,
    patterns: Mapping[str, Any],
    instance: Any,
    _schema: Any,
) -> Iterator[ValidationError]:
    if not validator.is_type(instance, "object"):
        return
    for pattern, subschema in patterns.items():
        regex = compile_ecma(pattern)
        for key, value in instance.items():
            if regex.search(key):
                yield from validator.descend(value, subschema, path=key, schema_path=pattern)


def _additional_keys(instance: Mapping[str, Any], schema: Mapping[str, Any]) -> list[str]:
    declared = schema.get("properties", {})
    patterns = [compile_ecma(p) for p in schema.get("patternProperties", {})]
    return [
        key for key in instance if key not in declared and not any(regex.search(key) for regex in patterns)
    ]


def _additional_properties(
    validator: Any,
    additional: Any,
    instance: Any,
    schema: Mapping[str, Any],
) -> Iterator[ValidationError]:
    if not validator.is_type(instance, "object"):
        return
    extras = _additional_keys(instance, schema)
    if validator.is_type(additional, "object"):
        for extra in extras:
            yield from validator.descend(instance[extra], additional, path=extra)
    elif additional is False and extras:
        yield ValidationError("additional properties are not allowed")


def _is_valid(errors: Iterator[ValidationError]) -> bool:
    return next(errors, None) is None


def _evaluated_keys(validator: Any, instance: Mapping[str, Any], schema: Any) -> set[str]:  # noqa: C901, PLR0912 - mirrors jsonschema's walk
    """The keys ``schema`` evaluates (jsonschema's walk, with ECMA-262 ``patternProperties``)."""
    if not isinstance(schema, dict):
        return set()
    keys: set[str] = set()
    for keyword in ("$ref", "$dynamicRef"):
        if (ref := schema.get(keyword)) is not None:
            resolved = validator._resolver.lookup(ref)  # noqa: SLF001 - jsonschema's own walk does the same
            inner = validator.evolve(schema=resolved.contents, _resolver=resolved.resolver)
            keys |= _evaluated_keys(inner, instance, resolved.contents)
    properties = schema.get("properties")
    if isinstance(properties, dict):
        keys |= properties.keys() & instance.keys()
    for keyword in ("additionalProperties", "unevaluatedProperties"):
        if (subschema := schema.get(keyword)) is not None:
            keys |= {key for key, value in instance.items() if _is_valid(validator.descend(value, subschema))}
    patterns = [compile_ecma(pattern) for pattern in schema.get("patternProperties", {})]
    keys |= {key for key in instance if any(regex.search(key) for regex in patterns)}
    for trigger, subschema in schema.get("dependentSchemas", {}).items():
        if trigger in instance:
            keys |= _evaluated_keys(validator, instance, subschema)
    for keyword in ("allOf", "oneOf", "anyOf"):
        for subschema in schema.get(keyword, []):
            if _is_valid(validator.descend(instance, subschema)):
                keys |= _evaluated_keys(validator, instance, subschema)
    if "if" in schema:
        if validator.evolve(schema=schema["if"]).is_valid(instance):
            keys |= _evaluated_keys(validator, instance, schema["if"])
            if "then" in schema:
                keys |= _evaluated_keys(validator, instance, schema["then"])
        elif "else" in schema:
            keys |= _evaluated_keys(validator, instance, schema["else"])
    return keys


def _unevaluated_properties(
    validator: Any,
    unevaluated: Any,
    instance: Any,
    schema: Mapping[str, Any],
) -> Iterator[ValidationError]:
    if not validator.is_type(instance, "object"):
        return
    evaluated = _evaluated_keys(validator, instance, schema)
    failing = [
        key
        for key in instance
        if key not in evaluated
        and not _is_valid(validator.descend(instance[key], unevaluated, path=key, schema_path=key))
    ]
    if failing:
        yield ValidationError(f"{len(failing)} unevaluated properties are not allowed")


ContractValidator = validators.extend(  # type: ignore[no-untyped-call]
    Draft202012Validator,
    validators={
        "pattern": _pattern,
        "patternProperties": _pattern_properties,
        "additionalProperties": _additional_properties,
        "unevaluatedProperties": _unevaluated_properties,
    },
    format_checker=FORMAT_CHECKER,
)
"""Draft 2020-12 with ECMA-262 regular expressions (see :mod:`saas_contracts._ecma`).

``check_schema`` judges ``format: regex`` (every ``pattern`` and ``patternProperties``
key) as ECMA-262 and ``date-time``/``time`` as RFC 3339 (see :mod:`saas_contracts._formats`).
"""


def _check_schema(_cls: Any, schema: Any, format_checker: Any = FORMAT_CHECKER) -> None:
    Draft202012Validator.check_schema(schema, format_checker=format_checker)


# jsonschema's check_schema takes the metaschema's own validator class, hence its stock format
# checker (Python `re` for `format: regex`); ours must judge patterns as ECMA-262 for every caller.
ContractValidator.check_schema = classmethod(_check_schema)


def _literal(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _choices(values: list[Any]) -> str:
    if len(values) > 8:
        return f"one of {len(values)} allowed values"
    return "one of " + ", ".join(_literal(v) for v in values)


def _schema_pointer(error: ValidationError) -> str:
    return format_pointer(error.absolute_schema_path)


def _base(error: ValidationError, rule: str, *, extra: Iterable[str | int] = ()) -> dict[str, str]:
    return {
        "pointer": pointer([*error.absolute_path, *extra]),
        "rule": rule,
        "schema_pointer": _schema_pointer(error),
    }


_SIMPLE: dict[str, str] = {
    "minLength": "must be at least {v} characters long (is {n})",
    "maxLength": "must be at most {v} characters long (is {n})",
    "minimum": "must be >= {v}",
    "maximum": "must be <= {v}",
    "exclusiveMinimum": "must be > {v}",
    "exclusiveMaximum": "must be < {v}",
    "multipleOf": "must be a multiple of {v}",
    "minItems": "must have at least {v} items (has {n})",
    "maxItems": "must have at most {v} items (has {n})",
    "minProperties": "must have at least {v} properties (has {n})",
    "maxProperties": "must have at most {v} properties (has {n})",
    "uniqueItems": "items must be unique",
    "format": "must be a valid {v}",
    "contains": "must contain an item matching the 'contains' schema",
    "minContains": "must contain at least {v} items matching the 'contains' schema",
    "maxContains": "must contain at most {v} items matching the 'contains' schema",
    "not": "must not match the schema under 'not'",
    "unevaluatedProperties": "has properties this schema does not declare",
    "unevaluatedItems": "has items this schema does not declare",
}


def _message(error: ValidationError) -> str:  # noqa: PLR0911 - one return per keyword family
    keyword = str(error.validator)
    value: Any = error.validator_value
    instance: Any = error.instance
    if keyword == "type":
        expected = " or ".join(value) if isinstance(value, list) else str(value)
        return f"expected {expected}, got {json_type(instance)}"
    if keyword == "enum":
        return f"must be {_choices(list(value))} (got {mask(instance)})"
    if keyword == "const":
        return f"must equal {_literal(value)} (got {mask(instance)})"
    if keyword == "pattern":
        return f"must match pattern {value} (got {mask(instance)})"
    if keyword in {"anyOf", "oneOf"}:
        if keyword == "oneOf" and not error.context:
            return "matches more than one alternative under 'oneOf'"
        closest = best_match(error.context) if error.context else None
        hint = ""
        if closest is not None:
            where = pointer(closest.absolute_path) or "/"
            hint = f"; closest: {where} {_message(closest)}"
        return f"matches none of the {len(value)} alternatives under '{keyword}'{hint}"
    if keyword in _SIMPLE:
        size = len(instance) if isinstance(instance, (str, list, dict)) else 0
        return _SIMPLE[keyword].format(v=value, n=size)
    if keyword == "None" or error.validator is None:
        return "no value is allowed here (false schema)"
    return f"fails '{keyword}'"


def violations_from_errors(errors: Iterable[ValidationError], rule: str) -> tuple[Violation, ...]:
    """Translate jsonschema errors into sorted, public-safe violations."""
    found: list[Violation] = []
    for error in errors:
        keyword = str(error.validator)
        value: Any = error.validator_value
        instance: Any = error.instance
        inside_property_names = "propertyNames" in error.relative_schema_path
        if keyword == "required":
            missing = [name for name in value if name not in instance]
            found.extend(
                Violation(
                    keyword="required", message=f"missing required property {name!r}", **_base(error, rule)
                )
                for name in missing
            )
        elif keyword == "dependentRequired":
            for trigger, needed in value.items():
                if trigger in instance:
                    found.extend(
                        Violation(
                            keyword=keyword,
                            message=f"missing property {name!r}, required when {trigger!r} is present",
                            **_base(error, rule),
                        )
                        for name in needed
                        if name not in instance
                    )
        elif keyword == "additionalProperties" and value is False:
            schema: Any = error.schema
            extras = _additional_keys(instance, schema)
            found.extend(
                Violation(
                    keyword=keyword,
                    message="property is not allowed here (closed object)",
                    **_base(error, rule, extra=[extra]),
                )
                for extra in extras
            )
        elif inside_property_names:
            found.append(
                Violation(
                    keyword="propertyNames",
                    message=f"property name {mask(instance)} is not allowed: {_message(error)}",
                    **_base(error, rule),
                ),
            )
        else:
            found.append(Violation(keyword=keyword, message=_message(error), **_base(error, rule)))
    return sorted_violations(found)


class Validators:
    """Cached validators for one catalog; the module functions use the packaged one."""

    def __init__(self, catalog: SchemaCatalog) -> None:
        """Bind to a catalog; validators are built lazily, once per schema."""
        self.catalog = catalog
        self._cache: dict[str, Validator] = {}

    def name_of(self, schema: str) -> str:
        """The canonical name of a schema reference: ``name`` or ``name#/json/pointer``."""
        info = self.catalog.get(schema)
        _, _, fragment = schema.partition("#")
        return f"{info.name}#{fragment}" if fragment else info.name

    def validator_for(self, schema: str) -> Validator:
        """The compiled validator for a schema name, path or ``$id``.

        A fragment selects a subschema, e.g. ``common/v1/common#/$defs/quantity``.
        """
        info = self.catalog.get(schema)
        key = self.name_of(schema)
        cached = self._cache.get(key)
        if cached is None:
            try:
                ContractValidator.check_schema(info.contents)
            except SchemaError as error:
                raise SchemaDefinitionError(f"{info.name}: {error.message}") from error
            _, _, fragment = schema.partition("#")
            contents: Mapping[str, Any] = (
                {"$schema": DIALECT, "$ref": f"{info.id}#{fragment}"} if fragment else info.contents
            )
            cached = ContractValidator(
                contents, registry=self.catalog.registry, format_checker=FORMAT_CHECKER
            )
            if fragment:
                self._check_fragment(cached, key)
            self._cache[key] = cached
        return cached

    @staticmethod
    def _check_fragment(validator: Validator, key: str) -> None:
        try:
            validator.is_valid(None)
        except referencing.exceptions.Unresolvable as error:
            raise UnresolvableReferenceError(key.partition("#")[2], schema=key) from error

    def validate(self, instance: Any, schema: str) -> tuple[Violation, ...]:
        """All violations of ``instance`` against ``schema``, sorted; empty when valid."""
        validator = self.validator_for(schema)
        name = self.name_of(schema)
        try:
            return violations_from_errors(validator.iter_errors(instance), name)
        except referencing.exceptions.Unresolvable as error:
            raise UnresolvableReferenceError(str(getattr(error, "ref", error)), schema=name) from error

    def is_valid(self, instance: Any, schema: str) -> bool:
        """Fast yes/no; stops at the first error."""
        validator = self.validator_for(schema)
        try:
            return bool(validator.is_valid(instance))
        except referencing.exceptions.Unresolvable as error:
            raise UnresolvableReferenceError(str(getattr(error, "ref", error)), schema=schema) from error

    def ensure_valid(self, instance: object, schema: str) -> None:
        """Raise :class:`ContractViolationError` (with every violation) unless valid."""
        violations = self.validate(instance, schema)
        if violations:
            raise ContractViolationError(self.name_of(schema), violations)


@functools.cache
def default_validators() -> Validators:
    """Validators over the packaged schemas."""
    return Validators(default_catalog())


def validator_for(schema: str | UserSchema) -> Validator:
    """The cached validator for a packaged schema (name, path or ``$id``) or a loaded user schema."""
    if not isinstance(schema, str):
        return schema.validator
    return default_validators().validator_for(schema)


def validate(instance: object, schema: str | UserSchema) -> tuple[Violation, ...]:
    """Validate against a packaged schema or a user schema; return sorted violations (empty when valid)."""
    if not isinstance(schema, str):
        return schema.validate(instance)
    return default_validators().validate(instance, schema)


def is_valid(instance: object, schema: str | UserSchema) -> bool:
    """True when ``instance`` satisfies the packaged ``schema`` (or the user schema)."""
    if not isinstance(schema, str):
        return schema.is_valid(instance)
    return default_validators().is_valid(instance, schema)


def ensure_valid(instance: object, schema: str | UserSchema) -> None:
    """Raise :class:`ContractViolationError` unless ``instance`` satisfies ``schema``."""
    if not isinstance(schema, str):
        schema.ensure_valid(instance)
        return
    default_validators().ensure_valid(instance, schema)


ValidatorChoice = Literal["auto", "fast", "reference"]
VALIDATOR_CHOICES: Final = ("auto", "fast", "reference")


@functools.cache
def _rs_module() -> ModuleType | None:
    try:
        import jsonschema_rs  # noqa: PLC0415 - optional accelerator
    except ImportError:  # pragma: no cover - exercised only without the wheel
        return None
    return jsonschema_rs


@functools.cache
def _rs_validator(schema: str, unchecked: frozenset[str] = frozenset()) -> Callable[[object], bool] | None:
    jsonschema_rs = _rs_module()
    if jsonschema_rs is None:  # pragma: no cover - exercised only without the wheel
        return None
    catalog = default_catalog()
    registry = jsonschema_rs.Registry([(info.id, dict(info.contents)) for info in catalog])
    info = catalog.get(schema)
    contents = dict(info.contents)
    if unchecked:
        properties = dict(contents["properties"])
        properties.update(dict.fromkeys(unchecked, True))
        contents["properties"] = properties
    compiled = jsonschema_rs.Draft202012Validator(
        contents,
        validate_formats=True,
        registry=registry,
        retriever=refuse_retrieval,
    )
    check: Callable[[object], bool] = compiled.is_valid
    return check


def fast_available() -> bool:
    """Return True when the jsonschema-rs accelerator can be used."""
    return _rs_module() is not None


def schema_check(schema: str, choice: ValidatorChoice = "auto") -> Callable[[object], bool]:
    """Return a yes/no check of a packaged schema for the bulk paths.

    ``reference``: jsonschema. ``fast``: jsonschema-rs (error if missing).
    ``auto``: jsonschema-rs when installed, else jsonschema.
    """
    if choice != "reference":
        fast = _rs_validator(schema)
        if fast is not None:
            return fast
        if choice == "fast":
            raise ImportError("the 'fast' validator needs jsonschema-rs (pip install jsonschema-rs)")
    return functools.partial(_reference_is_valid, schema=schema)


def schema_check_trusting(schema: str, trusted: frozenset[str]) -> Callable[[object], bool]:
    """A yes/no check of a packaged object schema that takes the ``trusted`` top-level properties as valid.

    For a bulk path that already knows those members are valid (checked a
    moment ago, and not changed since): only their presence and every other
    member are checked. The reference validator (no jsonschema-rs) checks
    everything, which is stricter.
    """
    fast = _rs_validator(schema, trusted)
    return fast if fast is not None else functools.partial(_reference_is_valid, schema=schema)


def _reference_is_valid(instance: object, *, schema: str) -> bool:
    return is_valid(instance, schema)
