"""Repeats resolved inside a worker's block give the verdicts of resolving every event against the index."""

from __future__ import annotations

import dataclasses
import io
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests._support import budget
from tests.ledger._support import NOW, WINDOW, line, make_event

from saas_contracts.ledger import MemoryIndex, ReplayRequest, ShardedIndex, SqliteIndex, replay
from saas_contracts.ledger import _pipeline as pipeline

if TYPE_CHECKING:
    from pathlib import Path

    from saas_contracts.ledger._outcomes import BlockResult

REQUEST = ReplayRequest(window_start=WINDOW[0], window_end=WINDOW[1], suppression_threshold=1)


def _event(key: int, variant: int, late: bool) -> str:
    """Event ``key``; variants 0 and 1 are one business event (receipt fields differ), 2 conflicts."""
    changes: dict[str, Any] = {
        "idempotency_key": f"blk.key:{key:04d}",
        "event_id": f"evt-blk-{key:04d}-{variant}",
    }
    if variant == 1:
        changes["recorded_at"] = "2026-11-02T10:00:03Z"
    if variant == 2:
        changes["quantity"] = 7
    if late:
        changes["recorded_at"] = "2026-11-06T10:00:01Z"
    return line(make_event(**changes, plan__plan_label=("free", "pro")[key % 2]))


def _without_block_resolution(result: BlockResult) -> BlockResult:
    return dataclasses.replace(result, within=None)


def _replay(data: bytes, index: Any, *, block_bytes: int, reference: bool, dry_run: bool = False) -> Any:
    request = dataclasses.replace(REQUEST, dry_run=dry_run) if dry_run else REQUEST
    if not reference:
        report = replay([io.BytesIO(data)], request, now=NOW, index=index, workers=1, block_bytes=block_bytes)
        return report.to_json()
    original = pipeline.classify_block
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(
            pipeline,
            "classify_block",
            lambda *args: _without_block_resolution(original(*args)),
        )
        report = replay([io.BytesIO(data)], request, now=NOW, index=index, workers=1, block_bytes=block_bytes)
    return report.to_json()


_STREAMS = st.lists(
    st.tuples(st.integers(min_value=0, max_value=12), st.integers(min_value=0, max_value=2), st.booleans()),
    min_size=1,
    max_size=40,
)


class TestBlockResolution:
    """Same report and index with and without the in-block pass, across blocks, runs and index kinds."""

    @settings(max_examples=budget(60), deadline=None)
    @given(stream=_STREAMS, prior=_STREAMS, block_bytes=st.sampled_from([1, 900, 4000, 1 << 20]))
    def test_memory_index(
        self,
        stream: list[tuple[int, int, bool]],
        prior: list[tuple[int, int, bool]],
        block_bytes: int,
    ) -> None:
        data = "".join(_event(*item) + "\n" for item in stream).encode()
        earlier = "".join(_event(*item) + "\n" for item in prior).encode()
        reports = []
        stores = []
        for reference in (False, True):
            index = MemoryIndex()
            first = _replay(earlier, index, block_bytes=block_bytes, reference=reference)
            dry = _replay(data, index, block_bytes=block_bytes, reference=reference, dry_run=True)
            second = _replay(data, index, block_bytes=block_bytes, reference=reference)
            reports.append((first, dry, second))
            stores.append(dict(index._store))
        assert reports[0] == reports[1]
        assert stores[0] == stores[1]

    @pytest.mark.parametrize("block_bytes", [1, 2000, 1 << 20])
    def test_sqlite_and_sharded_indexes(self, tmp_path: Path, block_bytes: int) -> None:
        items = [(key % 9, (key // 9) % 3, key % 5 == 0) for key in range(60)]
        earlier = "".join(_event(*item) + "\n" for item in items[:20]).encode()
        data = "".join(_event(*item) + "\n" for item in items).encode()
        results = []
        for reference in (False, True):
            folder = tmp_path / f"ref-{reference}"
            folder.mkdir()
            for index in (
                SqliteIndex(folder / "index.sqlite"),
                ShardedIndex(folder / "shards", partitions=3),
            ):
                runs = [
                    _replay(earlier, index, block_bytes=block_bytes, reference=reference),
                    _replay(data, index, block_bytes=block_bytes, reference=reference, dry_run=True),
                    _replay(data, index, block_bytes=block_bytes, reference=reference),
                ]
                results.append((runs, len(index)))
        assert results[0] == results[2]
        assert results[1] == results[3]
        assert results[0][0][2]["counts"]["duplicate"] > 0
        assert results[0][0][2]["counts"]["conflict"] > 0
