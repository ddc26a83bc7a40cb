"""Nothing printed or stored echoes a secret: secrets planted as member names, option values and file names.

Every secret is built from fragments (this file must pass the privacy scan),
planted in one place, run through one command and format, and the full
secret must appear in neither stdout nor stderr (nor the stored state).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest
from tests.entitlements._support import event as lifecycle_event
from tests.ledger._support import NOW, WINDOW, line, make_event

from saas_contracts._mask import is_safe_segment, path, pointer, public
from saas_contracts.privacy import scan_text

if TYPE_CHECKING:
    from pathlib import Path

    from tests._support import Cli

SECRETS = {
    "stripe-key": "sk_" + "live_" + "4eC39HqLyjWDarjtT1zdp7dc",
    "github": "ghp_" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8",
    "aws": "AKIA" + "IOSFODNN7EXAMPLE",
    "email": "jane.doe" + "@" + "example.com",
    "customer": "cus_" + "NffrFeUfNV2Hib",
    "subscription": "sub_" + "1MowQVLkdIwHu7ix",
    "jwt": "eyJhbGciOiJIUzI1NiJ9" + "." + "eyJzdWIiOiIxMjM0NTY3ODkwIn0" + "." + "dozjgNryP4J3jVmNHl0w5N",
}
LOWER = {  # shapes a reference_label accepts (lower case): they reach the header of a backfill
    "stripe-key-lower": "sk_" + "live_" + "abcdefghijklmnopqrstuvwx",
    "github-lower": "ghp_" + "a1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6q7r8",
}
ALL = {**SECRETS, **LOWER}
REPLAY_WINDOW = ["--window-start", WINDOW[0], "--window-end", WINDOW[1], "--now", NOW]


def _purchase(**fields: object) -> dict[str, object]:
    return lifecycle_event(
        1, "purchase", "2026-01-01T00:00:00Z", plan="pro", period_end="2026-02-01T00:00:00Z", **fields
    )


def _secret_params(secrets: dict[str, str]) -> pytest.MarkDecorator:
    return pytest.mark.parametrize("secret", list(secrets.values()), ids=list(secrets))


def _assert_not_echoed(result, secret: str) -> None:
    printed = result.stdout + result.stderr
    assert secret not in printed
    assert "Traceback" not in printed
    assert result.exit_code in {1, 2}


@_secret_params(SECRETS)
class TestMemberNames:
    """A secret used as a member name never appears in full, in any command or format."""

    @pytest.mark.parametrize("fmt", ["text", "json"])
    def test_validate(self, cli: Cli, tmp_path: Path, secret: str, fmt: str) -> None:
        """validate reports the extra member at a masked pointer."""
        doc = tmp_path / "doc.json"
        doc.write_text(json.dumps({**make_event(), secret: 1}), encoding="utf-8")
        result = cli("validate", "-s", "usage-ledger/v1/event", "-o", fmt, str(doc))
        _assert_not_echoed(result, secret)
        assert "additionalProperties" in result.stdout

    @pytest.mark.parametrize("fmt", ["text", "json", "markdown"])
    def test_entitlements_apply(self, cli: Cli, tmp_path: Path, secret: str, fmt: str) -> None:
        """apply reports the invalid event's extra member masked, and stores nothing of it."""
        events = tmp_path / "events.jsonl"
        bad = {**_purchase(), secret: "x"}
        events.write_text(json.dumps(bad) + "\n", encoding="utf-8")
        state = tmp_path / "state.json"
        result = cli("entitlements", "apply", str(events), "--state", str(state), "-o", fmt)
        _assert_not_echoed(result, secret)
        assert "invalid" in result.stdout
        assert not state.exists() or secret not in state.read_text(encoding="utf-8")

    def test_ledger_replay_invalid_sample(self, cli: Cli, tmp_path: Path, secret: str) -> None:
        """An invalid line's reason points at the extra member masked."""
        events = tmp_path / "events.jsonl"
        events.write_text(line({**make_event(), secret: 1}) + "\n", encoding="utf-8")
        for fmt in ("text", "json"):
            result = cli("ledger", "replay", str(events), *REPLAY_WINDOW, "--dry-run", "-o", fmt)
            _assert_not_echoed(result, secret)


