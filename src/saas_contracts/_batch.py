"""Validate many JSON / JSON Lines documents against one schema."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from saas_contracts._jsonio import ensure_readable, read_documents
from saas_contracts._mask import path as mask_path
from saas_contracts._validation import Validators, default_validators

if TYPE_CHECKING:
    from collections.abc import Iterable

    from saas_contracts.errors import Violation


@dataclass(frozen=True, kw_only=True)
class DocumentResult:
    """The verdict on one document (a file, or one line of a JSON Lines file)."""

    source: str
    line: int | None
    parse_error: str | None = None
    violations: tuple[Violation, ...] = ()

    @property
    def valid(self) -> bool:
        """True when the document parsed and satisfied the schema."""
        return self.parse_error is None and not self.violations

    @property
    def location(self) -> str:
        """``path`` or ``path:line`` (path segments the privacy rules flag are masked)."""
        where = mask_path(self.source)
        return where if self.line is None else f"{where}:{self.line}"

    def to_json(self) -> dict[str, Any]:
        """Plain JSON form."""
        return {
            "source": mask_path(self.source),
            "line": self.line,
            "valid": self.valid,
            "parse_error": self.parse_error,
            "violations": [violation.to_json() for violation in self.violations],
        }


@dataclass(frozen=True, kw_only=True)
class BatchResult:
    """Every document's verdict, in input order."""

    schema: str
    documents: tuple[DocumentResult, ...]

    @property
    def valid(self) -> bool:
        """True when every document is valid (and there was at least one)."""
        return bool(self.documents) and all(document.valid for document in self.documents)

    def counts(self) -> dict[str, int]:
        """How many documents were read, valid, invalid, and unparsable."""
        return {
            "documents": len(self.documents),
            "valid": sum(document.valid for document in self.documents),
            "invalid": sum(bool(document.violations) for document in self.documents),
            "unparsable": sum(document.parse_error is not None for document in self.documents),
        }

    def to_json(self) -> dict[str, Any]:
        """Plain JSON form."""
        return {
            "schema": self.schema,
            "valid": self.valid,
            "summary": self.counts(),
            "documents": [document.to_json() for document in self.documents],
        }


def validate_files(
    sources: Iterable[str], schema: str, *, validators: Validators | None = None
) -> BatchResult:
    """Validate every document of every file; a bad line never stops the rest.

    Raises :class:`~saas_contracts.InputFileError` when a file cannot be read at
    all, and :class:`~saas_contracts.UnknownSchemaError` for an unknown schema,
    before any document is checked.
    """
    chosen = validators or default_validators()
    chosen.validator_for(schema)  # fail fast on an unknown schema
    name = chosen.name_of(schema)
    sources = list(sources)
    for source in sources:
        ensure_readable(source)
    results: list[DocumentResult] = []
    for source in sources:
        for document in read_documents(source, default_lines=True):
            if document.error is not None:
                results.append(DocumentResult(source=source, line=document.line, parse_error=document.error))
            else:
                violations = chosen.validate(document.value, schema)
                results.append(DocumentResult(source=source, line=document.line, violations=violations))
    return BatchResult(schema=name, documents=tuple(results))
