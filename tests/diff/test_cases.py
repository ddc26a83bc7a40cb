"""Data-driven schema-diff cases: labels checked with jsonschema, verdicts checked against the differ."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from jsonschema import Draft202012Validator
from tests.diff._support import valid as _valid

from saas_contracts.diff import Direction, Policy, Verdict, diff_schemas

if TYPE_CHECKING:
    from saas_contracts.diff import DiffResult

HERE = Path(__file__).parent
CASE_SCHEMA = json.loads((HERE / "case-file.schema.json").read_text(encoding="utf-8"))
CASE_FILES = sorted((HERE / "cases").glob("*.json"))


def _cases() -> list[Any]:
    found: list[Any] = []
    for path in CASE_FILES:
        document = json.loads(path.read_text(encoding="utf-8"))
        found.extend(
            pytest.param(case, id=f"{path.stem}/{case['name']}") for case in document.get("cases", [])
        )
    return found


CASES = _cases()


_DIFFS: dict[str, DiffResult] = {}


def _diff(case: dict[str, Any]) -> DiffResult:
    """The differ's result for a case, computed once per run: three tests read it, and results are frozen."""
    key = json.dumps([case["old"], case["new"], case.get("policy", {})])
    if key not in _DIFFS:
        _DIFFS[key] = diff_schemas(case["old"], case["new"], policy=Policy(**case.get("policy", {})))
    return _DIFFS[key]


class TestCaseFiles:
    """The case files are well-formed and their labels are true."""

    @pytest.mark.parametrize("path", CASE_FILES, ids=[path.stem for path in CASE_FILES])
    def test_case_file_matches_its_schema(self, path):
        Draft202012Validator.check_schema(CASE_SCHEMA)
        errors = list(
            Draft202012Validator(CASE_SCHEMA).iter_errors(json.loads(path.read_text(encoding="utf-8")))
        )
        assert errors == []

    def test_case_names_are_unique(self):
        names = [param.id for param in CASES]
        assert len(names) == len(set(names))
        assert len(names) >= 60

    @pytest.mark.parametrize("case", CASES)
    def test_instances_are_labelled_truthfully(self, case):
        formats = case.get("policy", {}).get("format_assertion", False)
        for item in case.get("instances", []):
            assert _valid(case["old"], item["data"], formats=formats) is item["old"], item
            assert _valid(case["new"], item["data"], formats=formats) is item["new"], item

    @pytest.mark.parametrize("case", CASES)
    def test_breaking_labels_are_proven_and_compatible_labels_not_refuted(self, case):
        instances = case.get("instances", [])
        lenient = case.get("policy", {}).get("lenient_open_content", False)
        for direction, (accepts, rejects) in {"backward": ("old", "new"), "forward": ("new", "old")}.items():
            proofs = [item for item in instances if item[accepts] and not item[rejects]]
            label = case["expect"][direction]
            if label == "breaking":
                assert proofs, f"{direction} is labelled breaking but no instance proves it"
            if label == "compatible" and not lenient:
                assert not proofs, f"{direction} is labelled compatible but an instance refutes it"


class TestVerdicts:
    """The differ gives each case its expected verdicts, with checked counterexamples."""

    @pytest.mark.parametrize("case", CASES)
    def test_verdicts_match_the_labels(self, case):
        result = _diff(case)
        summary = result.to_json()["summary"]
        exact = case["expect"].get("exact", True)
        for direction in ("backward", "forward"):
            allowed = {case["expect"][direction]} | (set() if exact else {"unknown"})
            assert summary[direction] in allowed, (direction, summary)
        kinds = {change.kind for change in result.changes}
        assert set(case["expect"].get("kinds", [])) <= kinds
        if "changes" in case["expect"] and exact:
            data_changes = [change for change in result.changes if not change.kind.startswith("annotation-")]
            assert len(data_changes) == case["expect"]["changes"], [change.kind for change in data_changes]
        assert set(case["expect"].get("codegen", [])) <= {item.kind for item in result.codegen}

    @pytest.mark.parametrize("case", CASES)
    def test_every_breaking_finding_carries_a_true_counterexample(self, case):
        policy = Policy(**case.get("policy", {}))
        result = _diff(case)
        for change in result.changes:
            for direction in Direction:
                example = change.counterexample(direction)
                if change.verdict(direction) is Verdict.BREAKING:
                    assert example is not None, change
                    accept, reject = (
                        (case["old"], case["new"])
                        if direction is Direction.BACKWARD
                        else (case["new"], case["old"])
                    )
                    fragment = example.schema.partition("#")[2]
                    if fragment:  # checked against a $defs entry, not the root
                        accept = {"$defs": accept.get("$defs", {}), "$ref": "#" + fragment}
                        reject = {"$defs": reject.get("$defs", {}), "$ref": "#" + fragment}
                    assert _valid(accept, example.instance, formats=policy.format_assertion)
                    assert not _valid(reject, example.instance, formats=policy.format_assertion)
                else:
                    assert example is None

    @pytest.mark.parametrize("case", CASES)
    def test_never_compatible_when_an_instance_breaks(self, case):
        """Soundness: a direction refuted by a labelled instance is never reported compatible."""
        policy = Policy(**case.get("policy", {}))
        if policy.lenient_open_content:
            pytest.skip("the lenient policy deliberately accepts strictly-breaking additions")
        summary = _diff(case).to_json()["summary"]
        for item in case.get("instances", []):
            if item["old"] and not item["new"]:
                assert summary["backward"] != "compatible"
            if item["new"] and not item["old"]:
                assert summary["forward"] != "compatible"
