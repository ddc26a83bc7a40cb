"""The ``diff`` command: sides (directories, git revisions), output formats, the semver gate."""

from __future__ import annotations

import json
import shutil
import subprocess
from typing import TYPE_CHECKING

import pytest
from tests._support import ROOT

from saas_contracts.diff import SchemaSet, diff_sets
from saas_contracts.diff._report import MARKDOWN_LIMIT, render_markdown

if TYPE_CHECKING:
    from pathlib import Path

BASE = "https://saas-contracts.dev/schemas/"
REPO_SCHEMAS = ROOT / "schemas"
GIT = shutil.which("git")


def _write(root: Path, relative: str, document: object) -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")


def _schema(relative: str, **body: object) -> dict[str, object]:
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": BASE + relative, **body}


def _tree(root: Path, *, label_max: int = 64, event_required: tuple[str, ...] = ("kind",)) -> Path:
    """A small schemas/ tree: a shared label in common, an event that references it."""
    _write(root, "common/contract.json", {"contract": "common", "compatibility": "full", "version": "1.0.0"})
    _write(
        root, "ledger/contract.json", {"contract": "ledger", "compatibility": "backward", "version": "1.0.0"}
    )
    _write(
        root,
        "common/v1/common.schema.json",
        _schema(
            "common/v1/common.schema.json",
            **{
                "$defs": {"label": {"type": "string", "pattern": "^[a-z][a-z0-9-]*$", "maxLength": label_max}}
            },
        ),
    )
    _write(
        root,
        "ledger/v1/event.schema.json",
        _schema(
            "ledger/v1/event.schema.json",
            type="object",
            properties={
                "kind": {"$ref": "../../common/v1/common.schema.json#/$defs/label"},
                "count": {"type": "integer", "minimum": 0},
            },
            required=list(event_required),
            additionalProperties=False,
        ),
    )
    return root


def _git(cwd: Path, *args: str) -> None:
    assert GIT is not None
    subprocess.run(  # noqa: S603 - a fixed git binary on a temporary repository
        [
            GIT,
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@example.invalid",
            "-c",
            "init.defaultBranch=main",
            *args,
        ],
        cwd=cwd,
        check=True,
        capture_output=True,
    )


