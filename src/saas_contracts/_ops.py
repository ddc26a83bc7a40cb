"""The one ops-summary path every contract uses: header, privacy evidence, scan, render, write.

An ops summary is a public-safe document for an ops channel or a release
packet. Every contract's summary opens with the same header
(``common/v1/common#/$defs/ops_summary_header``): ``kind``, ``generated_at``,
``commit_sha`` when given, and ``privacy``, the evidence of a clean scan (the
rules digest and zero findings). A contract supplies only its body and its
renderers (an :class:`OpsSummarySpec`); :func:`build_ops_summary` then

1. joins header and body and runs :func:`saas_contracts.privacy.assert_public_safe`
   over it, so a finding raises :class:`~saas_contracts.privacy.PublicSafetyError`
   before anything is rendered, returned or written;
2. embeds the evidence and validates the document against the contract's schema
   (:class:`~saas_contracts.ContractViolationError` otherwise);
3. renders every format from the spec's table (JSON is shared) and scans each
   rendering as well.

:func:`write_ops_summary` writes one rendering with the package's durable
atomic write (:func:`saas_contracts._atomic.atomic_write_text`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

from saas_contracts._atomic import atomic_write_text
from saas_contracts._jsonio import dumps_pretty
from saas_contracts._validation import ensure_valid
from saas_contracts.errors import OpsFormatError
from saas_contracts.privacy import assert_public_safe

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from pathlib import Path

    from saas_contracts.privacy import ScanConfig

__all__ = [
    "HEADER_FIELDS",
    "OpsSummary",
    "OpsSummarySpec",
    "build_ops_summary",
    "ops_header",
    "write_ops_summary",
]

HEADER_FIELDS: Final = ("kind", "generated_at", "commit_sha", "privacy")
"""The properties of ``common/v1/common#/$defs/ops_summary_header``, in document order."""


def _render_json(document: Mapping[str, Any]) -> str:
    return dumps_pretty(document, final_newline=True)


_SHARED_RENDERERS: Final[dict[str, Callable[[Mapping[str, Any]], str]]] = {"json": _render_json}


@dataclass(frozen=True, kw_only=True)
class OpsSummarySpec:
    """What one contract contributes: its schema, its ``kind`` tag and its non-JSON renderers."""

    schema: str
    kind: str
    renderers: Mapping[str, Callable[[Mapping[str, Any]], str]]

    @property
    def formats(self) -> tuple[str, ...]:
        """Every format this contract's summary renders to (JSON first)."""
        return (*_SHARED_RENDERERS, *(name for name in self.renderers if name not in _SHARED_RENDERERS))

    def renderer(self, output_format: str) -> Callable[[Mapping[str, Any]], str]:
        """The renderer for ``output_format`` (the shared JSON one, or the contract's)."""
        return _SHARED_RENDERERS.get(output_format) or self.renderers[output_format]


@dataclass(frozen=True, kw_only=True)
class OpsSummary:
    """A scanned, schema-valid ops summary and its renderings (each scanned too)."""

    document: Mapping[str, Any]
    renderings: Mapping[str, str] = field(repr=False)

    @property
    def formats(self) -> tuple[str, ...]:
        """The formats :meth:`render` accepts."""
        return tuple(self.renderings)

    def render(self, output_format: str) -> str:
        """The text to print or write for ``output_format`` (ends with one newline)."""
        try:
            return self.renderings[output_format]
        except KeyError:
            msg = f"an ops summary renders as {', '.join(self.renderings)}, not this format"
            raise OpsFormatError(msg) from None


def ops_header(kind: str, *, generated_at: str, commit_sha: str | None = None) -> dict[str, Any]:
    """The shared header without its privacy evidence (that is added after the scan)."""
    header: dict[str, Any] = {"kind": kind, "generated_at": generated_at}
    if commit_sha is not None:
        header["commit_sha"] = commit_sha
    return header


def build_ops_summary(  # noqa: PLR0913 - the contract's spec and body plus the header's and the scan's options
    spec: OpsSummarySpec,
    body: Mapping[str, Any],
    *,
    generated_at: str,
    commit_sha: str | None = None,
    scanner_config: ScanConfig | None = None,
    mutate: Callable[[dict[str, Any]], None] | None = None,
) -> OpsSummary:
    """Header + ``body``: scan, embed the evidence, validate, render and scan every rendering.

    ``mutate`` edits the joined document before the scan (the fixtures' negative
    probes use it). Raises :class:`~saas_contracts.privacy.PublicSafetyError` on
    any finding (nothing is rendered) and
    :class:`~saas_contracts.ContractViolationError` when the document breaks
    ``spec.schema``.
    """
    document = ops_header(spec.kind, generated_at=generated_at, commit_sha=commit_sha)
    document.update({key: value for key, value in body.items() if key not in HEADER_FIELDS})
    if mutate is not None:
        mutate(document)
    report = assert_public_safe(document, scanner_config)
    document["privacy"] = {"rules_digest": report.rules_digest, "findings": 0}
    ensure_valid(document, spec.schema)
    renderings: dict[str, str] = {}
    for output_format in spec.formats:
        text = spec.renderer(output_format)(document)
        assert_public_safe(text, scanner_config)
        renderings[output_format] = text if text.endswith("\n") else text + "\n"
    return OpsSummary(document=document, renderings=renderings)


def write_ops_summary(summary: OpsSummary, path: str | Path, output_format: str) -> Path:
    """Write one rendering of an (already scanned) summary durably and atomically; return the path.

    On :class:`OSError` the target keeps its previous content and no temporary
    file is left behind.
    """
    return atomic_write_text(path, summary.render(output_format))
