"""Validate many JSON / JSON Lines documents against one schema, in memory bounded by one document.

Documents are read and checked one at a time (:func:`~saas_contracts._jsonio.read_documents`);
the result keeps the counts and the first ``max_samples`` documents that are
invalid or unparsable, never every verdict.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from saas_contracts._jsonio import ensure_readable, read_documents
from saas_contracts._mask import path as mask_path

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from saas_contracts._user_schemas import UserSchema
    from saas_contracts._validation import Validators
    from saas_contracts.errors import Violation

DEFAULT_MAX_SAMPLES: Final = 100
"""How many problem documents (validate) or findings and input errors (scan) a result keeps by default."""


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
    """The counts of a validation run and its first problem documents, in input order."""

    schema: str
    documents: int
    """Documents read (blank JSON Lines lines are not documents)."""
    invalid: int
    """Documents that parsed but broke the schema."""
    unparsable: int
    """Documents that are not strict JSON (or not UTF-8, or over the size limit)."""
    problems: tuple[DocumentResult, ...] = ()
    """The first ``max_samples`` invalid or unparsable documents, in input order."""
    max_samples: int | None = DEFAULT_MAX_SAMPLES
    """The bound on ``problems``; None keeps every one."""

    @property
    def valid(self) -> bool:
        """True when every document is valid (and there was at least one)."""
        return self.documents > 0 and self.invalid == 0 and self.unparsable == 0

    @property
    def omitted(self) -> int:
        """Problem documents counted but not kept in ``problems``."""
        return self.invalid + self.unparsable - len(self.problems)

    @property
    def truncated(self) -> bool:
        """True when some problem documents are counted but not kept in ``problems``."""
        return self.omitted > 0

    def counts(self) -> dict[str, int]:
        """How many documents were read, valid, invalid, and unparsable."""
        return {
            "documents": self.documents,
            "valid": self.documents - self.invalid - self.unparsable,
            "invalid": self.invalid,
            "unparsable": self.unparsable,
        }

    def to_json(self) -> dict[str, Any]:
        """Plain JSON form: the counts, the kept problem documents and whether some were left out."""
        return {
            "schema": self.schema,
            "valid": self.valid,
            "summary": self.counts(),
            "problems": [document.to_json() for document in self.problems],
            "max_samples": self.max_samples,
            "truncated": self.truncated,
        }


def _against_name(validators: Validators, schema: str, instance: object) -> tuple[Violation, ...]:
    return validators.validate(instance, schema)


def validate_files(
    sources: Iterable[str],
    schema: str | UserSchema,
    *,
    validators: Validators | None = None,
    max_samples: int | None = DEFAULT_MAX_SAMPLES,
) -> BatchResult:
    """Validate every document of every file, one at a time; a bad line never stops the rest.

    Keeps the first ``max_samples`` problem documents (None: all of them) and
    counts the rest. Raises :class:`~saas_contracts.InputFileError` when a file
    cannot be read at all, and :class:`~saas_contracts.UnknownSchemaError` for
    an unknown schema, before any document is checked. ``schema`` is a
    packaged schema's name, path or ``$id`` (looked up in ``validators``), or a
    :class:`~saas_contracts.UserSchema`.
    """
    check: Callable[[object], tuple[Violation, ...]]
    if isinstance(schema, str):
        # Imported here: jsonschema loads only when something is validated (CLI start-up).
        from saas_contracts._validation import default_validators  # noqa: PLC0415

        chosen = validators or default_validators()
        chosen.validator_for(schema)  # fail fast on an unknown schema
        name = chosen.name_of(schema)
        check = functools.partial(_against_name, chosen, schema)
    else:
        name, check = schema.name, schema.validate
    sources = list(sources)
    for source in sources:
        ensure_readable(source)
    documents = invalid = unparsable = 0
    problems: list[DocumentResult] = []
    for source in sources:
        for document in read_documents(source, default_lines=True):
            documents += 1
            if document.error is not None:
                unparsable += 1
                verdict = DocumentResult(source=source, line=document.line, parse_error=document.error)
            else:
                violations = check(document.value)
                if not violations:
                    continue
                invalid += 1
                verdict = DocumentResult(source=source, line=document.line, violations=violations)
            if max_samples is None or len(problems) < max_samples:
                problems.append(verdict)
    return BatchResult(
        schema=name,
        documents=documents,
        invalid=invalid,
        unparsable=unparsable,
        problems=tuple(problems),
        max_samples=max_samples,
    )
