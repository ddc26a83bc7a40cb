"""Exact conversion between validated JSON and the generated dataclasses.

The dataclasses under ``saas_contracts._generated`` are produced from the
schemas by datamodel-code-generator; wire types stay wire types (timestamps
are strings), so ``to_json(from_json(cls, data)) == data`` holds exactly, and
the canonical JSON bytes of both sides are equal. An optional property that is
absent in the JSON is ``None`` on the dataclass and absent again on the way
back; our schemas never use ``null`` for "absent", which is what makes the
round trip exact.

Products import the classes from the public, generated re-export modules
(``saas_contracts.models.<contract>.v<major>``); each of those carries the
table of its public names and the schema (``name#fragment``) every class
validates against, which is how ``load_model(UsageEvent, data)`` knows what to
check.

    >>> from saas_contracts.models import load_model, to_json
    >>> from saas_contracts.models.usage_ledger.v1 import UsageEvent
    >>> event = load_model(UsageEvent, data)   # validates, then converts; typed as UsageEvent
    >>> to_json(event) == data
    True
"""

from __future__ import annotations

import dataclasses
import functools
import importlib
import re
import types
import typing
from typing import TYPE_CHECKING, Any, Literal, TypeVar, Union, cast, get_args, get_origin, overload

from saas_contracts._registry import default_catalog
from saas_contracts._validation import validate
from saas_contracts.errors import ModelConversionError, ModelValidationError

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from saas_contracts import Violation

__all__ = [
    "ModelConversionError",
    "ModelValidationError",
    "as_json",
    "ensure_model_valid",
    "from_json",
    "load_model",
    "model_for",
    "public_name",
    "schema_for",
    "to_json",
]

T = TypeVar("T")
_WORD = re.compile(r"[A-Za-z0-9]+")


def _field_name(key: str) -> str:
    # datamodel-code-generator spells "$schema" as "field_schema"; other names are kept
    # as they are (the schema hygiene tests keep property names snake_case identifiers).
    return "field_" + key[1:] if key.startswith("$") else key


def _json_key(name: str) -> str:
    return "$" + name.removeprefix("field_") if name.startswith("field_") else name


def _fail(path: str, message: str) -> ModelConversionError:
    return ModelConversionError(f"{path or '/'}: {message}")


_HINTS: dict[type[Any], dict[str, Any]] = {}


def _hints(cls: type[Any]) -> dict[str, Any]:
    hints = _HINTS.get(cls)
    if hints is None:
        hints = _HINTS[cls] = typing.get_type_hints(cls)
    return hints


def _convert(hint: Any, value: Any, path: str) -> Any:  # noqa: C901, PLR0911, PLR0912 - one branch per typing form
    origin = get_origin(hint)
    if hint is Any or hint is object:
        return value
    if origin in (Union, types.UnionType):
        options = get_args(hint)
        if value is None:
            if type(None) in options:
                return None
            raise _fail(path, "null is not allowed here")
        errors: list[str] = []
        for option in options:
            if option is type(None):
                continue
            try:
                return _convert(option, value, path)
            except ModelConversionError as error:
                errors.append(str(error))
        raise _fail(path, "fits none of the alternatives (" + "; ".join(errors) + ")")
    if origin is Literal:
        if value in get_args(hint) and type(value) in {type(arg) for arg in get_args(hint)}:
            return value
        raise _fail(path, f"must be one of {list(get_args(hint))}")
    if dataclasses.is_dataclass(hint) and isinstance(hint, type):
        if not isinstance(value, dict):
            raise _fail(path, f"expected an object for {hint.__name__}")
        return _from_dict(hint, value, path)
    if origin is list:
        if not isinstance(value, list):
            raise _fail(path, "expected an array")
        (item,) = get_args(hint) or (Any,)
        return [_convert(item, element, f"{path}/{index}") for index, element in enumerate(value)]
    if origin is dict:
        if not isinstance(value, dict):
            raise _fail(path, "expected an object")
        _, item = get_args(hint) or (str, Any)
        return {key: _convert(item, element, f"{path}/{key}") for key, element in value.items()}
    if hint is float:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return value  # keep 5 as 5 and 5.0 as 5.0: the JSON spelling survives
        raise _fail(path, "expected a number")
    if isinstance(hint, type):
        if isinstance(value, hint) and not (hint is int and isinstance(value, bool)):
            return value
        raise _fail(path, f"expected {hint.__name__}")
    raise _fail(path, f"unsupported annotation {hint!r}")


def _from_dict(cls: type[T], data: dict[str, Any], path: str) -> T:
    hints = _hints(cast("type[Any]", cls))
    fields = {field.name: field for field in dataclasses.fields(cls)}  # type: ignore[arg-type]
    data = {_field_name(key): value for key, value in data.items()}
    unknown = sorted(set(data) - set(fields))
    if unknown:
        raise _fail(
            path, f"{len(unknown)} propert{'y' if len(unknown) == 1 else 'ies'} not in {cls.__name__}"
        )
    kwargs: dict[str, Any] = {}
    for name, field in fields.items():
        if name in data:
            kwargs[name] = _convert(hints[name], data[name], f"{path}/{name}")
        elif field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING:
            raise _fail(path, f"missing required property {name!r} of {cls.__name__}")
    return cls(**kwargs)


def from_json(cls: type[T], data: object) -> T:
    """Build ``cls`` (a generated dataclass) from parsed JSON, exactly."""
    if not isinstance(data, dict):
        raise _fail("", f"expected an object for {cls.__name__}")
    return _from_dict(cls, data, "")


