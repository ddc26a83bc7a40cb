"""The spine's commands: validate, schemas list/show/export."""

import json

import pytest
from jsonschema import Draft202012Validator
from referencing import Registry
from referencing.exceptions import Unresolvable

SECRET_ID = "sub_" + "A1b2C3d4E5f6G7h8"


class TestValidateCommand:
    """`saas-contracts validate` over .json and .jsonl files."""

    def test_clean_file_exits_zero(self, cli, tmp_path):
        """A valid document: exit 0, summary on stderr."""
        path = tmp_path / "ts.json"
        path.write_text('"2026-11-21T10:00:00Z"', encoding="utf-8")
        result = cli("validate", "--schema", "common/v1/common#/$defs/utc_timestamp", str(path))
        assert result.exit_code == 0
        assert "1 valid" in result.stderr

    def test_jsonl_reports_each_bad_line(self, cli, tmp_path):
        """Bad lines are reported with their numbers and do not stop the rest."""
        path = tmp_path / "labels.jsonl"
        path.write_text('"pro"\n"pro\\n"\n{oops\n"team"\n', encoding="utf-8")
        result = cli("validate", "-s", "common/v1/common#/$defs/plan_label", "-o", "json", str(path))
        assert result.exit_code == 1
        payload = json.loads(result.stdout)
        assert payload["summary"] == {"documents": 4, "valid": 2, "invalid": 1, "unparsable": 1}
        # Only problem documents are listed (valid ones are counted): the list stays bounded.
        assert [(d["line"], d["valid"], d["parse_error"] is None) for d in payload["problems"]] == [
            (2, False, True),
            (3, False, False),
        ]
        assert payload["truncated"] is False
        assert payload["max_samples"] == 100

    def test_max_samples_bounds_the_list_not_the_counts(self, cli, tmp_path):
        """The first N problem documents are listed; the counts and 'truncated' cover the rest."""
        path = tmp_path / "labels.jsonl"
        path.write_text("".join(f"{number}\n" for number in range(7)) + '"pro"\n', encoding="utf-8")
        schema = "common/v1/common#/$defs/plan_label"
        result = cli("validate", "-s", schema, "-o", "json", "--max-samples", "3", str(path))
        assert result.exit_code == 1
        payload = json.loads(result.stdout)
        assert payload["summary"] == {"documents": 8, "valid": 1, "invalid": 7, "unparsable": 0}
        assert [d["line"] for d in payload["problems"]] == [1, 2, 3]
        assert payload["truncated"] is True
        assert payload["max_samples"] == 3
        text = cli("validate", "-s", schema, "--max-samples", "3", str(path))
        assert len(text.stdout.splitlines()) == 3
        assert "4 more invalid or unparsable documents not listed (--max-samples 3)" in text.stderr

    def test_max_samples_zero_lists_every_problem(self, cli, tmp_path):
        """--max-samples 0 lists them all ('max_samples': null)."""
        path = tmp_path / "labels.jsonl"
        path.write_text("".join(f"{number}\n" for number in range(150)), encoding="utf-8")
        schema = "common/v1/common#/$defs/plan_label"
        payload = json.loads(
            cli("validate", "-s", schema, "-o", "json", "--max-samples", "0", str(path)).stdout
        )
        assert len(payload["problems"]) == 150
        assert payload["max_samples"] is None
        assert payload["truncated"] is False

    def test_too_long_line_is_unparsable_with_its_number(self, cli, tmp_path, monkeypatch):
        """A line over the per-document limit is one unparsable document; the lines after it are read."""
        monkeypatch.setattr("saas_contracts._jsonio.MAX_DOCUMENT_BYTES", 64)
        path = tmp_path / "labels.jsonl"
        path.write_text('"pro"\n"' + "x" * 200 + '"\n"team"\n', encoding="utf-8")
        result = cli("validate", "-s", "common/v1/common#/$defs/plan_label", "-o", "json", str(path))
        assert result.exit_code == 1
        payload = json.loads(result.stdout)
        assert payload["summary"] == {"documents": 3, "valid": 2, "invalid": 0, "unparsable": 1}
        (problem,) = payload["problems"]
        assert problem["line"] == 2
        assert "line longer than 64 bytes" in problem["parse_error"]

    def test_output_never_echoes_values(self, cli, tmp_path):
        """A raw id in an invalid document does not reach stdout or stderr."""
        path = tmp_path / "id.json"
        path.write_text(json.dumps(SECRET_ID), encoding="utf-8")
        result = cli("validate", "-s", "common/v1/common#/$defs/redacted_reference", str(path))
        assert result.exit_code == 1
        assert SECRET_ID not in result.stdout + result.stderr

    def test_unknown_schema_is_usage_error(self, cli, tmp_path):
        """Exit 2 with a diagnostic on stderr, nothing on stdout."""
        path = tmp_path / "x.json"
        path.write_text("1", encoding="utf-8")
        result = cli("validate", "-s", "nope/v1/x", str(path))
        assert result.exit_code == 2
        assert result.stdout == ""
        assert "unknown schema" in result.stderr

    def test_missing_file_is_usage_error(self, cli, tmp_path):
        """A file that does not exist: exit 2, before anything is validated."""
        result = cli("validate", "-s", "common/v1/common", str(tmp_path / "missing.json"))
        assert result.exit_code == 2
        assert "no such file" in result.stderr

    def test_stdin_is_json_lines(self, cli):
        """'-' reads JSON Lines from standard input."""
        result = cli("validate", "-s", "common/v1/common#/$defs/quantity", "-", input="1\n-1\n")
        assert result.exit_code == 1
        assert "-:2" in result.stdout


