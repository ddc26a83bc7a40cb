"""`saas-contracts scan`: formats, exit codes, JSON Lines lines, product config, no leaks."""

from __future__ import annotations

import json

import pytest

from saas_contracts.privacy import default_rules

STRIPE = "sk_" + "live_" + "4eC39HqLyjWDarjtT1zdp7dc"
GITHUB = "ghp_" + "aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5"


@pytest.fixture
def files(tmp_path):
    clean = tmp_path / "clean.json"
    clean.write_text(json.dumps({"plan": "pro", "count": 3, "commit_sha": "ab" * 20}), encoding="utf-8")
    dirty = tmp_path / "dirty.json"
    dirty.write_text(json.dumps({"token": STRIPE, "label": "acme-render beta"}), encoding="utf-8")
    lines = tmp_path / "events.jsonl"
    lines.write_text(
        "\n".join(
            json.dumps(doc) for doc in [{"ok": 1}, {"note": GITHUB}, {"ok": 2}, {"email": "a" + "@b.example"}]
        )
        + "\n",
        encoding="utf-8",
    )
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"deny_terms": ["acme-render"]}), encoding="utf-8")
    return {"clean": clean, "dirty": dirty, "lines": lines, "config": config, "dir": tmp_path}


class TestExitCodes:
    """0 clean, 1 findings, 2 usage or unreadable input."""

    def test_clean(self, cli, files):
        """A clean file exits 0."""
        result = cli("scan", str(files["clean"]))
        assert result.exit_code == 0, result.output

    def test_findings(self, cli, files):
        """A file with findings exits 1."""
        assert cli("scan", str(files["clean"]), str(files["dirty"])).exit_code == 1

    def test_missing_file(self, cli, files):
        """An unreadable input exits 2, even next to findings."""
        result = cli("scan", str(files["dirty"]), str(files["dir"] / "missing.json"))
        assert result.exit_code == 2
        assert "missing.json: no such file" in result.output

    def test_bad_json_line(self, cli, files):
        """An unparsable JSON Lines line exits 2 and names the line."""
        bad = files["dir"] / "bad.jsonl"
        bad.write_text('{"ok": 1}\n{nope\n', encoding="utf-8")
        result = cli("scan", str(bad))
        assert result.exit_code == 2
        assert "bad.jsonl:2" in result.output

    def test_unsupported_suffix(self, cli, files):
        """Only .json and .jsonl/.ndjson are read."""
        other = files["dir"] / "notes.txt"
        other.write_text("{}", encoding="utf-8")
        assert cli("scan", str(other)).exit_code == 2

    def test_invalid_config(self, cli, files):
        """A config that is not privacy/v1/config is a usage error."""
        bad = files["dir"] / "bad-config.json"
        bad.write_text(json.dumps({"deny_terms": "acme"}), encoding="utf-8")
        result = cli("scan", "--config", str(bad), str(files["clean"]))
        assert result.exit_code == 2
        assert "privacy/v1/config" in result.output

    def test_no_paths(self, cli):
        """PATH is required."""
        assert cli("scan").exit_code == 2


class TestFormats:
    """text, json and sarif; none of them leaks a secret."""

    def test_text(self, cli, files):
        """One line per finding with location, pointer, rule, family, target, view and masked preview."""
        result = cli("scan", "--config", str(files["config"]), str(files["dirty"]), str(files["lines"]))
        assert result.exit_code == 1
        lines = result.stdout.splitlines()
        assert (
            f"{files['dirty']}: /token: stripe-secret-key [credential, value, view raw] sk_l…(32 chars)"
            in lines
        )
        assert any(line.startswith(f"{files['lines']}:2: /note: github-token") for line in lines)
        assert any("product-deny-term" in line for line in lines)
        assert STRIPE not in result.output
        assert GITHUB not in result.output

    def test_json(self, cli, files):
        """JSON output carries the path, 1-based line for JSON Lines, and the rules digest."""
        result = cli("scan", "-o", "json", str(files["lines"]))
        payload = json.loads(result.stdout)
        assert payload["clean"] is False
        assert payload["rules_digest"] == default_rules().digest
        assert payload["artifacts"] == 4
        assert [(f["line"], f["rule_id"], f["pointer"]) for f in payload["findings"]] == [
            (2, "github-token", "/note"),
            (4, "email-address", "/email"),
        ]
        assert GITHUB not in result.stdout

    def test_sarif(self, cli, files):
        """SARIF 2.1.0 with rules from the rule file, pointers as logical locations and no snippets."""
        result = cli("scan", "-o", "sarif", str(files["dirty"]), str(files["lines"]))
        assert result.exit_code == 1
        log = json.loads(result.stdout)
        assert log["version"] == "2.1.0"
        run_ = log["runs"][0]
        rules = run_["tool"]["driver"]["rules"]
        assert [rule["id"] for rule in rules] == [rule.id for rule in default_rules()]
        results = run_["results"]
        assert {r["ruleId"] for r in results} >= {"stripe-secret-key", "github-token", "secret-named-field"}
        for sarif_result in results:
            assert rules[sarif_result["ruleIndex"]]["id"] == sarif_result["ruleId"]
            location = sarif_result["locations"][0]
            assert location["logicalLocations"][0]["fullyQualifiedName"].startswith("/")
            assert "snippet" not in json.dumps(location)
        jsonl = [
            r
            for r in results
            if r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].endswith(".jsonl")
        ]
        assert {r["locations"][0]["physicalLocation"]["region"]["startLine"] for r in jsonl} == {2, 4}
        assert STRIPE not in result.stdout
        assert GITHUB not in result.stdout

    def test_sarif_clean(self, cli, files):
        """A clean run is still a complete SARIF log with zero results."""
        result = cli("scan", "-o", "sarif", str(files["clean"]))
        assert result.exit_code == 0
        assert json.loads(result.stdout)["runs"][0]["results"] == []

    def test_stdin_is_json_lines(self, cli):
        """'-' reads JSON Lines from standard input."""
        result = cli("scan", "-o", "json", "-", input=json.dumps({"note": GITHUB}) + "\n")
        assert result.exit_code == 1
        assert json.loads(result.stdout)["findings"][0]["line"] == 1

    def test_help_explains(self, cli):
        """--help names the formats, the config and the exit codes."""
        result = cli("scan", "--help")
        assert "sarif" in result.output
        assert "--config" in result.output
        assert "Exit 0 clean, 1 findings, 2" in result.output
