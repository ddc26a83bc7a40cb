"""The official JSON Schema Test Suite (draft 2020-12): our verdicts, Ajv's, and the known deviations.

Every required test passes in Python and in Ajv 2020 + ajv-formats, and every optional test gets
the same verdict in both, except the rows of tests/cases/test-suite-expectations.json, each with
its reason. A row that no longer deviates fails too (regenerate with
`python -m tests.suite.expectations --write`).
"""

from __future__ import annotations

import io
import json
import tarfile
from typing import TYPE_CHECKING, Any

import pytest
from tests.suite._support import (
    SuiteUnavailableError,
    deviations,
    load_suite,
    node_verdicts,
    python_verdicts,
    remotes,
    safe_members,
    suite_root,
)
from tests.suite.expectations import all_python_verdicts, pass_counts, read_expectations, reason_for

if TYPE_CHECKING:
    from pathlib import Path

# Small required files that exercise remote refs, ECMA patterns and formats: the everyday loop.
FAST_FILES = ("pattern.json", "patternProperties.json", "refRemote.json", "type.json", "anchor.json")


def _key(row: dict[str, Any]) -> str:
    return json.dumps(row, sort_keys=True, ensure_ascii=False)


@pytest.fixture(scope="session")
def suite_dir() -> Path:
    return suite_root()


@pytest.fixture(scope="session")
def suite(suite_dir: Path) -> dict[str, list[dict[str, Any]]]:
    return load_suite(suite_dir)


class TestExpectationsFile:
    """The data file of known deviations is consistent on its own."""

    def test_every_row_has_exactly_one_covering_reason(self) -> None:
        """Each deviation row is explained by a hand-written reason."""
        data = read_expectations()
        uncovered = [row for row in data["deviations"] if reason_for(row, data["reasons"]) is None]
        assert not uncovered

    def test_every_reason_covers_a_row(self) -> None:
        """No stale reason: each rule explains at least one current row."""
        data = read_expectations()
        used = {id(reason_for(row, data["reasons"])) for row in data["deviations"]}
        assert [rule["file"] for rule in data["reasons"] if id(rule) not in used] == []

    def test_rows_are_unique_and_really_deviate(self) -> None:
        """A row lists a disagreement (optional) or a failure (required), once."""
        rows = read_expectations()["deviations"]
        assert len({_key(row) for row in rows}) == len(rows)
        for row in rows:
            if row["file"].startswith("optional/"):
                assert row["python"] != row["node"], row
            else:
                assert not (row["python"] == row["node"] == row["expected"]), row


class TestSafeExtraction:
    """Only regular files under the wanted folders are extracted; unsafe names are refused."""

    @staticmethod
    def _archive(tmp_path: Path, names: list[str]) -> Path:
        path = tmp_path / "suite.tar.gz"
        with tarfile.open(path, "w:gz") as archive:
            for name in names:
                info = tarfile.TarInfo(name)
                info.size = 2
                archive.addfile(info, io.BytesIO(b"{}"))
        return path

    def test_selects_tests_and_remotes_only(self, tmp_path: Path) -> None:
        """Files outside json/tests/draft2020-12 and json/remotes are skipped."""
        names = ["p/json/tests/draft2020-12/type.json", "p/json/remotes/a.json", "p/json/tests/draft7/x.json"]
        with tarfile.open(self._archive(tmp_path, [*names, "p/setup.py"])) as archive:
            picked = [str(inner) for _, inner in safe_members(archive, "p/")]
        assert picked == ["tests/draft2020-12/type.json", "remotes/a.json"]

    @pytest.mark.parametrize("name", ["/abs/json/remotes/a.json", "p/json/remotes/../../../evil.json"])
    def test_refuses_unsafe_paths(self, tmp_path: Path, name: str) -> None:
        """Absolute paths and '..' abort the extraction."""
        with tarfile.open(self._archive(tmp_path, [name])) as archive, pytest.raises(SuiteUnavailableError):
            list(safe_members(archive, "p/"))


class TestPythonFast:
    """A few required files pass through our validator (remote refs resolve locally)."""

    @pytest.mark.parametrize("name", FAST_FILES)
    def test_required_file_passes(
        self, suite_dir: Path, suite: dict[str, list[dict[str, Any]]], name: str
    ) -> None:
        """Every test of the file gets the suite's verdict."""
        resources = remotes(suite_dir)
        for case in suite[name]:
            verdicts = python_verdicts(case["schema"], [test["data"] for test in case["tests"]], resources)
            assert verdicts == [test["valid"] for test in case["tests"]], case["description"]

    def test_unknown_remote_is_refused_not_fetched(self, suite_dir: Path) -> None:
        """A $ref outside the local registry makes the schema an error, never a download."""
        schema = {"$ref": "https://example.invalid/schema.json"}
        assert python_verdicts(schema, [1], remotes(suite_dir)) == ["error"]


@pytest.mark.slow
class TestPythonFull:
    """Python's verdicts on the whole suite are exactly the listed ones (no Node needed)."""

    def test_python_column_matches(self, suite_dir: Path, suite: dict[str, list[dict[str, Any]]]) -> None:
        """Every required test passes, except the listed rows, whose Python verdict is as recorded."""
        python = all_python_verdicts(suite_dir, suite)
        listed = {(r["file"], r["case"], r["test"]): r["python"] for r in read_expectations()["deviations"]}
        wrong = []
        for name, cases in suite.items():
            for case, verdicts in zip(cases, python[name], strict=True):
                for test, verdict in zip(case["tests"], verdicts, strict=True):
                    key = (name, case["description"], test["description"])
                    if key in listed:
                        if listed[key] != verdict:
                            wrong.append((*key, verdict))
                    elif not name.startswith("optional/") and verdict != test["valid"]:
                        wrong.append((*key, verdict))
        assert not wrong


@pytest.mark.slow
@pytest.mark.node
class TestAgreement:
    """Python and Ajv 2020 + ajv-formats, on every file of the suite."""

    def test_deviations_are_exactly_the_listed_ones(
        self, suite_dir: Path, suite: dict[str, list[dict[str, Any]]]
    ) -> None:
        """No new deviation and no stale row (`python -m tests.suite.expectations --write` regenerates)."""
        python = all_python_verdicts(suite_dir, suite)
        node = node_verdicts(suite_dir)
        assert set(node) == set(suite)
        found = {_key(row) for row in deviations(suite, python, node)}
        listed = {_key(row) for row in read_expectations()["deviations"]}
        assert sorted(found - listed) == [], "new deviations"
        assert sorted(listed - found) == [], "stale rows"
        ours, theirs = pass_counts(suite, python), pass_counts(suite, node)
        assert all(count > 0 for _, count in ours.values())
        assert sum(p for p, _ in ours.values()) > 0.9 * sum(c for _, c in theirs.values())
