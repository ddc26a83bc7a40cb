"""Scan ``.json`` / ``.jsonl`` files: one artifact per file or per line, one result object."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from saas_contracts._jsonio import read_documents
from saas_contracts._mask import path as mask_path
from saas_contracts.errors import InputFileError
from saas_contracts.privacy._rules import RuleSet, ScanConfig, ruleset_for
from saas_contracts.privacy._scanner import Finding, scan

if TYPE_CHECKING:
    from collections.abc import Iterable


@dataclass(frozen=True, kw_only=True)
class ArtifactResult:
    """One scanned artifact (a ``.json`` file or one ``.jsonl`` line)."""

    source: str
    line: int | None
    findings: tuple[Finding, ...] = ()

    @property
    def location(self) -> str:
        """``path`` or ``path:line`` (path segments the privacy rules flag are masked)."""
        where = mask_path(self.source)
        return where if self.line is None else f"{where}:{self.line}"


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
    """Every artifact scanned from a list of files, plus what could not be read."""

    rules: RuleSet
    artifacts: tuple[ArtifactResult, ...] = ()
    errors: tuple[InputError, ...] = ()
    sources: tuple[str, ...] = field(default=())

    @property
    def findings(self) -> tuple[tuple[str, Finding], ...]:
        """``(source, finding)`` pairs in input order."""
        return tuple(
            (artifact.source, finding) for artifact in self.artifacts for finding in artifact.findings
        )

    @property
    def clean(self) -> bool:
        """No findings and no input errors."""
        return not self.errors and not any(artifact.findings for artifact in self.artifacts)

    def to_json(self) -> dict[str, Any]:
        """Plain JSON form (public-safe: previews are masked)."""
        return {
            "clean": self.clean,
            "rules_digest": self.rules.digest,
            "rules_version": self.rules.version,
            "files": len(self.sources),
            "artifacts": len(self.artifacts),
            "findings": [
                {"path": mask_path(source), **finding.to_json()} for source, finding in self.findings
            ],
            "errors": [
                {"path": mask_path(error.source), "line": error.line, "reason": error.reason}
                for error in self.errors
            ],
        }


def scan_files(paths: Iterable[str], config: ScanConfig | None = None) -> FileScanResult:
    """Scan every artifact in ``paths``; unreadable inputs are collected, never raised."""
    rules = ruleset_for(config)
    artifacts: list[ArtifactResult] = []
    errors: list[InputError] = []
    sources: list[str] = []
    for path in paths:
        sources.append(path)
        try:
            for document in read_documents(path, default_lines=True):
                if document.error is not None:
                    errors.append(InputError(source=path, line=document.line, reason=document.error))
                    continue
                findings = scan(document.value, config).findings
                if document.line is not None:
                    findings = tuple(dataclasses.replace(finding, line=document.line) for finding in findings)
                artifacts.append(ArtifactResult(source=path, line=document.line, findings=findings))
        except InputFileError as error:
            errors.append(InputError(source=path, line=error.line, reason=error.reason))
    return FileScanResult(
        rules=rules, artifacts=tuple(artifacts), errors=tuple(errors), sources=tuple(sources)
    )
