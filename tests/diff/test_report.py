"""Review-ready reports: a shared definition's change once with every place, sections per verdict,
each change's own witness, masked values, no local paths."""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

import pytest
from jsonschema import Draft202012Validator

from saas_contracts._formats import FORMAT_CHECKER
from saas_contracts.diff import Policy, SchemaSet, diff_and_gate, diff_schemas, render_markdown, render_text
from saas_contracts.diff._gate import Waiver
from saas_contracts.diff._report import _json_block, _side_label, render_json

if TYPE_CHECKING:
    from pathlib import Path

SECRET = "sk_live_" + "4eC39HqLyjWDarjtT1zdp7dc"
"""Shaped like a Stripe secret key (the privacy rules flag it); assembled so no scanner trips on the file."""


def _write(root: Path, relative: str, document: object) -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")


def _common(*, currencies: list[str], minimum: int, label_max: int) -> dict[str, Any]:
    return {
        "$defs": {
            "money": {
                "type": "object",
                "properties": {
                    "amount": {"type": "integer", "minimum": minimum},
                    "currency": {"type": "string", "enum": currencies},
                },
                "required": ["amount"],
            },
            "label": {"type": "string", "maxLength": label_max},
        }
    }


def _shared_tree(root: Path, *, narrowed: bool) -> Path:
    """common.json's definitions reached from invoice.json (twice) and order.json (inside an array)."""
    _write(
        root,
        "common.json",
        _common(
            currencies=["usd", "eur"] if narrowed else ["usd", "eur", "gbp"],
            minimum=1 if narrowed else 0,
            label_max=20 if narrowed else 40,
        ),
    )
    money = {"$ref": "common.json#/$defs/money"}
    _write(
        root,
        "invoice.json",
        {
            "type": "object",
            "properties": {"total": money, "tax": money, "name": {"$ref": "common.json#/$defs/label"}},
            **({"required": ["name"]} if narrowed else {}),
        },
    )
    _write(
        root,
        "order.json",
        {
            "type": "object",
            "properties": {
                "lines": {"type": "array", "items": {"type": "object", "properties": {"price": money}}},
                "tag": {"$ref": "common.json#/$defs/label"},
            },
        },
    )
    return root


def _places(change: Any) -> list[tuple[str, str, str]]:
    return [(place.file, place.schema, place.instance) for place in change.places]


@pytest.fixture
def shared(tmp_path: Path) -> tuple[Path, Path]:
    return _shared_tree(tmp_path / "old", narrowed=False), _shared_tree(tmp_path / "new", narrowed=True)


