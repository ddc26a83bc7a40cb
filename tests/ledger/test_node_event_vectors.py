"""A TypeScript consumer runs the fixture's event vectors and gets the same answers."""

import json

import pytest
from tests._support import run_node
from tests.ledger._support import FIXTURE

from saas_contracts.ledger import fingerprint

pytestmark = pytest.mark.node


def _event_vectors():
    document = json.loads(FIXTURE.read_text(encoding="utf-8"))
    (stage,) = [stage for stage in document["stages"] if stage["stage"] == "event"]
    return {vector["name"]: vector for vector in stage["vectors"]}


def _pairs(violations):
    pairs = {(item["pointer"], item["keyword"]) for item in violations}
    # A `format` pair next to a `pattern` pair on the same pointer is not compared: the pattern
    # decides, and the format checks (ajv-formats, ours) may or may not fire beside it.
    patterned = {pointer for pointer, keyword in pairs if keyword == "pattern"}
    return sorted(
        (pointer, keyword) for pointer, keyword in pairs if not (keyword == "format" and pointer in patterned)
    )


@pytest.fixture(scope="module")
def node_results():
    output = run_node("ledger-event-vectors.mjs", str(FIXTURE))
    return {result["name"]: result for result in json.loads(output)}


class TestNodeEventVectors:
    """node/ledger-event-vectors.mjs (Ajv + canonicalize) agrees with the fixture, vector by vector."""

    def test_every_vector_is_answered(self, node_results):
        """Node answers exactly the fixture's event vectors."""
        assert set(node_results) == set(_event_vectors())

    @pytest.mark.parametrize("name", sorted(_event_vectors()))
    def test_same_verdict_violations_and_fingerprint(self, node_results, name):
        """Validity, (pointer, keyword) violations and fingerprints match the fixture."""
        vector = _event_vectors()[name]
        result = node_results[name]
        expect = vector["expect"]
        assert result["valid"] is expect["valid"]
        if "violations" in expect:
            assert _pairs(result["violations"]) == _pairs(expect["violations"])
        if "fingerprint" in expect:
            assert result["fingerprint"] == expect["fingerprint"]
        if "same_fingerprint_as" in expect:
            assert result["fingerprint"] == node_results[expect["same_fingerprint_as"]]["fingerprint"]
        if result["valid"] and "event" in vector:
            assert result["fingerprint"] == fingerprint(vector["event"])
