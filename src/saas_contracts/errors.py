"""Every error saas-contracts raises, and the violation record every check returns.

Every error derives from :class:`ContractError`; leaf errors also derive from
the builtin that fits, so callers can catch either (``except LookupError``
catches :class:`UnknownSchemaError`). The classes live here, together, and the
modules that raise them import them from here. No message built here ever
contains an instance value in full: values are shown through
:func:`saas_contracts._mask.mask`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from saas_contracts._mask import path as mask_path
from saas_contracts._mask import public as masked_unless_public

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence
    from os import PathLike

    from saas_contracts.privacy._scanner import Finding

__all__ = [
    "ApprovalRequiredError",
    "ConservationError",
    "ContractError",
    "ContractViolationError",
    "DiffInputError",
    "DuplicateRecordError",
    "GitRevisionError",
    "IndexBusyError",
    "InputFileError",
    "JSONInputError",
    "ModelConversionError",
    "ModelValidationError",
    "OpsFormatError",
    "OutputFileError",
    "PrivacyViolationError",
    "PublicSafetyError",
    "RedactionError",
    "ReplayWorkerError",
    "SchemaDefinitionError",
    "StateBusyError",
    "StateConsistencyError",
    "SummaryInputError",
    "UnknownFixtureCandidateError",
    "UnknownSchemaError",
    "UnresolvableReferenceError",
    "Violation",
]


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
        """Name the unknown ``ref`` and, when given, the ``known`` names."""
        self.ref = ref
        self.known = tuple(known)
        hint = f"; known schemas: {', '.join(self.known)}" if self.known else ""
        super().__init__(f"unknown schema {masked_unless_public(ref)!r}{hint}")


class UnresolvableReferenceError(ContractError, LookupError):
    """A ``$ref`` points outside the packaged registry; nothing is fetched."""

    def __init__(self, ref: str, *, schema: str = "") -> None:
        """Name the unresolvable ``ref`` and the schema it appears in."""
        self.ref = ref
        self.schema = schema
        where = f" (from {masked_unless_public(schema)})" if schema else ""
        super().__init__(
            f"$ref {masked_unless_public(ref)!r}{where} does not resolve inside the offline schema registry; "
            "saas-contracts never fetches remote schemas",
        )


class SchemaDefinitionError(ContractError, ValueError):
    """A schema document itself is malformed (not valid against its metaschema)."""


class ContractViolationError(ContractError, ValueError):
    """An instance does not satisfy a schema; carries sorted violations."""

    def __init__(self, schema: str, violations: Sequence[Violation]) -> None:
        """Keep the violations sorted; the message names the first one and the count."""
        self.schema = schema
        self.violations = sorted_violations(violations)
        first = self.violations[0] if self.violations else None
        detail = f": {first.pointer or '/'}: {first.message}" if first else ""
        more = f" (+{len(self.violations) - 1} more)" if len(self.violations) > 1 else ""
        super().__init__(f"instance is not a valid {schema}{detail}{more}")


class InputFileError(ContractError, ValueError):
    """An input file cannot be read or parsed; says which file and where."""

    def __init__(self, path: str, reason: str, *, line: int | None = None) -> None:
        """Say which file (and line, when known) and why."""
        self.path = path
        self.reason = reason
        self.line = line
        shown = mask_path(path)
        where = f"{shown}:{line}" if line is not None else shown
        super().__init__(f"{where}: {reason}")


class OutputFileError(ContractError, OSError):
    """A file cannot be written (missing or unwritable folder, full disk); says which file and why."""

    def __init__(self, path: str, reason: str) -> None:
        """Say which file and why (the reason is the system's, such as "Permission denied")."""
        self.path = path
        self.reason = reason
        super().__init__(f"{path}: cannot write: {reason}")

    @classmethod
    def from_os_error(cls, path: str | PathLike[str], error: OSError) -> OutputFileError:
        """Name ``path`` (the file meant, not a temporary beside it) and the system's reason."""
        return cls(str(path), error.strerror or type(error).__name__)


class PrivacyViolationError(ContractError, ValueError):
    """An artifact that must be public-safe contains forbidden material."""


class PublicSafetyError(PrivacyViolationError):
    """An artifact that must be public-safe is not; ``findings`` says where (masked)."""

    def __init__(self, findings: Sequence[Finding], *, rules_digest: str = "") -> None:
        """Keep the findings; the message names the first one (masked) and the count."""
        # Imported here: the scanner imports this module, and owns the order of findings.
        from saas_contracts.privacy._scanner import sorted_findings  # noqa: PLC0415

        self.findings = sorted_findings(findings)
        self.rules_digest = rules_digest
        first = self.findings[0] if self.findings else None
        detail = (
            f": {first.pointer or '/'}: {first.rule_id} ({first.family}, {first.target})" if first else ""
        )
        more = f" (+{len(self.findings) - 1} more)" if len(self.findings) > 1 else ""
        super().__init__(f"artifact is not public-safe{detail}{more}")


class OpsFormatError(ContractError, LookupError):
    """An ops summary was asked for a format its contract does not render."""


class IndexBusyError(ContractError, BlockingIOError):
    """Another run is writing the same idempotency index; nothing was read or written."""


class JSONInputError(ContractError, ValueError):
    """A text that is not strict RFC 8259 JSON; the message never quotes the input."""


class ModelConversionError(ContractError, TypeError):
    """JSON that does not fit the dataclass it is converted to."""


class RedactionError(ContractError, ValueError):
    """The kind, raw id or key cannot produce a valid redacted reference."""


class UnknownFixtureCandidateError(ContractError, LookupError):
    """The fixture names a candidate no contract module provides."""


# Usage ledger (saas_contracts.ledger).


class ReplayWorkerError(ContractError, RuntimeError):
    """A worker process of a parallel replay died."""


class ConservationError(ContractError, AssertionError):
    """The outcome counts do not add up to the lines read (a bug, never an input problem)."""


# Entitlements (saas_contracts.entitlements).


class ApprovalRequiredError(ContractError, ValueError):
    """An operator write was attempted without an operator label and approval reference."""


class DuplicateRecordError(ContractError, ValueError):
    """Two records of one decision request share a record_id, so the answer would be ambiguous."""


class StateBusyError(ContractError, BlockingIOError):
    """Another run is applying events to the same state file; nothing was read or written."""


class StateConsistencyError(ContractError, ValueError):
    """A state document is schema-valid but repeats a record_id or an event_id."""


class SummaryInputError(ContractError, ValueError):
    """A result or decision handed to the summary uses a value outside the closed vocabulary."""


# Schema diff (saas_contracts.diff).


class DiffInputError(ContractError, ValueError):
    """A side of the diff cannot be read (not a directory, bad JSON, bad declaration)."""


class GitRevisionError(ContractError, LookupError):
    """A git revision cannot be used as a diff side."""


def _field_path(pointer: str) -> str:
    # "/plan/plan_key" reads as the field "plan.plan_key"; "" is the whole document.
    from saas_contracts._pointer import parse_pointer  # noqa: PLC0415 - keep this module import-light

    return ".".join(parse_pointer(pointer))


class ModelValidationError(ContractViolationError):
    """JSON (or a built model) that breaks the schema of the model it is meant for.

    A :class:`ContractViolationError` whose message starts with the public model
    name and names the first failing field and its JSON Pointer; ``violations``
    carries every violation (pointers are public-safe, values are never shown in full).
    """

    def __init__(self, model: str, schema: str, violations: Sequence[Violation]) -> None:
        """Keep the sorted violations; the message names the model and its first failing field."""
        super().__init__(schema, violations)
        self.model = model
        first = self.violations[0] if self.violations else None
        if first is None:
            detail = ""
        elif first.pointer:
            detail = f": field {_field_path(first.pointer)!r} (at {first.pointer}): {first.message}"
        else:
            detail = f": the document (at /): {first.message}"
        more = f" (+{len(self.violations) - 1} more)" if len(self.violations) > 1 else ""
        message = f"{model} is not valid against {schema}{detail}{more}"
        self.args = (message,)