class TestSharedDefinitions:
    """A change in a shared definition is one change listing every schema and path reaching it."""

    def test_reported_once_with_every_place(self, shared):
        result = diff_and_gate(SchemaSet(shared[0]), SchemaSet(shared[1]))
        by_kind = {change.kind: change for change in result.changes}
        assert sorted(by_kind) == [
            "enum-values-removed",
            "maxLength-lowered",
            "minimum-raised",
            "required-added",
        ]
        assert len(result.changes) == 4
        assert _places(by_kind["minimum-raised"]) == [
            ("common.json", "/$defs/money", "/amount"),
            ("invoice.json", "", "/tax/amount"),
            ("invoice.json", "", "/total/amount"),
            ("order.json", "", "/lines/*/price/amount"),
        ]
        assert _places(by_kind["maxLength-lowered"]) == [
            ("common.json", "/$defs/label", ""),
            ("invoice.json", "", "/name"),
            ("order.json", "", "/tag"),
        ]
        assert by_kind["minimum-raised"].files == ("common.json", "invoice.json", "order.json")

    def test_opposite_proofs_in_two_contexts_stay_two_changes(self, tmp_path):
        """Under ``not`` the definition's narrowing breaks forward; used directly, backward."""
        for side, limit in (("old", 5), ("new", 3)):
            _write(
                tmp_path / side, "common.json", {"$defs": {"code": {"type": "string", "maxLength": limit}}}
            )
            _write(
                tmp_path / side, "a.json", {"properties": {"c": {"not": {"$ref": "common.json#/$defs/code"}}}}
            )
            _write(tmp_path / side, "b.json", {"properties": {"c": {"$ref": "common.json#/$defs/code"}}})
        result = diff_and_gate(SchemaSet(tmp_path / "old"), SchemaSet(tmp_path / "new"))
        verdicts = {
            (change.backward.value, change.forward.value): [
                (place.file, place.instance) for place in change.places
            ]
            for change in result.changes
        }
        assert verdicts == {
            ("compatible", "breaking"): [("a.json", "/c")],
            ("breaking", "compatible"): [("b.json", "/c"), ("common.json", "")],
        }

    def test_every_reaching_file_counts_it(self, shared):
        """order.json reaches the definitions only after invoice.json walked them: it still counts them."""
        result = diff_and_gate(SchemaSet(shared[0]), SchemaSet(shared[1]))
        files = {name: (summary.backward.value, summary.changes) for name, summary in result.files.items()}
        assert files == {
            "common.json": ("breaking", 3),
            "invoice.json": ("breaking", 4),
            "order.json": ("breaking", 3),
        }

    def test_gate_fails_once_per_reaching_file_and_waivers_are_per_file(self, shared):
        old, new = SchemaSet(shared[0]), SchemaSet(shared[1])
        result = diff_and_gate(old, new)
        assert result.gate is not None
        minimum = [item.file for item in result.gate.violations if item.kind == "minimum-raised"]
        assert minimum == ["common.json", "invoice.json", "order.json"]
        waiver = Waiver(file="order.json", reason="orders never carry a zero price", kind="minimum-raised")
        waived = diff_and_gate(old, new, waivers=[waiver])
        assert waived.gate is not None
        left = [item.file for item in waived.gate.violations if item.kind == "minimum-raised"]
        assert left == ["common.json", "invoice.json"]
        assert waived.gate.waived == (
            "order.json /lines/*/price/amount minimum-raised (backward): orders never carry a zero price",
        )

    def test_waiver_pointer_may_name_any_instance_path_of_its_file(self, shared):
        old, new = SchemaSet(shared[0]), SchemaSet(shared[1])
        waiver = Waiver(file="invoice.json", reason="totals are positive", pointer="/total/amount")
        result = diff_and_gate(old, new, waivers=[waiver])
        assert result.gate is not None
        assert not any(
            item.file == "invoice.json" and item.kind == "minimum-raised" for item in result.gate.violations
        )

    def test_json_lists_the_places(self, shared):
        payload = json.loads(render_json(diff_and_gate(SchemaSet(shared[0]), SchemaSet(shared[1]))))
        change = next(item for item in payload["changes"] if item["kind"] == "maxLength-lowered")
        assert change["reached_from"] == [
            {"file": "common.json", "schema": "/$defs/label", "instance": ""},
            {"file": "invoice.json", "schema": "", "instance": "/name"},
            {"file": "order.json", "schema": "", "instance": "/tag"},
        ]
        assert [item["kind"] for item in payload["changes"]].count("maxLength-lowered") == 1

    def test_text_lists_the_other_places(self, shared):
        text = render_text(diff_and_gate(SchemaSet(shared[0]), SchemaSet(shared[1])))
        assert text.count("minimum-raised:") == 1
        assert (
            "also reached from 3: invoice.json /tax/amount, invoice.json /total/amount, "
            "order.json /lines/*/price/amount"
        ) in text
        assert "summary: 4 change(s) (4 breaking, 0 unknown, 0 compatible) in 3 file(s)" in text


