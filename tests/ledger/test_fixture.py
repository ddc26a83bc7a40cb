"""The usage-event-ledger core fixture holds its constraints and every vector passes."""

import copy
import json

from tests._support import ROOT
from tests.ledger._support import FIXTURE

from saas_contracts._fixture_harness import compose
from saas_contracts.fixtures import check_fixture, check_fixture_document, discover_product_names
from saas_contracts.ledger._fixture import FIXTURE_CONTRACT, run_stage
from saas_contracts.privacy import scan


def _document():
    return json.loads(FIXTURE.read_text(encoding="utf-8"))


class TestFixture:
    """Constraints of the seed's Acceptance Fixture section, checked by the framework."""

    def test_fixture_check_passes(self):
        report = check_fixture(FIXTURE, repo_root=ROOT)
        assert report.violations == ()
        assert report.ok, [outcome.to_json() for outcome in report.failed_vectors]
        stages = {outcome.stage for outcome in report.outcomes}
        assert stages == {"event", "replay", "ops-summary", "privacy-boundary"}

    def test_cli_fixture_check(self, cli):
        result = cli("fixtures", "check", str(FIXTURE))
        assert result.exit_code == 0, result.output

    def test_names_target_and_boundary(self):
        document = _document()
        assert document["candidate"] == "usage-event-ledger"
        assert document["target"]["package"] == "cloudflare-saas-core/packages/usage-ledger"
        assert set(document["boundary"]["core_validators"]).isdisjoint(
            document["boundary"]["product_adapters"]
        )
        assert FIXTURE_CONTRACT.required_stages == ("event", "replay", "ops-summary", "privacy-boundary")

    def test_no_product_names(self):
        text = FIXTURE.read_text(encoding="utf-8").lower()
        for name in discover_product_names(ROOT / "examples"):
            assert name.lower() not in text

    def test_probes_are_only_stored_as_fragments(self):
        document = _document()
        assert scan(document).clean
        probes = [v["probe"] for s in document["stages"] for v in s["vectors"] if "probe" in v]
        probes += [v["inject"]["probe"] for s in document["stages"] for v in s["vectors"] if "inject" in v]
        assert len(probes) >= 10
        assert not all(scan(compose(probe)).clean for probe in probes)

    def test_a_product_name_breaks_the_fixture(self):
        document = _document()
        document["description"] += " Render Studio"
        report = check_fixture_document(document, source="x", product_names=["Render Studio"], repo_root=ROOT)
        assert not report.ok

    def test_a_wrong_expectation_fails_its_vector(self):
        stage = copy.deepcopy(next(s for s in _document()["stages"] if s["stage"] == "replay"))
        stage["vectors"][0]["expect"]["counts"]["accepted"] += 1
        outcomes = run_stage("replay", stage)
        assert not outcomes[0].passed
        assert all(outcome.passed for outcome in outcomes[1:])

    def test_a_wrong_privacy_verdict_fails(self):
        stage = copy.deepcopy(next(s for s in _document()["stages"] if s["stage"] == "privacy-boundary"))
        for vector in stage["vectors"]:
            vector["expect"] = "allowed" if vector["expect"] == "rejected" else "rejected"
        assert not any(outcome.passed for outcome in run_stage("privacy-boundary", stage))
