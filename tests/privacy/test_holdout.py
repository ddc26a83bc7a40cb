"""The holdout corpus: artifacts written apart from the rules, scored for recall and precision.

Secret-shaped strings are stored as fragments, ``{"$concat": ["sk_li", "ve_..."]}`` for a
value and ``"$concat:sk_li|ve_..."`` for a member name, and joined only here (with
``saas_contracts._fragments``), so no contiguous token is ever committed. ``expected.json``
names the family each reject file must be caught by.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest
from tests.privacy._support import CORPUS

from saas_contracts._fragments import join_fragments
from saas_contracts.privacy import scan

if TYPE_CHECKING:
    from pathlib import Path

HOLDOUT = CORPUS / "holdout"
ACCEPT = sorted((HOLDOUT / "accept").glob("*.json"))
REJECT = sorted((HOLDOUT / "reject").glob("*.json"))


def _load(path: Path) -> Any:
    return join_fragments(json.loads(path.read_text(encoding="utf-8")))


@pytest.fixture(scope="module")
def expected_family() -> dict[str, str]:
    """Reject file (relative to the holdout folder) to the family that must catch it."""
    manifest: dict[str, dict[str, str]] = json.loads((HOLDOUT / "expected.json").read_text(encoding="utf-8"))
    return manifest["reject"]


class TestHoldout:
    """Every holdout reject file is caught by its family; every accept file is clean."""

    def test_corpus_is_large_enough(self):
        """The holdout keeps at least 60 reject and 40 accept artifacts."""
        assert len(REJECT) >= 60
        assert len(ACCEPT) >= 40

    def test_manifest_covers_every_reject_file(self, expected_family):
        """No reject file is unchecked and no manifest entry is stale."""
        assert sorted(expected_family) == [f"reject/{path.name}" for path in REJECT]

    @pytest.mark.parametrize("path", REJECT, ids=lambda path: path.stem)
    def test_reject_is_caught_by_its_family(self, path, expected_family):
        """A realistic artifact with one disguised secret or raw id has a finding of the expected family."""
        report = scan(_load(path))
        assert expected_family[f"reject/{path.name}"] in {finding.family for finding in report.findings}

    @pytest.mark.parametrize("path", ACCEPT, ids=lambda path: path.stem)
    def test_accept_is_clean(self, path):
        """A realistic clean ops artifact produces no finding."""
        assert scan(_load(path)).findings == ()

    @pytest.mark.parametrize("path", REJECT, ids=lambda path: path.stem)
    def test_stored_fragments_hold_no_credential(self, path):
        """As committed (fragments not joined), a reject file carries no credential in one piece."""
        stored = json.loads(path.read_text(encoding="utf-8"))
        assert "credential" not in {finding.family for finding in scan(stored).findings}