class TestMarkdown:
    """A pull-request comment a reviewer can act on."""

    def _markdown(self, shared: tuple[Path, Path]) -> str:
        old = SchemaSet(shared[0], label=str(shared[0]))
        new = SchemaSet(shared[1], label=str(shared[1]))
        return render_markdown(diff_and_gate(old, new))

    def test_summary_line_and_sections_breaking_first(self, tmp_path):
        old, new = tmp_path / "old", tmp_path / "new"
        _write(old, "a.json", {"properties": {"n": {"type": "integer", "maximum": 9}, "d": {"default": 1}}})
        _write(new, "a.json", {"properties": {"n": {"type": "integer", "maximum": 5}, "d": {"default": 2}}})
        text = render_markdown(diff_and_gate(SchemaSet(old), SchemaSet(new)))
        assert "**2 change(s): 1 breaking · 0 unknown · 1 compatible**" in text
        breaking, compatible = (
            text.index("#### ❌ Breaking (1)"),
            text.index("#### ✅ Compatible or annotation-only (1)"),
        )
        assert breaking < compatible
        assert "other change(s)" not in text
        assert "<details><summary>" not in text.split("#### ✅", 1)[1].split("\n\n", 2)[1]
        assert "- `annotation-default-changed` annotation 'default' changed" in text

    def test_each_change_has_message_location_places_and_counterexample(self, shared):
        text = self._markdown(shared)
        block = text[text.index("`minimum-raised`") :].split("\n**", 1)[0]
        assert "minimum 0 (inclusive) -> 1 (inclusive)" in block
        assert "- location: `common.json#/$defs/money/properties/amount/minimum`" in block
        assert "- reached from 4 places:" in block
        assert "  - `order.json` at `/lines/*/price/amount`" in block
        fenced = re.search(r"```json\n(.*?)\n *```", block, re.DOTALL)
        assert fenced is not None
        assert json.loads(fenced.group(1)) == {"amount": 0}

    def test_no_local_absolute_path(self, shared):
        text = self._markdown(shared)
        assert str(shared[0].parent) not in text
        assert "`old` → `new`" in text

    def test_cli(self, cli, shared):
        done = cli("diff", str(shared[0]), str(shared[1]), "-o", "markdown")
        assert done.exit_code == 1
        text = done.stdout
        assert text.startswith(
            "### Schema diff: ❌ gate failed\n\n**4 change(s): 4 breaking · 0 unknown · 0 compatible**"
        )
        assert str(shared[0].parent) not in text
        assert text.count("`minimum-raised`") == 1
        assert "#### ❌ Breaking (4)" in text
        again = cli("diff", str(shared[0]), str(shared[1]), "-o", "markdown")
        assert again.stdout == text

    @pytest.mark.parametrize(
        ("label", "shown"),
        [
            ("/home/me/work/old", "old"),
            ("/home/me/work/schemas (work tree)", "schemas (work tree)"),
            ("C:\\Users\\me\\old", "old"),
            ("same/old", "same/old"),
            ("v1.2.0:schemas", "v1.2.0:schemas"),
        ],
    )
    def test_side_labels_lose_local_paths_only(self, label, shown):
        assert _side_label(label) == shown

    def test_notes_keep_their_instance_pointers(self, tmp_path):
        old, new = tmp_path / "old", tmp_path / "new"
        _write(old, "s.json", {"properties": {"c": {"type": "string", "format": "date", "maxLength": 30}}})
        _write(new, "s.json", {"properties": {"c": {"type": "string", "format": "email", "maxLength": 10}}})
        result = diff_and_gate(SchemaSet(old), SchemaSet(new), policy=Policy(format_assertion=True))
        text = render_markdown(result)
        assert "#### ❔ Unknown (1)" in text
        assert "- review: s.json /c maxLength-lowered: backward verdict unknown" in text

    def test_deterministic(self, shared):
        assert self._markdown(shared) == self._markdown(shared)

    def test_markup_in_messages_is_escaped(self, tmp_path):
        old, new = tmp_path / "old", tmp_path / "new"
        _write(old, "a.json", {"enum": ["<b>x</b>", "*y*", "z"]})
        _write(new, "a.json", {"enum": ["z"]})
        text = render_markdown(diff_and_gate(SchemaSet(old), SchemaSet(new)))
        prose = re.sub(r"```json\n.*?\n *```", "", text, flags=re.DOTALL)
        prose = re.sub(r"`[^`]*`", "", prose)
        assert re.search(r"(?<!\\)<", prose) is None
        assert re.search(r"(?<!\\)\*y", prose) is None
        assert "\\<b>x\\</b>" in prose


