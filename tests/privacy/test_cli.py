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

    def test_json_totals_when_nothing_is_left_out(self, cli, files):
        """Totals count every finding; 'truncated' is false when all are listed."""
        payload = json.loads(cli("scan", "-o", "json", str(files["lines"])).stdout)
        assert payload["totals"] == {"findings": 2, "errors": 0}
        assert payload["truncated"] is False
        assert payload["max_samples"] == 100

    def test_help_explains(self, cli):
        """--help names the formats, the config and the exit codes."""
        result = cli("scan", "--help")
        assert "sarif" in result.output
        assert "--config" in result.output
        assert "Exit 0 clean, 1 findings, 2" in result.output


@pytest.fixture
def many(tmp_path):
    """Five lines with one finding each, then a clean line and two broken lines."""
    path = tmp_path / "many.jsonl"
    rows = [json.dumps({"note": GITHUB, "n": number}) for number in range(5)]
    path.write_text("\n".join([*rows, json.dumps({"ok": 1}), "{broken", "[1,]"]) + "\n", encoding="utf-8")
    return path


class TestBoundedReports:
    """--max-samples bounds the listed findings and input errors; counts and exit codes cover everything."""

    def test_json_is_bounded_with_totals(self, cli, many):
        """The first N findings and errors in input order, totals, and 'truncated': true."""
        result = cli("scan", "-o", "json", "--max-samples", "2", str(many))
        assert result.exit_code == 2  # broken lines are unreadable input
        payload = json.loads(result.stdout)
        assert [finding["line"] for finding in payload["findings"]] == [1, 2]
        assert [error["line"] for error in payload["errors"]] == [7, 8]
        assert payload["totals"] == {"findings": 5, "errors": 2}
        assert payload["artifacts"] == 6
        assert payload["truncated"] is True
        assert GITHUB not in result.output

    def test_text_says_how_many_were_left_out(self, cli, many):
        """Two finding lines on stdout, then how many more, then the summary counting all five."""
        result = cli("scan", "--max-samples", "2", str(many))
        assert len(result.stdout.splitlines()) == 2
        assert "3 more findings not listed (--max-samples 2)" in result.stderr
        assert "5 findings, 2 unreadable" in result.stderr

    def test_error_list_is_bounded_too(self, cli, many):
        """With N=1 one unreadable line is listed and the other is counted."""
        result = cli("scan", "--max-samples", "1", str(many))
        assert result.stderr.count("error: ") == 2  # one listed error, one "more not listed" line
        assert "1 more unreadable inputs not listed" in result.stderr

    def test_sarif_keeps_n_results_and_says_how_many_are_missing(self, cli, tmp_path):
        """SARIF stays one valid run: N results, a warning notification and the totals."""
        clean = tmp_path / "clean.jsonl"
        clean.write_text("".join(json.dumps({"note": GITHUB}) + "\n" for _ in range(4)), encoding="utf-8")
        result = cli("scan", "-o", "sarif", "--max-samples", "3", str(clean))
        assert result.exit_code == 1
        (run_,) = json.loads(result.stdout)["runs"]
        assert [r["locations"][0]["physicalLocation"]["region"]["startLine"] for r in run_["results"]] == [
            1,
            2,
            3,
        ]
        (invocation,) = run_["invocations"]
        assert invocation["executionSuccessful"] is True
        (notification,) = invocation["toolExecutionNotifications"]
        assert notification["level"] == "warning"
        assert notification["message"]["text"].startswith("1 more finding left out of this log")
        assert run_["properties"] == {"resultsTotal": 4, "resultsOmitted": 1}
        assert GITHUB not in result.stdout

    def test_sarif_without_omissions_has_no_notification(self, cli, files):
        """A complete log carries no invocation notification."""
        (run_,) = json.loads(cli("scan", "-o", "sarif", str(files["lines"])).stdout)["runs"]
        assert "invocations" not in run_

    def test_max_samples_zero_lists_all(self, cli, tmp_path):
        """--max-samples 0 keeps every finding ('max_samples': null)."""
        path = tmp_path / "lots.jsonl"
        path.write_text("".join(json.dumps({"note": GITHUB}) + "\n" for _ in range(120)), encoding="utf-8")
        payload = json.loads(cli("scan", "-o", "json", "--max-samples", "0", str(path)).stdout)
        assert len(payload["findings"]) == 120
        assert payload["max_samples"] is None
        assert payload["truncated"] is False
