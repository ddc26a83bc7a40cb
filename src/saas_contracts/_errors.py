"""The one exception hierarchy and the violation record every check returns.

Every error this package raises derives from :class:`ContractError`; leaf
errors also derive from the builtin that fits, so callers can catch either.
No message built here ever contains an instance value in full: values are
shown through :func:`saas_contracts._mask.mask`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence


@dataclass(frozen=True, kw_only=True, order=True)
class Violation:
    """One reason an instance breaks a contract.

    Field order is the sort order: by instance location first, so reports
    read top to bottom like the document they describe.
    """

    pointer: str
    """RFC 6901 JSON Pointer into the instance ("" is the whole document)."""
    keyword: str
    """The JSON Schema keyword (or runtime rule keyword) that failed."""
    message: str
    """A human sentence; never contains the offending value in full."""
    rule: str = ""
    """What was checked: a schema name, or a runtime rule id."""
    schema_pointer: str = ""
    """Where in the schema the failing keyword lives, when there is one."""

    def to_json(self) -> dict[str, str]:
        """Plain JSON form used by every machine-readable report."""
        return {
            "pointer": self.pointer,
            "keyword": self.keyword,
            "message": self.message,
            "rule": self.rule,
            "schema_pointer": self.schema_pointer,
        }


def sorted_violations(violations: Iterable[Violation]) -> tuple[Violation, ...]:
    """Deterministic order with exact duplicates removed."""
    return tuple(sorted(set(violations)))


class ContractError(Exception):
    """Base class of every error raised by saas-contracts."""


class UnknownSchemaError(ContractError, LookupError):
    """No schema with that name, path or ``$id`` is packaged."""

    def __init__(self, ref: str, known: Sequence[str] = ()) -> None:
        self.ref = ref
        self.known = tuple(known)
        hint = f"; known schemas: {', '.join(self.known)}" if self.known else ""
        super().__init__(f"unknown schema {ref!r}{hint}")


class UnresolvableReferenceError(ContractError, LookupError):
    """A ``$ref`` points outside the packaged registry; nothing is fetched."""

    def __init__(self, ref: str, *, schema: str = "") -> None:
        self.ref = ref
        self.schema = schema
        where = f" (from {schema})" if schema else ""
        super().__init__(
            f"$ref {ref!r}{where} does not resolve inside the offline schema registry; "
            "saas-contracts never fetches remote schemas",
        )


class SchemaDefinitionError(ContractError, ValueError):
    """A schema document itself is malformed (not valid against its metaschema)."""


class ContractViolationError(ContractError, ValueError):
    """An instance does not satisfy a schema; carries sorted violations."""

    def __init__(self, schema: str, violations: Sequence[Violation]) -> None:
        self.schema = schema
        self.violations = sorted_violations(violations)
        first = self.violations[0] if self.violations else None
        detail = f": {first.pointer or '/'}: {first.message}" if first else ""
        more = f" (+{len(self.violations) - 1} more)" if len(self.violations) > 1 else ""
        super().__init__(f"instance is not a valid {schema}{detail}{more}")


class InputFileError(ContractError, ValueError):
    """An input file cannot be read or parsed; says which file and where."""

    def __init__(self, path: str, reason: str, *, line: int | None = None) -> None:
        self.path = path
        self.reason = reason
        self.line = line
        where = f"{path}:{line}" if line is not None else path
        super().__init__(f"{where}: {reason}")


class PrivacyViolationError(ContractError, ValueError):
    """An artifact that must be public-safe contains forbidden material."""
