"""Two example products with different vocabularies map into the same envelope and aggregate together."""

import ast
import json
import subprocess
import sys

import pytest
from tests._support import ROOT
from tests.ledger._support import TEST_KEY, load_adapter, read_rows

from saas_contracts.fixtures import discover_product_names
from saas_contracts.ledger import ReplayRequest, event_violations, parse_utc_ns, replay_lines

DIRECTORIES = ("image-renders", "chat-messages")


def _events(directory):
    return list(load_adapter(directory).adapt_rows(read_rows(directory), key=TEST_KEY))


class TestAdapters:
    """Each adapter emits valid, public-safe envelopes from its own D1 rows."""

    @pytest.mark.parametrize("directory", DIRECTORIES)
    def test_events_pass_the_core_validators(self, directory):
        events = _events(directory)
        assert events
        for event in events:
            assert event_violations(event, now=parse_utc_ns("2026-12-01T00:00:00Z")) == ()

    @pytest.mark.parametrize("directory", DIRECTORIES)
    def test_no_raw_row_value_leaks(self, directory):
        text = json.dumps(_events(directory))
        for row in read_rows(directory):
            for name, value in row.items():
                if (name.endswith(("_id", "_key")) or name == "id") and len(str(value)) >= 6:
                    assert str(value) not in text, name

    def test_vocabularies_and_row_shapes_differ(self):
        kinds = {
            directory: {event["event_type"].split(".")[0] for event in _events(directory)}
            for directory in DIRECTORIES
        }
        assert kinds["image-renders"].isdisjoint(kinds["chat-messages"])
        shapes = {directory: set(read_rows(directory)[0]) for directory in DIRECTORIES}
        assert shapes["image-renders"] != shapes["chat-messages"]

    def test_products_declare_their_names(self):
        names = discover_product_names(ROOT / "examples")
        assert {"render-studio", "chat-desk"} <= set(names)


class TestTogether:
    """Both products replay through one index into one summary."""

    def test_replay_together(self):
        lines = [json.dumps(event) for directory in DIRECTORIES for event in _events(directory)]
        request = ReplayRequest(
            window_start="2026-10-10T00:00:00Z", window_end="2026-11-10T00:00:00Z", suppression_threshold=1
        )
        report = replay_lines(lines, request, now="2026-12-01T00:00:00Z")
        assert report.counts["invalid"] == 0
        assert report.counts["accepted"] + report.counts["out_of_window"] == len(lines)
        namespaces = {row.event_kind.split(".")[0] for row in report.summary().rows}
        assert namespaces == {"render", "chat"}


class TestBoundary:
    """Core never imports the product adapters."""

    @pytest.mark.slow  # imports every core module in a subprocess, ~0.6 s
    def test_core_does_not_import_examples(self):
        core = ROOT / "src" / "saas_contracts"
        for path in core.rglob("*.py"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                names = []
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.module:
                    names = [node.module]
                assert not any(name.split(".")[0] in {"examples", "adapter"} for name in names), path

    @pytest.mark.slow  # regenerates the example data, ~1 s
    def test_example_data_is_up_to_date(self):
        done = subprocess.run(  # noqa: S603 - our own generator script
            [sys.executable, str(ROOT / "scripts" / "make_example_events.py"), "--check"],
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, done.stderr
