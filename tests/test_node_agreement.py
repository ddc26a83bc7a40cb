"""Python and independent JavaScript engines (Ajv strict, V8 RegExp) agree on the shared cases."""

import functools
import json

import pytest
from tests._support import CASES, ROOT, run_node

from saas_contracts._ecma import compile_ecma
from saas_contracts._formats import FORMAT_CHECKER
from saas_contracts._validation import ContractValidator, is_valid

pytestmark = pytest.mark.node


@functools.cache
def _node_results():
    return json.loads(run_node("agreement.mjs", str(ROOT)))


@pytest.fixture
def node_results():
    return _node_results()


def test_every_schema_compiles_in_ajv_strict(node_results):
    """Ajv 2020-12 in strict mode compiles every packaged schema."""
    failures = {name: status for name, status in node_results["compiled"].items() if status != "ok"}
    assert not failures


def test_schema_case_verdicts_agree(node_results):
    """Ajv and Python give the same verdict on every shared case, and both match the label."""
    groups = {
        path.name: json.loads(path.read_text(encoding="utf-8")) for path in (CASES / "schemas").glob("*.json")
    }
    disagreements = []
    assert node_results["verdicts"]
    for verdict in node_results["verdicts"]:
        assert "error" not in verdict, verdict
        group = groups[verdict["file"]][verdict["group"]]
        test = group["tests"][verdict["test"]]
        python = is_valid(test["data"], group["schema"]["$ref"])
        if not (python == verdict["valid"] == test["valid"]):
            disagreements.append(
                (verdict["file"], group["description"], test["description"], python, verdict["valid"])
            )
    assert not disagreements


def test_regex_semantics_agree(node_results):
    """JavaScript's RegExp (u flag) and our ECMA translation agree on every pattern case."""
    cases = json.loads((CASES / "ecma-patterns.json").read_text(encoding="utf-8"))
    python = [bool(compile_ecma(case["pattern"]).search(case["input"])) for case in cases]
    assert python == node_results["patterns"]


def test_bare_schema_format_verdicts_agree(node_results):
    """On bare schemas Ajv (ajv-formats + node/user-formats.mjs) and Python give each case its label."""
    groups = json.loads((CASES / "formats.json").read_text(encoding="utf-8"))
    assert node_results["formats"]
    disagreements = []
    for verdict in node_results["formats"]:
        assert "error" not in verdict, verdict
        group = groups[verdict["group"]]
        test = group["tests"][verdict["test"]]
        python = ContractValidator(group["schema"], format_checker=FORMAT_CHECKER).is_valid(test["data"])
        if not (python == verdict["valid"] == test["valid"]):
            disagreements.append((group["description"], test["description"], python, verdict["valid"]))
    assert not disagreements
