"""Exact conversion between validated JSON and the generated dataclasses.

The dataclasses under ``saas_contracts._generated`` are produced from the
schemas by datamodel-code-generator; wire types stay wire types (timestamps
are strings), so ``to_json(from_json(cls, data)) == data`` holds exactly, and
the canonical JSON bytes of both sides are equal. An optional property that is
absent in the JSON is ``None`` on the dataclass and absent again on the way
back; our schemas never use ``null`` for "absent", which is what makes the
round trip exact.

    >>> from saas_contracts.models import load_model
    >>> event = load_model("usage-ledger/v1/event", data)   # validates, then converts
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
from typing import Any, Literal, TypeVar, Union, cast, get_args, get_origin

from saas_contracts._registry import default_catalog
from saas_contracts._validation import ensure_valid
from saas_contracts.errors import ModelConversionError

__all__ = ["ModelConversionError", "from_json", "load_model", "model_for", "to_json"]

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


def load_model(schema: str, data: object) -> Any:
    """Validate ``data`` against ``schema`` (raising on violations), then convert it."""
    ensure_valid(data, schema)
    return from_json(model_for(schema), data)
