"""Reporters: a :class:`DiffResult` as text (terminal), JSON (machines) or Markdown (pull requests).

Counterexamples are generated documents, never user data, but they are still
shown compactly and cut to a bounded length. Markdown stays under GitHub's
comment limit (65,536 characters) by listing the most severe changes first
and summarizing the rest.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from saas_contracts._jsonio import dumps_pretty
from saas_contracts.diff._model import Direction, Verdict

if TYPE_CHECKING:
    from saas_contracts.diff._model import Change, DiffResult

MARKDOWN_LIMIT = 60_000
"""Characters; GitHub rejects comments over 65,536."""
_INSTANCE_LIMIT = 400
_SEVERITY_ORDER = {"major": 0, "unknown": 1, "minor": 2, "patch": 3}
_ICON = {Verdict.COMPATIBLE: "✅ compatible", Verdict.UNKNOWN: "❔ unknown", Verdict.BREAKING: "❌ breaking"}


def _compact(instance: Any, limit: int = _INSTANCE_LIMIT) -> str:
    text = json.dumps(instance, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _policy(result: DiffResult) -> str:
    fmt = "assertion" if result.policy.format_assertion else "annotation"
    content = "lenient" if result.policy.lenient_open_content else "strict"
    return f"format={fmt}, open-content={content}"


def by_severity(changes: tuple[Change, ...]) -> list[Change]:
    """Most severe first, then file and location."""
    return sorted(changes, key=lambda change: (_SEVERITY_ORDER.get(change.severity, 9), change.sort_key()))


def render_json(result: DiffResult) -> str:
    """Deterministic JSON (sorted keys, 2-space indent)."""
    return dumps_pretty(result.to_json(), final_newline=False)


def render_text(result: DiffResult, *, verbose: bool = False) -> str:
    """A terminal report; ``verbose`` adds compatible changes and every pointer."""
    lines = [f"schema diff: {result.old_label} -> {result.new_label} ({_policy(result)})"]
    shown = [change for change in by_severity(result.changes) if verbose or change.severity != "patch"]
    for change in shown:
        lines.append(
            f"[{change.severity}] {change.file} {change.instance_pointer or '/'}: {change.kind}: "
            f"backward {change.backward.value}, forward {change.forward.value}",
        )
        lines.append(f"    {change.message}")
        if verbose or change.severity in {"major", "unknown"}:
            lines.append(
                f"    old: {change.old_pointer or '(absent)'}  new: {change.new_pointer or '(absent)'}"
            )
            if change.via:
                lines.append("    via: " + ", ".join(change.via))
            if change.reached_at:
                lines.append("    also reached at: " + ", ".join(change.reached_at))
        if change.note:
            lines.append(f"    note: {change.note}")
        lines.extend(
            f"    counterexample ({example.direction.value}, valid under {example.valid_under}, "
            f"invalid under {example.invalid_under}, at {example.pointer or '/'}): "
            f"{_compact(example.instance)}"
            for example in change.counterexamples
        )
    hidden = len(result.changes) - len(shown)
    if hidden:
        lines.append(f"({hidden} change(s) compatible both ways not shown; -v shows them)")
    if result.codegen:
        lines.append("generated-code impact (data-neutral or not):")
        lines.extend(f"  {item.file}{item.pointer}: {item.kind}: {item.message}" for item in result.codegen)
    lines.append("files:")
    for name, summary in result.files.items():
        extra = f" (compared with {summary.compared_with})" if summary.compared_with else ""
        lines.append(
            f"  {name}: backward {summary.backward.value}, forward {summary.forward.value}, "
            f"{summary.changes} change(s){extra}",
        )
    lines.extend(f"skipped ({item.side}): {item.path}: {item.reason}" for item in result.skipped)
    lines.append(
        f"summary: {len(result.changes)} change(s) in {len(result.files)} file(s); "
        f"backward {result.summary(Direction.BACKWARD).value}, "
        f"forward {result.summary(Direction.FORWARD).value}",
    )
    gate = result.gate
    if gate is not None:
        lines.append(f"gate: {'passed' if gate.passed else 'FAILED'}")
        lines.extend(f"  violation: {item.file}: {item.message}" for item in gate.violations)
        lines.extend(f"  waived: {item}" for item in gate.waived)
        lines.extend(f"  note: {item}" for item in gate.notes)
    return "\n".join(lines)


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(  # noqa: C901, PLR0912, PLR0915 - one section after another, each optional
    result: DiffResult, *, limit: int = MARKDOWN_LIMIT
) -> str:
    """A pull-request comment: verdict first, then the changes that need a reviewer, then the rest."""
    gate = result.gate
    if gate is None:
        title = "### Schema diff"
    else:
        title = "### Schema diff: " + ("✅ gate passed" if gate.passed else "❌ gate failed")
    head = [
        title,
        "",
        (
            f"`{_md(result.old_label)}` → `{_md(result.new_label)}` · policy: {_policy(result)} · "
            f"backward: **{result.summary(Direction.BACKWARD).value}** · "
            f"forward: **{result.summary(Direction.FORWARD).value}**"
        ),
        "",
    ]
    if gate is not None and (gate.violations or gate.waived):
        head.append("**Gate**")
        head.append("")
        head.extend(f"- ❌ `{_md(item.file)}` {_md(item.message)}" for item in gate.violations)
        head.extend(f"- ⚠️ waived: {_md(item)}" for item in gate.waived)
        head.append("")
    changed = {name: summary for name, summary in result.files.items() if summary.changes}
    if changed:
        head.extend(["| file | backward | forward | changes |", "| --- | --- | --- | --- |"])
        head.extend(
            f"| `{_md(name)}` | {_ICON[summary.backward]} | {_ICON[summary.forward]} | {summary.changes} |"
            for name, summary in changed.items()
        )
        head.append("")
    else:
        head.extend(["No change to which instances are valid.", ""])
    body: list[str] = []
    ordered = by_severity(result.changes)
    needs_review = [change for change in ordered if change.severity in {"major", "unknown"}]
    others = [change for change in ordered if change.severity not in {"major", "unknown"}]
    if needs_review:
        body.extend(["#### Needs review", ""])
        for change in needs_review:
            block = [
                (
                    f"- **{change.severity}** `{_md(change.file)}` `{_md(change.instance_pointer or '/')}` "
                    f"{change.kind}: {_md(change.message)} (backward {change.backward.value}, forward "
                    f"{change.forward.value})"
                ),
            ]
            if change.note:
                block.append(f"  - {_md(change.note)}")
            if change.via:
                block.append("  - via " + ", ".join(f"`{_md(item)}`" for item in change.via))
            if change.reached_at:
                block.append(
                    "  - also reached at " + ", ".join(f"`{_md(item)}`" for item in change.reached_at)
                )
            block.extend(
                f"  - counterexample ({example.direction.value}: valid under {example.valid_under}, "
                f"invalid under {example.invalid_under}): `{_md(_compact(example.instance, 300))}`"
                for example in change.counterexamples
            )
            body.extend(block)
        body.append("")
    if others:
        body.extend(
            [
                f"<details><summary>{len(others)} other change(s)</summary>",
                "",
                "| file | instance | kind | backward | forward |",
                "| --- | --- | --- | --- | --- |",
            ]
        )
        body.extend(
            f"| `{_md(change.file)}` | `{_md(change.instance_pointer or '/')}` | {change.kind} | "
            f"{change.backward.value} | {change.forward.value} |"
            for change in others
        )
        body.extend(["", "</details>", ""])
    if result.codegen:
        body.extend([f"<details><summary>Generated-code impact ({len(result.codegen)})</summary>", ""])
        body.extend(
            f"- `{_md(item.file)}{_md(item.pointer)}` {item.kind}: {_md(item.message)}"
            for item in result.codegen
        )
        body.extend(["", "</details>", ""])
    if result.skipped:
        body.extend([f"<details><summary>Skipped files ({len(result.skipped)})</summary>", ""])
        body.extend(f"- {item.side}: `{_md(item.path)}`: {_md(item.reason)}" for item in result.skipped)
        body.extend(["", "</details>", ""])
    if gate is not None and gate.notes:
        body.extend(["<details><summary>Notes</summary>", ""])
        body.extend(f"- {_md(item)}" for item in gate.notes)
        body.extend(["", "</details>", ""])
    text = "\n".join(head)
    for line in body:
        if len(text) + len(line) + 400 > limit:
            text += "\n\n_…truncated to fit a comment; run `saas-contracts diff -o json` for everything._\n"
            break
        text += "\n" + line
    return text.rstrip("\n") + "\n"