class TestOptionValues:
    """Option values that a command echoes are masked when the privacy rules flag them."""

    @_secret_params(ALL)
    def test_unknown_schema(self, cli: Cli, tmp_path: Path, secret: str) -> None:
        """The unknown-schema error names the schema masked (exit 2, a usage error, still)."""
        doc = tmp_path / "doc.json"
        doc.write_text("{}", encoding="utf-8")
        result = cli("validate", "-s", f"usage-ledger/v1/{secret}", str(doc))
        _assert_not_echoed(result, secret)
        assert result.exit_code == 2
        assert "unknown schema" in result.stderr

    @_secret_params(LOWER)
    def test_backfill_ref_header(self, cli: Cli, tmp_path: Path, secret: str) -> None:
        """The text header of a backfill names its reference masked (the shapes a reference label accepts)."""
        events = tmp_path / "events.jsonl"
        events.write_text(line(make_event()) + "\n", encoding="utf-8")
        result = cli("ledger", "replay", str(events), *REPLAY_WINDOW, "--dry-run", "--backfill-ref", secret)
        assert secret not in result.stdout + result.stderr

    def test_clean_backfill_ref_is_shown(self, cli: Cli, tmp_path: Path) -> None:
        """A public-safe reference label is printed as it is."""
        events = tmp_path / "events.jsonl"
        events.write_text(line(make_event()) + "\n", encoding="utf-8")
        result = cli(
            "ledger",
            "replay",
            str(events),
            *REPLAY_WINDOW,
            "--dry-run",
            "--backfill-ref",
            "ops-approval/2026-42",
        )
        assert result.exit_code == 0
        assert "backfill ops-approval/2026-42" in result.stdout


@_secret_params(SECRETS)
class TestFileNames:
    """A path segment the privacy rules flag is masked wherever a file name is echoed."""

    @pytest.mark.parametrize("fmt", ["text", "json"])
    def test_validate(self, cli: Cli, tmp_path: Path, secret: str, fmt: str) -> None:
        """validate's locations (text) and sources (json) mask the file name."""
        doc = tmp_path / f"{secret}.json"
        doc.write_text(json.dumps({"unexpected": 1}), encoding="utf-8")
        result = cli("validate", "-s", "usage-ledger/v1/event", "-o", fmt, str(doc))
        _assert_not_echoed(result, secret)
        assert result.exit_code == 1

    def test_missing_file(self, cli: Cli, tmp_path: Path, secret: str) -> None:
        """The 'no such file' error (InputFileError) masks the file name and stays a usage error."""
        result = cli("validate", "-s", "usage-ledger/v1/event", str(tmp_path / f"{secret}.json"))
        _assert_not_echoed(result, secret)
        assert result.exit_code == 2
        assert "no such file" in result.stderr

    @pytest.mark.parametrize("fmt", ["text", "json", "sarif"])
    def test_scan(self, cli: Cli, tmp_path: Path, secret: str, fmt: str) -> None:
        """scan's locations, paths and SARIF uris mask the file name."""
        doc = tmp_path / f"{secret}.json"
        doc.write_text(json.dumps({"note": "sk_" + "live_" + "Zz9" * 8}), encoding="utf-8")
        result = cli("scan", "-o", fmt, str(doc))
        _assert_not_echoed(result, secret)
        assert result.exit_code == 1

    def test_ledger_replay_sample(self, cli: Cli, tmp_path: Path, secret: str) -> None:
        """The invalid-line samples of a replay name the input masked."""
        events = tmp_path / f"{secret}.jsonl"
        events.write_text("not json\n", encoding="utf-8")
        result = cli("ledger", "replay", str(events), *REPLAY_WINDOW, "--dry-run")
        _assert_not_echoed(result, secret)

    def test_entitlements_apply_unreadable(self, cli: Cli, tmp_path: Path, secret: str) -> None:
        """apply names a missing events file masked."""
        result = cli(
            "entitlements", "apply", str(tmp_path / f"{secret}.jsonl"), "--state", str(tmp_path / "s.json")
        )
        _assert_not_echoed(result, secret)