class TestSchemasCommand:
    """`saas-contracts schemas` lists, shows and exports."""

    def test_list_json(self, cli):
        """Every schema appears with its name, $id and title."""
        result = cli("schemas", "list", "-o", "json")
        listed = {item["name"]: item for item in json.loads(result.stdout)}
        assert listed["common/v1/common"]["id"].endswith("/common/v1/common.schema.json")

    def test_show(self, cli):
        """show prints the document."""
        result = cli("schemas", "show", "common/v1/common")
        assert json.loads(result.stdout)["title"] == "Common vocabulary"

    @pytest.mark.slow  # exports and bundles every schema, ~1 s
    def test_export_tree_and_self_contained_bundles(self, cli, tmp_path):
        """Every bundle validates with no registry at all (nothing to fetch)."""
        result = cli("schemas", "export", str(tmp_path))
        assert result.exit_code == 0
        assert (tmp_path / "common" / "v1" / "common.schema.json").is_file()
        bundles = sorted((tmp_path / "bundled").rglob("*.bundle.json"))
        assert bundles

        def refuse(uri):
            raise Unresolvable(uri)

        for path in bundles:
            document = json.loads(path.read_text(encoding="utf-8"))
            Draft202012Validator.check_schema(document)
            validator = Draft202012Validator(document, registry=Registry(retrieve=refuse))  # type: ignore[call-arg]
            # Walking every error resolves every $ref reachable from the root for an empty object.
            list(validator.iter_errors({}))

    def test_export_under_a_file_is_a_usage_error(self, cli, tmp_path):
        """A location that cannot hold folders is exit 2 naming the file, never a traceback."""
        (tmp_path / "plain").write_text("x", encoding="utf-8")
        result = cli("schemas", "export", str(tmp_path / "plain" / "out"))
        assert result.exit_code == 2
        assert f"error: {tmp_path / 'plain' / 'out'}/" in result.stderr
        assert ": cannot write: Not a directory" in result.stderr
        assert "Traceback" not in result.output

    def test_failed_export_leaves_no_partial_file(self, cli, tmp_path):
        """A file that cannot replace its target leaves the earlier files whole and no temporary file."""
        blocked = tmp_path / "out" / "bundled"
        (blocked / "common" / "v1" / "common.bundle.json").mkdir(parents=True)  # a folder where a file goes
        result = cli("schemas", "export", str(tmp_path / "out"))
        assert result.exit_code == 2
        assert "common.bundle.json: cannot write: Is a directory" in result.stderr
        assert not list((tmp_path / "out").rglob("*.tmp"))
        for path in (tmp_path / "out").rglob("*.json"):
            if path.is_file():
                json.loads(path.read_text(encoding="utf-8"))


def test_version(cli):
    """--version prints the package version."""
    assert "saas-contracts" in cli("--version").stdout


def test_help_explains_exit_codes(cli):
    """Top-level help documents the exit codes."""
    assert "Exit codes" in cli("--help").stdout
