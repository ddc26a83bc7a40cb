"""The real-schema corpus (scripts/diff_corpus.py): how it pairs files, and a small pinned slice of it."""

from __future__ import annotations

import importlib.util
import sys
from typing import TYPE_CHECKING

import pytest
from tests._support import ROOT, skip_or_fail

if TYPE_CHECKING:
    from pathlib import Path

_SPEC = importlib.util.spec_from_file_location("diff_corpus", ROOT / "scripts" / "diff_corpus.py")
assert _SPEC is not None
assert _SPEC.loader is not None
corpus = importlib.util.module_from_spec(_SPEC)
sys.modules["diff_corpus"] = corpus
_SPEC.loader.exec_module(corpus)

SLICE = {"schemastore": ("0.28.6", "0.29.4"), "asyncapi": ("6.11.1",)}
"""Pinned versions of two sources (one per registry): a few same-name pairs and a chain pair."""


def _tree(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return root


class TestPairs:
    """A pair is a file whose bytes changed between consecutive versions, or the next name of a chain."""

    def test_same_name_pairs_skip_unchanged_and_missing_files(self, tmp_path: Path) -> None:
        """Only files present in both trees with different bytes pair up, each with its own tree."""
        old = _tree(tmp_path / "1", {"a.json": "{}", "b/c.json": "{}", "gone.json": "{}"})
        new = _tree(tmp_path / "2", {"a.json": "{}", "b/c.json": '{"type": "object"}', "added.json": "{}"})
        assert corpus.pairs([old, new]) == [(old, "b/c.json", new, "b/c.json")]

    def test_chain_pairs_take_each_name_from_its_newest_version(self, tmp_path: Path) -> None:
        """``v1 -> v2 -> v3``: each name as the newest tree that ships it; identical files make no pair."""
        old = _tree(tmp_path / "1", {"v1.json": "{}", "v2.json": '{"a": 1}'})
        new = _tree(tmp_path / "2", {"v2.json": '{"a": 1}', "v3.json": '{"a": 1}'})
        found = corpus.pairs([old, new], ("v1.json", "v2.json", "missing.json", "v3.json"))
        assert found == [(old, "v1.json", new, "v2.json")]


@pytest.mark.slow
class TestCorpusSlice:
    """A few pairs of pinned package versions are diffed without a crash, a timeout or a hang."""

    def test_pinned_pairs(self) -> None:
        """Every pair ends compared, over budget or refused with a reason, never crashed."""
        chosen = []
        for source in corpus.SOURCES:
            if source.name not in SLICE:
                continue
            try:
                folders = [corpus.fetch(source, version) for version in SLICE[source.name]]
            except corpus.CorpusUnavailableError as error:
                skip_or_fail(str(error), what="the corpus slice")
            chosen += [(source, pair) for pair in corpus.pairs(folders, source.chain)[:2]]
        assert len(chosen) == 4
        records = [corpus.run_pair(source, pair, timeout=120) for source, pair in chosen]
        figures = corpus.summarize(records)
        assert figures["crashes"] == []
        assert all(record["outcome"] in {"compared", "over-budget", "refused"} for record in records)
        assert all(record.get("reason") for record in records if record["outcome"] == "refused")
        assert any(record.get("new_file") for record in records)  # the chain pair compares two names