def _dump(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            _json_key(field.name): _dump(getattr(value, field.name))
            for field in dataclasses.fields(value)
            if getattr(value, field.name) is not None
        }
    if isinstance(value, list):
        return [_dump(item) for item in value]
    if isinstance(value, dict):
        return {key: _dump(item) for key, item in value.items()}
    return value


def to_json(instance: object) -> dict[str, Any]:
    """The JSON object for a generated dataclass instance (absent optionals omitted)."""
    if not dataclasses.is_dataclass(instance) or isinstance(instance, type):
        raise ModelConversionError("to_json expects a dataclass instance")
    dumped: dict[str, Any] = _dump(instance)
    return dumped


def _class_name(title: str) -> str:
    return "".join(word[:1].upper() + word[1:].lower() for word in _WORD.findall(title))


@functools.cache
def model_for(schema: str) -> type[Any]:
    """The generated root dataclass of a packaged schema (name, path or ``$id``).

    The root is the dataclass whose fields are exactly the schema's top-level
    ``properties``; when several match, the one named after the ``title`` wins.
    """
    info = default_catalog().get(schema)
    module_name = "saas_contracts._generated." + ".".join(
        [
            info.contract.replace("-", "_"),
            f"v{info.major}",
            info.name.rsplit("/", 1)[1].replace("-", "_") + "_schema",
        ],
    )
    module = importlib.import_module(module_name)
    wanted = {_field_name(name) for name in info.contents.get("properties", {})}
    candidates = [
        value
        for value in vars(module).values()
        if isinstance(value, type)
        and dataclasses.is_dataclass(value)
        and value.__module__ == module.__name__
        and {field.name for field in dataclasses.fields(value)} == wanted
    ]
    by_title = [
        candidate for candidate in candidates if candidate.__name__.lower() == _class_name(info.title).lower()
    ]
    chosen = by_title or candidates
    if len(chosen) != 1:
        raise ModelConversionError(f"{info.name}: cannot identify the generated root dataclass")
    return chosen[0]


def _public_entry(cls: type[Any]) -> tuple[str, str] | None:
    # saas_contracts._generated.<contract>.v<major>.<file> -> saas_contracts.models.<contract>.v<major>,
    # whose generated table maps each public class to (public name, schema reference).
    parts = cls.__module__.split(".")
    if parts[:2] != ["saas_contracts", "_generated"] or len(parts) != 5:
        return None
    try:
        public = importlib.import_module(".".join(["saas_contracts", "models", parts[2], parts[3]]))
    except ModuleNotFoundError:
        return None
    table: Mapping[type[Any], tuple[str, str]] = getattr(public, "_MODELS", {})
    return table.get(cls)


_ENTRIES: dict[type[Any], tuple[str, str]] = {}


def _entry(cls: type[Any]) -> tuple[str, str]:
    entry = _ENTRIES.get(cls) or _public_entry(cls) or _root_entry(cls)
    _ENTRIES[cls] = entry
    return entry


def _root_entry(cls: type[Any]) -> tuple[str, str]:
    # Not in a public table: a generated root class still has its schema (the file it came from).
    parts = cls.__module__.split(".")
    if parts[:2] == ["saas_contracts", "_generated"] and len(parts) == 5 and parts[4].endswith("_schema"):
        schema = "/".join([parts[2].replace("_", "-"), parts[3], parts[4].removesuffix("_schema").replace("_", "-")])
        if schema in {info.name for info in default_catalog()} and model_for(schema) is cls:
            return cls.__name__, schema
    raise ModelConversionError(
        f"{cls.__name__} is not a contract model (import models from saas_contracts.models.<contract>.v<major>)"
    )


def schema_for(model: type[Any]) -> str:
    """The schema reference (``name`` or ``name#/pointer``) a model class validates against."""
    return _entry(model)[1]


def public_name(model: type[Any]) -> str:
    """The public name of a model class (``UsageEvent`` for the generated ``UsageEventEnvelope``)."""
    return _entry(model)[0]


def _ensure(data: object, name: str, schema: str) -> None:
    violations = validate(data, schema)
    if violations:
        raise ModelValidationError(name, schema, violations)


@overload
def load_model(target: type[T], data: object, /) -> T: ...
@overload
def load_model(target: str, data: object, /) -> Any: ...
def load_model(target: type[Any] | str, data: object, /) -> Any:
    """Validate ``data`` against the contract schema, then convert it to the model.

    ``target`` is a public model class (the result is typed as that class) or a
    schema name, path or ``$id`` (the result is the schema's root dataclass).
    Raises :class:`ModelValidationError` (a ``ContractViolationError``) naming
    the first failing field and its JSON Pointer.
    """
    if isinstance(target, str):
        cls = model_for(target)
        name, schema = cls.__name__, target
    else:
        cls = target
        name, schema = _entry(target)
    _ensure(data, name, schema)
    return from_json(cls, data)


def ensure_model_valid(instance: object) -> None:
    """Raise :class:`ModelValidationError` unless a built model satisfies its contract schema.

    Building a model with keyword arguments checks nothing at run time; this
    validates its exact JSON (``to_json(instance)``) like :func:`load_model` does.
    """
    data = to_json(instance)
    name, schema = _entry(type(instance))
    _ensure(data, name, schema)


def as_json(value: object) -> object:
    """``to_json(value)`` for a model instance; any other value unchanged (the runtime's boundary)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return to_json(value)
    return value
