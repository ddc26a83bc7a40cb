"""The acceptance-fixture harness: one outcome per vector, one error style, pointer placement."""

from __future__ import annotations

import copy
import json

from hypothesis import given
from hypothesis import strategies as st
from tests.entitlements._support import FIXTURE

from saas_contracts._fixture_harness import FixtureContract, compose, error_detail, place, run_stage
from saas_contracts.entitlements._fixture import run_stage as run_entitlements_stage
from saas_contracts.errors import ContractError
from saas_contracts.privacy import scan


def _ok(_vector, _run):
    return []


def _fails(_vector, _run):
    return ["expected x, got y"]


def _raises_value_error(_vector, _run):
    msg = "secret-ish input sk_live_do_not_echo"
    raise ValueError(msg)


def _raises_contract_error(_vector, _run):
    msg = "the request was\nrefused"
    raise ContractError(msg)


def _raises_runtime_error(vector, _run):
    raise RuntimeError(vector["name"])


CHECKS = {"ok": _ok, "fails": _fails, "value": _raises_value_error}


class TestRunStage:
    """Every vector ends in exactly one counted outcome, whatever its check does."""

    def test_a_raising_check_is_one_failed_outcome_with_a_safe_detail(self):
        stage = {"vectors": [{"name": "a"}, {"name": "b"}]}
        outcomes = run_stage(CHECKS, "value", stage)
        assert [(o.name, o.passed, o.detail) for o in outcomes] == [
            ("a", False, "malformed vector (ValueError)"),
            ("b", False, "malformed vector (ValueError)"),
        ]

    def test_contract_errors_keep_their_public_message_on_one_line(self):
        [outcome] = run_stage({"s": _raises_contract_error}, "s", {"vectors": [{"name": "a"}]})
        assert outcome.detail == "raised ContractError: the request was refused"

    def test_other_exceptions_are_named_by_type_only(self):
        [outcome] = run_stage({"s": _raises_runtime_error}, "s", {"vectors": [{"name": "do-not-echo"}]})
        assert outcome.detail == "the check raised RuntimeError"

    def test_unknown_stage_fails_every_vector(self):
        outcomes = run_stage(CHECKS, "nonsense", {"vectors": [{"name": "x"}, {}]})
        assert [(o.name, o.passed) for o in outcomes] == [("x", False), ("vector-1", False)]
        [empty] = run_stage(CHECKS, "nonsense", {"vectors": []})
        assert (empty.name, empty.passed) == ("(stage)", False)

    def test_state_is_shared_within_a_stage_only(self):
        def count(vector, run):
            run.shared["seen"] = run.shared.get("seen", 0) + 1
            return [] if run.shared["seen"] == vector["n"] else ["out of order"]

        stage = {"vectors": [{"name": "a", "n": 1}, {"name": "b", "n": 2}]}
        assert all(o.passed for o in run_stage({"s": count}, "s", stage))
        assert all(o.passed for o in run_stage({"s": count}, "s", stage))

    @given(st.lists(st.sampled_from(["ok", "fails", "value"]), max_size=20))
    def test_counts_are_conserved(self, kinds):
        def check(vector, run):
            return CHECKS[vector["kind"]](vector, run)

        vectors = [{"name": f"v{i}", "kind": kind} for i, kind in enumerate(kinds)]
        outcomes = run_stage({"s": check}, "s", {"vectors": vectors})
        passed = sum(o.passed for o in outcomes)
        failed = sum(not o.passed for o in outcomes)
        assert passed + failed == len(vectors) == len(outcomes)
        assert passed == kinds.count("ok")

    def test_required_stages_come_from_the_table(self):
        contract = FixtureContract(candidate="c", target_package="p", schema="s", checks=CHECKS)
        assert contract.required_stages == ("ok", "fails", "value")


class TestErrorDetail:
    """Details never echo a builtin exception's message."""

    def test_builtin_messages_are_dropped(self):
        assert "sk_live" not in error_detail(KeyError("sk_live_x"))

    def test_long_contract_messages_are_cut(self):
        assert len(error_detail(ContractError("x" * 1000))) <= 240


class TestComposeAndPlace:
    """Split samples are joined and placed at RFC 6901 pointers."""

    def test_compose_joins_fragments(self):
        assert compose({"$concat": ["billing.owner", "@", "example.com"]}) == "billing.owner@example.com"

    def test_place_unescapes_tokens(self):
        document = {"a/b": {"m~n": 1}}
        place(document, "/a~1b/m~0n", 2)
        assert document == {"a/b": {"m~n": 2}}

    def test_entitlements_privacy_vector_with_escaped_pointer(self):
        """Regression: the old entitlements helper wrote '~0'/'~1' tokens as literal keys."""
        document = json.loads(FIXTURE.read_text(encoding="utf-8"))
        audit = next(stage for stage in document["stages"] if stage["stage"] == "audit")
        vector = copy.deepcopy(next(v for v in audit["vectors"] if v["check"] == "privacy_rejects"))
        vector["artifact"]["cause"] = {"odd/key": {"a~b": "ok"}}
        assert scan(vector["artifact"]).clean
        vector["inject"]["pointer"] = "/cause/odd~1key/a~0b"
        [outcome] = run_entitlements_stage("audit", {"stage": "audit", "vectors": [vector]})
        assert outcome.passed, outcome.detail

        # The value lands at the unescaped key, replacing it (no literal "odd~1key" member).
        artifact = copy.deepcopy(vector["artifact"])
        place(artifact, vector["inject"]["pointer"], compose(vector["inject"]["probe"]))
        assert set(artifact["cause"]) == {"odd/key"}
        assert artifact["cause"]["odd/key"]["a~b"] == compose(vector["inject"]["probe"])
