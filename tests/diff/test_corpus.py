"""A small pinned slice of the real corpus (scripts/diff_corpus.py): no crash, no timeout."""

from __future__ import annotations

import importlib.util
import sys

import pytest
from tests._support import ROOT, skip_or_fail

_SPEC = importlib.util.spec_from_file_location("diff_corpus", ROOT / "scripts" / "diff_corpus.py")
assert _SPEC is not None
assert _SPEC.loader is not None
corpus = importlib.util.module_from_spec(_SPEC)
sys.modules["diff_corpus"] = corpus
_SPEC.loader.exec_module(corpus)


@pytest.mark.slow
class TestCorpusSlice:
    """Three pairs of two pinned check-jsonschema wheels are diffed without a crash."""

    def test_pinned_pairs(self) -> None:
        """Every pair ends compared, over budget or refused with a reason, never crashed."""
        try:
            folders = [corpus.fetch(version) for version in ("0.28.0", "0.29.0")]
        except corpus.CorpusUnavailableError as error:
            skip_or_fail(str(error), what="the corpus slice")
        chosen = corpus.pairs(folders)[:3]
        assert chosen
        records = [corpus.run_pair(old, new, timeout=120) for old, new in chosen]
        figures = corpus.summarize(records)
        assert figures["crashes"] == []
        assert all(record["outcome"] in {"compared", "over-budget", "refused"} for record in records)
        assert all(record.get("reason") for record in records if record["outcome"] == "refused")