class TestDirectories:
    """Two directories of schemas in our layout."""

    def test_identical_trees_pass(self, cli, tmp_path):
        old, new = _tree(tmp_path / "old"), _tree(tmp_path / "new")
        result = cli("diff", str(old), str(new), "-o", "json")
        payload = json.loads(result.stdout)
        assert result.exit_code == 0
        assert payload["changes"] == []
        assert payload["files"]["ledger/v1/event.schema.json"] == {
            "backward": "compatible",
            "forward": "compatible",
            "changes": 0,
        }
        assert payload["gate"]["passed"] is True

    def test_breaking_change_inside_v1_fails_the_gate(self, cli, tmp_path):
        old, new = _tree(tmp_path / "old"), _tree(tmp_path / "new", event_required=("kind", "count"))
        result = cli("diff", str(old), str(new), "-o", "json")
        payload = json.loads(result.stdout)
        assert result.exit_code == 1
        [change] = payload["changes"]
        assert change["kind"] == "required-added"
        assert (change["backward"], change["forward"]) == ("breaking", "compatible")
        assert change["severity"] == "major"
        example = change["counterexample"]["backward"]
        assert "count" not in example["instance"]
        assert payload["files"]["ledger/v1/event.schema.json"] == {
            "backward": "breaking",
            "forward": "compatible",
            "changes": 1,
        }
        assert [item["kind"] for item in payload["gate"]["violations"]] == ["required-added"]

    def test_compatible_change_passes_the_gate(self, cli, tmp_path):
        old, new = _tree(tmp_path / "old", event_required=("kind", "count")), _tree(tmp_path / "new")
        result = cli("diff", str(old), str(new), "-o", "json")
        payload = json.loads(result.stdout)
        assert result.exit_code == 0
        assert [change["kind"] for change in payload["changes"]] == ["required-removed"]
        assert payload["changes"][0]["severity"] == "minor"

    def test_shared_definition_change_is_reported_once_with_every_place(self, cli, tmp_path):
        old, new = _tree(tmp_path / "old"), _tree(tmp_path / "new", label_max=8)
        result = cli("diff", str(old), str(new), "-o", "json")
        payload = json.loads(result.stdout)
        (change,) = payload["changes"]
        assert change["pointers"]["new"] == "common/v1/common.schema.json#/$defs/label/maxLength"
        assert change["reached_from"] == [
            {"file": "common/v1/common.schema.json", "schema": "/$defs/label", "instance": ""},
            {"file": "ledger/v1/event.schema.json", "schema": "", "instance": "/kind"},
        ]
        assert change["backward"] == "breaking"
        assert len(change["counterexample"]["backward"]["instance"]) > 8
        assert payload["files"]["ledger/v1/event.schema.json"]["changes"] == 1
        violations = {item["file"] for item in payload["gate"]["violations"]}
        assert violations == {"common/v1/common.schema.json", "ledger/v1/event.schema.json"}
        assert result.exit_code == 1  # common promises full compatibility, ledger backward

    def test_major_bump_in_a_new_folder_passes(self, cli, tmp_path):
        old = _tree(tmp_path / "old")
        new = _tree(tmp_path / "new")
        body = json.loads((new / "ledger/v1/event.schema.json").read_text(encoding="utf-8"))
        body["$id"] = BASE + "ledger/v2/event.schema.json"
        body["required"] = ["kind", "count"]
        body["properties"]["kind"]["$ref"] = "../../common/v1/common.schema.json#/$defs/label"
        _write(new, "ledger/v2/event.schema.json", body)
        _write(
            new,
            "ledger/contract.json",
            {"contract": "ledger", "compatibility": "backward", "version": "2.0.0"},
        )
        result = cli("diff", str(old), str(new), "-o", "json")
        payload = json.loads(result.stdout)
        assert result.exit_code == 0, payload["gate"]
        bumped = [change for change in payload["changes"] if change["major_bump"]]
        assert [change["kind"] for change in bumped] == ["required-added"]
        assert (
            payload["files"]["ledger/v2/event.schema.json"]["compared_with"] == "ledger/v1/event.schema.json"
        )

    def test_version_must_match_the_newest_folder(self, cli, tmp_path):
        old, new = _tree(tmp_path / "old"), _tree(tmp_path / "new")
        _write(
            new,
            "ledger/contract.json",
            {"contract": "ledger", "compatibility": "backward", "version": "2.0.0"},
        )
        result = cli("diff", str(old), str(new), "-o", "json")
        assert result.exit_code == 1
        assert json.loads(result.stdout)["gate"]["violations"][0]["kind"] == "version-mismatch"

    def test_waiver_with_reason_lets_a_break_through(self, cli, tmp_path):
        old, new = _tree(tmp_path / "old"), _tree(tmp_path / "new", event_required=("kind", "count"))
        _write(
            new,
            "compat-waivers.json",
            {
                "waivers": [
                    {
                        "file": "ledger/v1/event.schema.json",
                        "kind": "required-added",
                        "reason": "every producer has always sent count; checked in the ledger export",
                    }
                ]
            },
        )
        result = cli("diff", str(old), str(new), "-o", "json")
        payload = json.loads(result.stdout)
        assert result.exit_code == 0
        assert len(payload["gate"]["waived"]) == 1

    @pytest.mark.parametrize("reason", ["", "          ", "ok"])
    def test_waiver_without_a_reason_is_a_usage_error(self, cli, tmp_path, reason):
        old, new = _tree(tmp_path / "old"), _tree(tmp_path / "new")
        _write(
            new,
            "compat-waivers.json",
            {"waivers": [{"file": "ledger/v1/event.schema.json", "reason": reason}]},
        )
        result = cli("diff", str(old), str(new))
        assert result.exit_code == 2
        assert "/waivers/0/reason" in result.stderr

    def test_bad_contract_declaration_is_a_usage_error(self, cli, tmp_path):
        old, new = _tree(tmp_path / "old"), _tree(tmp_path / "new")
        _write(
            new, "ledger/contract.json", {"contract": "ledger", "compatibility": "sideways", "version": "1"}
        )
        result = cli("diff", str(old), str(new))
        assert result.exit_code == 2
        assert "contract.json" in result.stderr

    def test_text_and_markdown_reports(self, cli, tmp_path):
        old, new = _tree(tmp_path / "old"), _tree(tmp_path / "new", event_required=("kind", "count"))
        result = cli("diff", str(old), str(new))
        assert result.exit_code == 1
        assert "[major] ledger/v1/event.schema.json /: required-added" in result.stdout
        assert "counterexample (backward" in result.stdout
        assert "gate: FAILED" in result.stdout
        result = cli("diff", str(old), str(new), "-o", "markdown")
        assert result.exit_code == 1
        assert result.stdout.startswith("### Schema diff: ❌ gate failed")
        assert "| `ledger/v1/event.schema.json` | ❌ breaking | ✅ compatible | 1 |" in result.stdout

    @pytest.mark.slow  # ~1.5 s: a 300-change diff rendered three times
    def test_markdown_stays_under_the_comment_limit(self, tmp_path):
        old_root, new_root = tmp_path / "old", tmp_path / "new"
        props = {f"p{index}": {"type": "string", "maxLength": 10} for index in range(300)}
        _write(old_root, "a.json", {"type": "object", "properties": props})
        narrowed = {name: {"type": "string", "maxLength": 5} for name in props}
        _write(new_root, "a.json", {"type": "object", "properties": narrowed})
        result = diff_sets(SchemaSet(old_root), SchemaSet(new_root))
        assert len(result.changes) == 300
        assert len(render_markdown(result, limit=20_000)) < 20_000
        assert len(render_markdown(result)) <= MARKDOWN_LIMIT

    def test_plain_directories_with_relative_refs(self, cli, tmp_path):
        for side, limit in (("old", 10), ("new", 3)):
            _write(tmp_path / side, "defs.json", {"$defs": {"code": {"type": "string", "maxLength": limit}}})
            _write(
                tmp_path / side,
                "doc.json",
                {"type": "object", "properties": {"c": {"$ref": "defs.json#/$defs/code"}}},
            )
        result = cli("diff", str(tmp_path / "old"), str(tmp_path / "new"), "-o", "json")
        payload = json.loads(result.stdout)
        assert result.exit_code == 1  # undeclared contracts default to backward
        (change,) = payload["changes"]
        assert [(place["file"], place["instance"]) for place in change["reached_from"]] == [
            ("defs.json", ""),
            ("doc.json", "/c"),
        ]
        assert change["counterexample"]["backward"]["schema"] == "defs.json#/$defs/code"
        assert len(change["counterexample"]["backward"]["instance"]) > 3
        assert payload["files"]["doc.json"] == {"backward": "breaking", "forward": "compatible", "changes": 1}

    def test_mode_none_only_reports(self, cli, tmp_path):
        old, new = _tree(tmp_path / "old"), _tree(tmp_path / "new", event_required=("kind", "count"))
        (new / "ledger/contract.json").unlink()
        (old / "ledger/contract.json").unlink()
        result = cli("diff", str(old), str(new), "--mode", "none")
        assert result.exit_code == 0

    def test_usage_errors(self, cli, tmp_path):
        _tree(tmp_path / "old")
        result = cli("diff", str(tmp_path / "old"), str(tmp_path / "missing"))
        assert result.exit_code == 2
        assert "error:" in result.stderr
        result = cli("diff", str(tmp_path / "old"), "--base", "HEAD")
        assert result.exit_code == 2