class TestEventIds:
    """An event_id that is not public-safe is refused at validation: never echoed, never stored."""

    @_secret_params({name: value for name, value in ALL.items() if name != "email"})  # '@': never a key
    @pytest.mark.parametrize("fmt", ["text", "json", "markdown"])
    def test_refused(self, cli: Cli, tmp_path: Path, secret: str, fmt: str) -> None:
        """The event is invalid; the report and the state hold nothing of the id."""
        events = tmp_path / "events.jsonl"
        bad = _purchase(event_id=secret)
        events.write_text(json.dumps(bad) + "\n", encoding="utf-8")
        state = tmp_path / "state.json"
        result = cli("entitlements", "apply", str(events), "--state", str(state), "-o", fmt)
        _assert_not_echoed(result, secret)
        assert "invalid" in result.stdout
        assert not state.exists() or secret not in state.read_text(encoding="utf-8")

    def test_labels_and_references_pass(self, cli: Cli, tmp_path: Path) -> None:
        """A reference label is a public-safe event_id: applied and echoed."""
        events = tmp_path / "events.jsonl"
        good = _purchase()
        events.write_text(json.dumps(good) + "\n", encoding="utf-8")
        result = cli("entitlements", "apply", str(events), "--state", str(tmp_path / "s.json"), "-o", "json")
        assert result.exit_code == 0, result.output
        assert "evt-test-0001" in result.stdout


class TestOutputGuard:
    """The second line of defence: a flagged write is withheld, with one line naming the rules, exit 1."""

    def test_withholds_an_unmasked_leak(self, cli: Cli, tmp_path: Path, monkeypatch) -> None:
        """With file-name masking switched off, the guard still keeps the name off stdout."""
        import saas_contracts._batch as batch  # noqa: PLC0415 - patched for this test only

        monkeypatch.setattr(batch, "mask_path", lambda name: name)
        secret = SECRETS["email"]
        doc = tmp_path / f"{secret}.json"
        doc.write_text(json.dumps({"unexpected": 1}), encoding="utf-8")
        result = cli("validate", "-s", "usage-ledger/v1/event", "-o", "json", str(doc))
        assert secret not in result.stdout + result.stderr
        assert result.exit_code == 1
        assert "output withheld" in result.stderr
        assert "email-address" in result.stderr

    def test_own_output_passes(self) -> None:
        """Digests, commit SHAs in context, redacted references and schema names are not findings."""
        text = (
            "rules 1.0.0, sha256:" + "ab" * 32 + "\n"
            '  "commit_sha": "' + "0123456789abcdef" * 2 + '01234567",\n'
            "ws_ref_lqzfncoryqrzx62q6yxh4hp27d usage-ledger/v1/event /…(20 chars)\n"
        )
        assert scan_text(text).clean

    def test_scan_text_reports_lines(self) -> None:
        """scan_text gives the 1-based line of each finding and masks the preview."""
        report = scan_text("ok\n{\nnote " + SECRETS["email"])
        (finding,) = report.findings
        assert (finding.line, finding.rule_id) == (3, "email-address")
        assert SECRETS["email"] not in finding.preview


class TestSafeSegments:
    """A pointer segment is verbatim only as an index, a declared name or a clean safe field name."""

    @_secret_params(ALL)
    def test_secret_shapes_are_masked(self, secret: str) -> None:
        """No secret shape passes, whatever its length or digit count."""
        assert not is_safe_segment(secret)
        assert secret not in pointer(["a", secret])

    @pytest.mark.parametrize(
        "name", ["plan_key", "$defs", "additionalProperties", "x-hub-signature", "v2", "7"]
    )
    def test_field_names_pass(self, name: str) -> None:
        """Ordinary field names, JSON Schema keywords and small indices are shown."""
        assert is_safe_segment(name)

    @pytest.mark.parametrize(
        "name", ["user_1234567", "12345", "abcdefghijklmnopqrstuvwxyzabcdef", "a b", "ID"]
    )
    def test_outside_the_grammar(self, name: str) -> None:
        """Digit-heavy names, long digit strings, very long words, spaces and capitals are masked."""
        assert not is_safe_segment(name)

    def test_declared_names_pass_even_outside_the_grammar(self) -> None:
        """Every property name a packaged schema declares is shown (the grammar is for unknown keys)."""
        assert is_safe_segment("event_id")

    def test_path_masks_only_flagged_segments(self) -> None:
        """path() keeps separators and clean segments."""
        shown = path("exports/" + SECRETS["email"] + ".json")
        assert shown.startswith("exports/")
        assert SECRETS["email"] not in shown
        assert path("data/events.jsonl") == "data/events.jsonl"
        assert path("-") == "-"

    def test_public(self) -> None:
        """public() keeps clean values and masks flagged ones."""
        assert public("ops-approval/2026-42") == "ops-approval/2026-42"
        assert SECRETS["aws"] not in public(SECRETS["aws"])