class TestJsonBlock:
    """Counterexample blocks stay valid Markdown whatever the instance holds."""

    def test_a_huge_instance_is_cut_and_says_so(self):
        lines = _json_block({"k": "x" * 50_000})
        assert lines[0] == "```json"
        assert lines[-2] == "```"
        assert lines[-1].startswith("_(cut to 1,500 of ")
        assert sum(len(line) for line in lines) < 2_000

    def test_backticks_inside_get_a_longer_fence(self):
        lines = _json_block({"k": "a ```` b"})
        assert lines[0] == "`````json"
        assert lines[-1] == "`````"


class TestPrivacy:
    """Values the privacy rules flag are masked in every format, so the output guard never withholds it."""

    @pytest.fixture
    def secret_tree(self, tmp_path: Path) -> tuple[Path, Path]:
        old, new = tmp_path / "old", tmp_path / "new"
        _write(old, "a.json", {"type": "object", "properties": {"key": {"enum": [SECRET, "none"]}}})
        _write(new, "a.json", {"type": "object", "properties": {"key": {"enum": ["none"]}}})
        return old, new

    def test_library_reports_mask_the_value(self, secret_tree):
        result = diff_and_gate(SchemaSet(secret_tree[0]), SchemaSet(secret_tree[1]))
        for text in (render_text(result, verbose=True), render_json(result), render_markdown(result)):
            assert SECRET not in text
            assert "sk_l…(32 chars)" in text

    @pytest.mark.parametrize("output", ["text", "json", "markdown"])
    def test_cli_prints_the_report(self, cli, secret_tree, output):
        done = cli("diff", str(secret_tree[0]), str(secret_tree[1]), "-o", output)
        assert done.exit_code == 1  # the gate, not the output guard
        assert "output withheld" not in done.output
        assert SECRET not in done.output
        assert "enum-values-removed" in done.stdout


def _valid(schema: Any, instance: Any) -> bool:
    return Draft202012Validator(schema, format_checker=FORMAT_CHECKER).is_valid(instance)