@pytest.mark.skipif(GIT is None, reason="git is not installed")
class TestGitRevisions:
    """A side given as a git revision is read with git archive, never by checking out."""

    def test_base_revision_against_the_work_tree(self, cli, tmp_path, monkeypatch):
        repo = tmp_path / "repo"
        _tree(repo / "schemas")
        _git(tmp_path, "init", "-q", str(repo))
        _git(repo, "add", "-A")
        _git(repo, "commit", "-q", "-m", "schemas")
        monkeypatch.chdir(repo)
        result = cli("diff", "-o", "json")  # default base: merge base with main
        assert result.exit_code == 0, result.stdout
        _tree(repo / "schemas", event_required=("kind", "count"))
        status_before = subprocess.run(  # noqa: S603
            [str(GIT), "status", "--porcelain"],
            cwd=repo,
            capture_output=True,
            check=True,
        ).stdout
        result = cli("diff", "--base", "HEAD", "-o", "json")
        payload = json.loads(result.stdout)
        assert result.exit_code == 1
        assert payload["old"].startswith("HEAD:schemas")
        assert payload["changes"][0]["kind"] == "required-added"
        status_after = subprocess.run(  # noqa: S603
            [str(GIT), "status", "--porcelain"],
            cwd=repo,
            capture_output=True,
            check=True,
        ).stdout
        assert status_after == status_before  # the work tree and index are untouched
        _git(repo, "commit", "-q", "-am", "break")
        result = cli("diff", "HEAD~1", "HEAD", "-o", "json")
        assert result.exit_code == 1
        result = cli("diff", "HEAD~1:schemas", "HEAD:schemas", "--no-gate")
        assert result.exit_code == 0
        assert "required-added" in result.stdout

    def test_revision_before_the_schemas_folder_existed(self, cli, tmp_path, monkeypatch):
        repo = tmp_path / "repo"
        repo.mkdir()
        _git(tmp_path, "init", "-q", str(repo))
        (repo / "README.md").write_text("x\n", encoding="utf-8")
        _git(repo, "add", "-A")
        _git(repo, "commit", "-q", "-m", "first")
        _tree(repo / "schemas")
        monkeypatch.chdir(repo)
        result = cli("diff", "--base", "HEAD", "-o", "json")
        payload = json.loads(result.stdout)
        assert result.exit_code == 0
        assert {item["kind"] for item in payload["codegen"]} == {"schema-added"}

    def test_repository_without_commits_is_a_clear_usage_error(self, cli, tmp_path, monkeypatch):
        repo = tmp_path / "fresh"
        _git(tmp_path, "init", "-q", str(repo))
        _tree(repo / "schemas")
        monkeypatch.chdir(repo)
        result = cli("diff")
        assert result.exit_code == 2
        assert "no commits yet" in result.stderr
        result = cli("diff", "--base", "main")
        assert result.exit_code == 2
        assert "no commits yet" in result.stderr

    def test_unknown_revision_and_no_repository(self, cli, tmp_path, monkeypatch):
        repo = tmp_path / "repo"
        _tree(repo / "schemas")
        _git(tmp_path, "init", "-q", str(repo))
        _git(repo, "add", "-A")
        _git(repo, "commit", "-q", "-m", "schemas")
        monkeypatch.chdir(repo)
        result = cli("diff", "no-such-revision")
        assert result.exit_code == 2
        assert "unknown revision" in result.stderr
        outside = tmp_path / "outside"
        outside.mkdir()
        monkeypatch.chdir(outside)
        result = cli("diff", "HEAD", str(repo / "schemas"))
        assert result.exit_code == 2
        assert "not inside a git repository" in result.stderr

    @pytest.mark.slow  # about 1-2 s alone on 2 cores
    def test_this_repository_schemas_gate_on_a_copy(self, cli, tmp_path, monkeypatch):
        """Dogfood: the real schemas/, committed in a scratch repo, then broken inside v1."""
        repo = tmp_path / "copy"
        shutil.copytree(REPO_SCHEMAS, repo / "schemas", symlinks=False)
        _git(tmp_path, "init", "-q", str(repo))
        _git(repo, "add", "-A")
        _git(repo, "commit", "-q", "-m", "schemas")
        monkeypatch.chdir(repo)
        result = cli("diff", "--base", "HEAD", "--format-assertion", "-o", "json")
        assert result.exit_code == 0, result.stdout
        target = repo / "schemas/meta/v1/contract.schema.json"
        body = json.loads(target.read_text(encoding="utf-8"))
        body["required"] = [*body["required"], "description"]
        target.write_text(json.dumps(body), encoding="utf-8")
        result = cli("diff", "--base", "HEAD", "--format-assertion", "-o", "json")
        payload = json.loads(result.stdout)
        assert result.exit_code == 1
        assert payload["gate"]["violations"][0]["file"] == "meta/v1/contract.schema.json"
        body["required"] = ["contract", "compatibility", "version"]
        body["properties"]["description"]["maxLength"] = 1000
        target.write_text(json.dumps(body), encoding="utf-8")
        result = cli("diff", "--base", "HEAD", "--format-assertion", "-o", "json")
        assert result.exit_code == 0, result.stdout
