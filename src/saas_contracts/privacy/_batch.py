"""Scan ``.json`` / ``.jsonl`` files: one artifact per file or per line, one bounded result object.

Artifacts are read and scanned one at a time; the result keeps counts and the
first ``max_samples`` findings and input errors, so memory is bounded by the
largest artifact, not by the input.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from saas_contracts._batch import DEFAULT_MAX_SAMPLES
from saas_contracts._jsonio import read_documents
from saas_contracts._mask import path as mask_path
from saas_contracts.errors import InputFileError
from saas_contracts.privacy._rules import RuleSet, ScanConfig, ruleset_for
from saas_contracts.privacy._scanner import Finding, scan

if TYPE_CHECKING:
    from collections.abc import Iterable


@dataclass(frozen=True, kw_only=True)
class InputError:
    """An input that could not be scanned (unreadable file, unsupported type, bad JSON line)."""

    source: str
    line: int | None
    reason: str

    @property
    def location(self) -> str:
        """``path`` or ``path:line`` (path segments the privacy rules flag are masked)."""
        where = mask_path(self.source)
        return where if self.line is None else f"{where}:{self.line}"


@dataclass(frozen=True, kw_only=True)
class FileScanResult:
    """The counts of a scan over files, with its first findings and input errors in input order."""

    rules: RuleSet
    artifacts: int = 0
    """Artifacts scanned (a ``.json`` file, or one non-blank ``.jsonl`` line)."""
    finding_count: int = 0
    """Findings over every artifact (``findings`` holds the first ``max_samples``)."""
    error_count: int = 0
    """Inputs that could not be scanned (``errors`` holds the first ``max_samples``)."""
    findings: tuple[tuple[str, Finding], ...] = ()
    """``(source, finding)`` pairs in input order; a JSON Lines finding carries its ``line``."""
    errors: tuple[InputError, ...] = ()
    sources: tuple[str, ...] = field(default=())
    max_samples: int | None = DEFAULT_MAX_SAMPLES
    """The bound on ``findings`` and on ``errors``; None keeps every one."""

    @property
    def clean(self) -> bool:
        """No findings and no input errors."""
        return self.finding_count == 0 and self.error_count == 0

    @property
    def omitted_findings(self) -> int:
        """Findings counted but not kept."""
        return self.finding_count - len(self.findings)

    @property
    def omitted_errors(self) -> int:
        """Input errors counted but not kept."""
        return self.error_count - len(self.errors)

    @property
    def truncated(self) -> bool:
        """True when some findings or input errors are counted but not kept."""
        return bool(self.omitted_findings or self.omitted_errors)

    def to_json(self) -> dict[str, Any]:
        """Plain JSON form (public-safe: previews are masked); ``findings`` and ``errors`` are bounded."""
        return {
            "clean": self.clean,
            "rules_digest": self.rules.digest,
            "rules_version": self.rules.version,
            "files": len(self.sources),
            "artifacts": self.artifacts,
            "findings": [
                {"path": mask_path(source), **finding.to_json()} for source, finding in self.findings
            ],
            "errors": [
                {"path": mask_path(error.source), "line": error.line, "reason": error.reason}
                for error in self.errors
            ],
            "totals": {"findings": self.finding_count, "errors": self.error_count},
            "max_samples": self.max_samples,
            "truncated": self.truncated,
        }


class _Collector:
    """Counts everything, keeps the first ``limit`` findings and errors."""

    def __init__(self, limit: int | None) -> None:
        self.limit = limit
        self.artifacts = self.finding_count = self.error_count = 0
        self.findings: list[tuple[str, Finding]] = []
        self.errors: list[InputError] = []

    def _room(self, kept: list[Any]) -> bool:
        return self.limit is None or len(kept) < self.limit

    def artifact(self, source: str, findings: tuple[Finding, ...]) -> None:
        self.artifacts += 1
        self.finding_count += len(findings)
        for finding in findings:
            if not self._room(self.findings):
                break
            self.findings.append((source, finding))

    def error(self, error: InputError) -> None:
        self.error_count += 1
        if self._room(self.errors):
            self.errors.append(error)


def scan_files(
    paths: Iterable[str], config: ScanConfig | None = None, *, max_samples: int | None = DEFAULT_MAX_SAMPLES
) -> FileScanResult:
    """Scan every artifact in ``paths``, one at a time; unreadable inputs are collected, never raised.

    Keeps the first ``max_samples`` findings and input errors (None: all of them) and counts the rest.
    """
    rules = ruleset_for(config)
    collected = _Collector(max_samples)
    sources: list[str] = []
    for path in paths:
        sources.append(path)
        try:
            for document in read_documents(path, default_lines=True):
                if document.error is not None:
                    collected.error(InputError(source=path, line=document.line, reason=document.error))
                    continue
                findings = scan(document.value, config).findings
                if document.line is not None:
                    findings = tuple(dataclasses.replace(finding, line=document.line) for finding in findings)
                collected.artifact(path, findings)
        except InputFileError as error:
            collected.error(InputError(source=path, line=error.line, reason=error.reason))
    return FileScanResult(
        rules=rules,
        artifacts=collected.artifacts,
        finding_count=collected.finding_count,
        error_count=collected.error_count,
        findings=tuple(collected.findings),
        errors=tuple(collected.errors),
        sources=tuple(sources),
        max_samples=max_samples,
    )
