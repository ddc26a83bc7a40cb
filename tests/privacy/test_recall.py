"""The recall corpus: documented credential shapes in every assignment syntax, and the floors they hold.

``scripts/privacy_recall.py`` computes the figures; this module loads it (scripts are files,
not a package) and checks that recall per provider and per syntax, and precision on clean
artifacts, never drop below ``tests/privacy/corpus/recall/expected.json``.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from typing import TYPE_CHECKING, Any

import pytest
from tests._support import ROOT
from tests.privacy._support import CORPUS, RULES_PATH

from saas_contracts.privacy import default_rules, scan

if TYPE_CHECKING:
    from types import ModuleType

RECALL = CORPUS / "recall"
DEV = sorted((RECALL / "dev").glob("*.json"))
SYNTAXES = {
    "bare",
    "env",
    "yaml",
    "json",
    "toml",
    "go-walrus",
    "go-backtick",
    "go-var",
    "makefile",
    "makefile-posix",
    "makefile-conditional",
    "php-concat",
    "php-arrow",
    "java-setproperty",
    "xml",
    "http-header",
    "authorization-basic",
    "authorization-scheme",
}
PROVIDERS = {
    "gitlab",
    "npm",
    "pypi",
    "sendgrid",
    "twilio",
    "mailgun",
    "mailchimp",
    "postmark",
    "resend",
    "shopify",
    "sentry",
    "square",
    "huggingface",
    "azure",
    "datadog",
    "cloudflare",
    "aws-bedrock",
    "discord",
    "telegram",
    "artifactory",
    "supabase",
    "vercel",
    "clerk",
    "paddle",
    "lemonsqueezy",
    "replicate",
    "stripe",
    "identity-provider",
    "generic",
}
# Provider shapes added with the recall corpus: push-protection scanners know most of them on sight.
PROVIDER_SHAPE_RULES = {
    "gitlab-token",
    "npm-access-token",
    "pypi-upload-token",
    "sendgrid-api-key",
    "twilio-api-key",
    "mailgun-api-key",
    "mailchimp-api-key",
    "postmark-server-token",
    "resend-api-key",
    "discord-credential",
    "telegram-bot-token",
    "shopify-token",
    "square-credential",
    "sentry-credential",
    "datadog-api-key",
    "azure-credential",
    "aws-bedrock-api-key",
    "artifactory-credential",
    "supabase-secret-key",
    "vercel-token",
    "huggingface-token",
}
STORED = [RULES_PATH, *sorted(CORPUS.rglob("*.json"))]


def _script() -> ModuleType:
    name = "privacy_recall_script"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / "privacy_recall.py")
        assert spec is not None
        assert spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # dataclasses look their module up while the class is built
        spec.loader.exec_module(module)
    return sys.modules[name]


@pytest.fixture(scope="module")
def figures() -> dict[str, Any]:
    """Recall and precision as the script reports them (computed once)."""
    result: dict[str, Any] = _script().measure()
    return result


@pytest.fixture(scope="module")
def floors() -> dict[str, Any]:
    """The reviewed floors."""
    data: dict[str, Any] = json.loads((RECALL / "expected.json").read_text(encoding="utf-8"))
    return data


@pytest.mark.slow  # the figures fixture scans all 1,323 recall samples (~2.5 s); CI runs it
class TestRecallFloors:
    """Recall per provider and per syntax, and precision, stay at or above their floors."""

    def test_corpus_covers_the_documented_providers_and_syntaxes(self, figures):
        """Every provider and syntax of the issue has samples."""
        assert set(figures["recall"]["provider"]) >= PROVIDERS
        assert set(figures["recall"]["syntax"]) == SYNTAXES
        assert figures["recall"]["samples"] >= 1000

    def test_floors_name_every_figure(self, figures, floors):
        """No provider or syntax goes unguarded, and no floor is stale."""
        assert set(floors["recall"]["provider"]) == set(figures["recall"]["provider"])
        assert set(floors["recall"]["syntax"]) == set(figures["recall"]["syntax"])

    def test_no_figure_drops_below_its_floor(self, figures, floors):
        """Recall per provider, per syntax, overall, and precision on clean items hold their floors."""
        assert _script().below_floor(figures, floors) == []

    def test_precision_is_perfect(self, figures):
        """Clean ops summaries, usage reports and release packets give no finding at all."""
        assert figures["precision"]["false_positives"] == []
        assert figures["precision"]["items"] >= 100

    def test_below_floor_reports_a_drop(self, figures, floors):
        """The floor check is not a rubber stamp: a lowered figure is reported by name."""
        lowered = json.loads(json.dumps(figures))
        lowered["recall"]["provider"]["gitlab"] = 0.5
        lowered["recall"]["syntax"].pop("xml")
        lowered["precision"]["clean"] = 0.9
        problems = _script().below_floor(lowered, floors)
        assert any(problem.startswith("recall provider/gitlab: 0.5") for problem in problems)
        assert any(problem.startswith("recall syntax/xml: None") for problem in problems)
        assert any(problem.startswith("precision: 0.9") for problem in problems)


class TestRecallCorpusStorage:
    """The corpus never holds a secret in one piece."""

    @pytest.mark.parametrize("path", DEV, ids=lambda path: path.stem)
    def test_stored_fragments_hold_no_credential(self, path):
        """As committed (fragments not joined), a provider file carries no credential or raw id."""
        stored = json.loads(path.read_text(encoding="utf-8"))
        families = {finding.family for finding in scan(stored).findings}
        assert families.isdisjoint({"credential", "raw_id"})

    @pytest.mark.parametrize("path", DEV, ids=lambda path: path.stem)
    def test_no_rule_matches_the_raw_file_text(self, path):
        """No credential value rule matches the file's text as stored."""
        text = path.read_text(encoding="utf-8")
        rules = [rule for rule in default_rules() if rule.family == "credential" and rule.target == "value"]
        assert [rule.id for rule in rules if rule.search(text)] == []

    def test_provider_shape_rules_exist(self):
        """The provider rules this corpus measures are packaged."""
        assert {rule.id for rule in default_rules()} >= PROVIDER_SHAPE_RULES

    @pytest.mark.parametrize("path", STORED, ids=lambda path: str(path.relative_to(ROOT)))
    def test_no_provider_shape_in_any_stored_file(self, path):
        """Neither the rules file nor any corpus file holds a provider token in one piece."""
        text = path.read_text(encoding="utf-8")
        rules = [rule for rule in default_rules() if rule.id in PROVIDER_SHAPE_RULES]
        assert [rule.id for rule in rules if rule.search(text)] == []


@pytest.mark.slow  # each run scans the whole corpus again (about 1.5 s)
class TestScript:
    """The script's text and JSON reports."""

    def test_json_report(self, capsys):
        """-o json prints the figures; --check passes on the committed corpus."""
        assert _script().main(["-o", "json", "--check"]) == 0
        printed = json.loads(capsys.readouterr().out)
        assert set(printed) == {"recall", "precision", "missed"}
        assert printed["recall"]["provider"]["gitlab"] == 1.0

    def test_text_report(self, capsys):
        """The text report names each provider and syntax with its recall."""
        assert _script().main([]) == 0
        out = capsys.readouterr().out
        assert "per provider:" in out
        assert "per syntax:" in out
        assert "precision: 100.0%" in out