class TestOwnWitness:
    """Two changes at one path: each carries its own counterexample, annotation edits none."""

    @pytest.mark.parametrize(
        ("old", "new", "policy"),
        [
            (
                {"type": "string", "enum": ["x", "y", "z"], "default": "x", "description": "before"},
                {"type": "string", "enum": ["x", "y"], "default": "y", "description": "after"},
                Policy(),
            ),
            (
                {"type": ["string", "integer"], "title": "B", "deprecated": False},
                {"type": "string", "title": "Bee", "deprecated": True},
                Policy(),
            ),
            (
                {"type": "string", "format": "hostname", "maxLength": 60},
                {"type": "string", "format": "ipv4", "maxLength": 12},
                Policy(format_assertion=True),
            ),
            (
                {"type": "string", "format": "date", "maxLength": 30},
                {"type": "string", "format": "email", "maxLength": 10},
                Policy(format_assertion=True),
            ),
            (
                {"type": "integer", "minimum": 0, "maximum": 100, "multipleOf": 2},
                {"type": "integer", "minimum": 10, "maximum": 50, "multipleOf": 4},
                Policy(),
            ),
        ],
    )
    def test_each_change_its_own_counterexample(self, old, new, policy):
        result = diff_schemas(
            {"type": "object", "properties": {"v": old}},
            {"type": "object", "properties": {"v": new}},
            policy=policy,
        )
        assert len(result.changes) >= 2
        for change in result.changes:
            assert change.instance_pointer == "/v"
            if change.kind.startswith("annotation-"):
                assert change.counterexamples == ()
                continue
            keyword = change.new_pointer.rsplit("/", 1)[1]
            for example in change.counterexamples:
                value = example.instance["v"]
                donor, base = (new, old) if example.valid_under == "old" else (old, new)
                only_this = (
                    {**base, keyword: donor[keyword]}
                    if keyword in donor
                    else {key: item for key, item in base.items() if key != keyword}
                )
                if not policy.format_assertion:
                    only_this.pop("format", None)
                assert not _valid(only_this, value), (change.kind, value)

    def test_a_witness_of_the_other_change_is_not_borrowed(self):
        """Every date fits 10 characters: the format change breaks, the maxLength change has no witness."""
        result = diff_schemas(
            {"properties": {"v": {"type": "string", "format": "date", "maxLength": 30}}},
            {"properties": {"v": {"type": "string", "format": "email", "maxLength": 10}}},
            policy=Policy(format_assertion=True),
        )
        by_kind = {change.kind: change for change in result.changes}
        assert by_kind["format-changed"].backward.value == "breaking"
        assert by_kind["maxLength-lowered"].counterexamples == ()
        assert by_kind["maxLength-lowered"].backward.value != "breaking"

    def test_the_clearest_witness_comes_first(self):
        """multipleOf 2 -> 4 with minimum 0 -> 10: its witness meets the new minimum (10, not 2)."""
        result = diff_schemas(
            {"properties": {"v": {"type": "integer", "minimum": 0, "multipleOf": 2}}},
            {"properties": {"v": {"type": "integer", "minimum": 10, "multipleOf": 4}}},
        )
        change = next(change for change in result.changes if change.kind == "multipleOf-changed")
        value = change.counterexamples[0].instance["v"]
        assert value >= 10
        assert value % 4 != 0

    def test_cli_json_each_change_its_own_witness(self, cli, tmp_path):
        old, new = tmp_path / "old", tmp_path / "new"
        _write(old, "s.json", {"properties": {"a": {"enum": ["x", "y", "z"], "default": "x"}}})
        _write(new, "s.json", {"properties": {"a": {"enum": ["x", "y"], "default": "y"}}})
        done = cli("diff", str(old), str(new), "-o", "json")
        assert done.exit_code == 1
        changes = {item["kind"]: item for item in json.loads(done.stdout)["changes"]}
        assert changes["annotation-default-changed"]["counterexample"] is None
        assert changes["enum-values-removed"]["counterexample"]["backward"]["instance"] == {"a": "z"}


class TestFailedFile:
    """A file the differ fails on leaves no trace that hides a shared change from the files after it."""

    def test_a_later_file_still_reaches_the_shared_change(self, tmp_path, monkeypatch):
        from saas_contracts.diff import _core  # noqa: PLC0415 - the private differ, to make one file fail

        for side, limit in (("old", 10), ("new", 3)):
            _write(
                tmp_path / side, "common.json", {"$defs": {"code": {"type": "string", "maxLength": limit}}}
            )
            for name in ("a.json", "b.json"):
                _write(tmp_path / side, name, {"properties": {"c": {"$ref": "common.json#/$defs/code"}}})
        original = _core._Differ.definitions

        def failing(self: Any, old: Any, new: Any, *args: Any) -> None:
            if new.path == "a.json":
                raise RuntimeError
            original(self, old, new, *args)

        monkeypatch.setattr(_core._Differ, "definitions", failing)
        result = diff_and_gate(SchemaSet(tmp_path / "old"), SchemaSet(tmp_path / "new"))
        assert result.failed_files == ("a.json",)
        change = next(change for change in result.changes if change.kind == "maxLength-lowered")
        assert ("b.json", "", "/c") in _places(change)
        assert ("a.json", "", "/c") not in _places(change)
        assert result.files["b.json"].changes == 1
