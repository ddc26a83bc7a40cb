"""Reporters: a :class:`DiffResult` as text (terminal), JSON (machines) or Markdown (pull requests).

Every format reports a change once, however many schemas reach it (a change
in a shared definition lists each schema and instance path that reaches it),
and every format goes through :func:`public` first: a value the privacy rules
flag (an ``enum`` member shaped like an API key, an e-mail address as a
property name) is masked in messages, pointers and counterexamples alike.
Counterexamples are generated documents, never user data, but they quote
schema values, so they are masked the same way and cut to a bounded length.

Markdown is written for a pull-request comment: a summary line with the
counts per verdict, then one section per verdict (breaking first), each
change with its location, message, the places reaching it and its
counterexample in a ``json`` block. It prints no local absolute path (a side
given as one is shown by its last component) and stays under GitHub's comment
limit (65,536 characters): past :data:`MARKDOWN_LIMIT` the rest is counted,
not shown.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import PurePosixPath, PureWindowsPath
from typing import TYPE_CHECKING, Any, Final

from saas_contracts._jsonio import dumps_pretty
from saas_contracts._mask import path as mask_path
from saas_contracts._mask import public_text, public_value
from saas_contracts.diff._model import Direction, Reach, Verdict

if TYPE_CHECKING:
    from saas_contracts.diff._model import Change, Counterexample, DiffResult

MARKDOWN_LIMIT = 60_000
"""Characters; GitHub rejects comments over 65,536."""
_INSTANCE_LIMIT: Final = 400
"""Characters of a counterexample on one line of the text report."""
_BLOCK_LIMIT: Final = 1_500
"""Characters of a counterexample's ``json`` block in Markdown."""
_PLACES_SHOWN: Final = 12
"""Places reaching a change listed before the rest is counted (``-v`` lists all in the text report)."""
_GATE_SHOWN: Final = 20
"""Gate violations listed in Markdown's head (each change below names its places anyway)."""
_SEVERITY_ORDER: Final = {"major": 0, "unknown": 1, "minor": 2, "patch": 3}
_ICON: Final = {
    Verdict.COMPATIBLE: "✅ compatible",
    Verdict.UNKNOWN: "❔ unknown",
    Verdict.BREAKING: "❌ breaking",
}
_SECTIONS: Final = (
    (Verdict.BREAKING, "❌ Breaking"),
    (Verdict.UNKNOWN, "❔ Unknown"),
    (Verdict.COMPATIBLE, "✅ Compatible or annotation-only"),
)
_ABSOLUTE: Final = re.compile(r"(?<![^\s(])(?:[A-Za-z]:[\\/]|[\\/]|~[\\/])[^\s`'\"]*")
"""A local absolute path in a side's label: at its start or after a space or ``(``."""
_MD_SPECIAL: Final = re.compile(r"([\\`*_\[\]<|#~])")


# -- privacy ---------------------------------------------------------------------------------------


def _public_example(example: Counterexample) -> Counterexample:
    return replace(
        example,
        instance=public_value(example.instance),
        pointer=mask_path(example.pointer),
        schema=mask_path(example.schema),
    )


def _public_change(change: Change) -> Change:
    return replace(
        change,
        file=mask_path(change.file),
        old_pointer=mask_path(change.old_pointer),
        new_pointer=mask_path(change.new_pointer),
        instance_pointer=mask_path(change.instance_pointer),
        message=public_text(change.message),
        note=public_text(change.note),
        via=tuple(mask_path(item) for item in change.via),
        reached_from=tuple(
            Reach(
                file=mask_path(place.file), schema=mask_path(place.schema), instance=mask_path(place.instance)
            )
            for place in change.reached_from
        ),
        counterexamples=tuple(_public_example(example) for example in change.counterexamples),
    )


def public(result: DiffResult) -> DiffResult:
    """The result with every value the privacy rules flag masked (every reporter prints this form).

    File names and pointers keep their clean segments; messages keep their clean words and mask each
    flagged quoted literal; counterexamples mask each flagged string, number and member name.
    """
    gate = result.gate
    if gate is not None:
        gate = replace(
            gate,
            violations=tuple(
                replace(item, file=mask_path(item.file), message=public_text(item.message))
                for item in gate.violations
            ),
            waived=tuple(public_text(item) for item in gate.waived),
            notes=tuple(public_text(item) for item in gate.notes),
        )
    return replace(
        result,
        old_label=public_text(result.old_label),
        new_label=public_text(result.new_label),
        changes=tuple(_public_change(change) for change in result.changes),
        codegen=tuple(
            replace(
                item,
                file=mask_path(item.file),
                pointer=mask_path(item.pointer),
                message=public_text(item.message),
            )
            for item in result.codegen
        ),
        files={mask_path(name): summary for name, summary in result.files.items()},
        gate=gate,
        skipped=tuple(
            replace(item, path=mask_path(item.path), reason=public_text(item.reason))
            for item in result.skipped
        ),
    )


# -- shared helpers --------------------------------------------------------------------------------


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


def _counts(changes: tuple[Change, ...]) -> dict[Verdict, int]:
    counts = dict.fromkeys(Verdict, 0)
    for change in changes:
        counts[change.verdict_label] += 1
    return counts


def _where(change: Change) -> str:
    """The changed keyword: ``file#pointer`` once when both sides agree, else old and new."""
    old, new = change.old_pointer, change.new_pointer
    if old == new or not old:
        return new or "(absent)"
    if not new:
        return f"{old} (removed)"
    return f"{old} -> {new}"


# -- JSON and text ---------------------------------------------------------------------------------


def render_json(result: DiffResult) -> str:
    """Deterministic JSON (sorted keys, 2-space indent)."""
    return dumps_pretty(public(result).to_json(), final_newline=False)


def render_text(result: DiffResult, *, verbose: bool = False) -> str:
    """A terminal report; ``verbose`` adds compatible changes, every pointer and every place."""
    result = public(result)
    lines = [f"schema diff: {result.old_label} -> {result.new_label} ({_policy(result)})"]
    shown = [change for change in by_severity(result.changes) if verbose or change.severity != "patch"]
    for change in shown:
        first = change.places[0]
        lines.append(
            f"[{change.severity}] {first.label}: {change.kind}: "
            f"backward {change.backward.value}, forward {change.forward.value}",
        )
        lines.append(f"    {change.message}")
        detailed = verbose or change.severity in {"major", "unknown"}
        if detailed:
            lines.append(f"    at: {_where(change)}")
            if change.via:
                lines.append("    via: " + ", ".join(change.via))
        others = change.places[1:]
        if others:
            listed = others if verbose else others[:_PLACES_SHOWN]
            more = (
                f", and {len(others) - len(listed)} more (-v lists them)" if len(listed) < len(others) else ""
            )
            lines.append(f"    also reached from {len(others)}: " + ", ".join(p.label for p in listed) + more)
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
    counts = _counts(result.changes)
    lines.append(
        f"summary: {len(result.changes)} change(s) ({counts[Verdict.BREAKING]} breaking, "
        f"{counts[Verdict.UNKNOWN]} unknown, {counts[Verdict.COMPATIBLE]} compatible) in "
        f"{len(result.files)} file(s); backward {result.summary(Direction.BACKWARD).value}, "
        f"forward {result.summary(Direction.FORWARD).value}",
    )
    gate = result.gate
    if gate is not None:
        lines.append(f"gate: {'passed' if gate.passed else 'FAILED'}")
        lines.extend(f"  violation: {item.file}: {item.message}" for item in gate.violations)
        lines.extend(f"  waived: {item}" for item in gate.waived)
        lines.extend(f"  note: {item}" for item in gate.notes)
    return "\n".join(lines)


# -- Markdown --------------------------------------------------------------------------------------


def _md(text: str) -> str:
    """Plain Markdown text: one line, every character Markdown or HTML could read escaped."""
    return _MD_SPECIAL.sub(r"\\\1", text.replace("\r", " ").replace("\n", " "))


def _code(text: str) -> str:
    """Inline code holding ``text`` whatever backticks it contains (one line)."""
    text = text.replace("\r", " ").replace("\n", " ")
    run = max((len(match) for match in re.findall(r"`+", text)), default=0)
    fence = "`" * (run + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or not text.strip() else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _side_label(label: str) -> str:
    """A side's label without local absolute paths (a directory given as one shows its last component)."""

    def last(match: re.Match[str]) -> str:
        text = match.group(0)
        name = (PureWindowsPath(text) if "\\" in text else PurePosixPath(text)).name
        return name or "/"

    return _ABSOLUTE.sub(last, label)


def _json_block(instance: Any) -> list[str]:
    """A fenced ``json`` block; a huge instance is printed compact and cut, and says so."""
    text = dumps_pretty(instance, final_newline=False)
    note = ""
    if len(text) > _BLOCK_LIMIT:
        text = _compact(instance, limit=10 * _BLOCK_LIMIT)
        if len(text) > _BLOCK_LIMIT:
            note = f"_(cut to {_BLOCK_LIMIT:,} of {len(text):,} characters; `-o json` has it whole)_"
            text = text[:_BLOCK_LIMIT] + "…"
    run = max((len(match) for match in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, run + 1)
    return [f"{fence}json", *text.split("\n"), fence, *([note] if note else [])]


def _place(place: Reach) -> str:
    schema = f"{place.file}#{place.schema}" if place.schema else place.file
    return f"{_code(schema)} at {_code(place.instance or '/')}"


def _change_block(number: int, change: Change) -> list[str]:
    """One change: heading line, message, location, places, note, counterexamples."""
    block = [
        (
            f"**{number}. {_code(change.kind)}** · {change.severity} · backward {change.backward.value}, "
            f"forward {change.forward.value}"
        ),
        "",
        _md(change.message),
        "",
        f"- location: {_code(_where(change))}",
    ]
    places = change.places
    if len(places) == 1:
        block.append(f"- reached from: {_place(places[0])}")
    else:
        block.append(f"- reached from {len(places)} places:")
        block.extend(f"  - {_place(place)}" for place in places[:_PLACES_SHOWN])
        if len(places) > _PLACES_SHOWN:
            block.append(f"  - and {len(places) - _PLACES_SHOWN} more (`-o json` lists them)")
    if change.via:
        block.append("- via " + ", ".join(_code(item) for item in change.via))
    if change.note:
        block.append(f"- note: {_md(change.note)}")
    for example in change.counterexamples:
        schema = example.schema.removesuffix("#")
        checked = f", checked against {_code(schema)}" if schema else ""
        block.append(
            f"- counterexample ({example.direction.value}: valid under {example.valid_under}, invalid under "
            f"{example.invalid_under}, at {_code(example.pointer or '/')}{checked}):"
        )
        block.append("")
        block.extend(f"  {line}" if line else "" for line in _json_block(example.instance))
    block.append("")
    return block


def _compatible_line(change: Change) -> str:
    places = change.places
    reach = _place(places[0]) if len(places) == 1 else f"{len(places)} places, first {_place(places[0])}"
    return f"- {_code(change.kind)} {_md(change.message)} · {_code(_where(change))} · reached from {reach}"


def _head(result: DiffResult) -> list[str]:
    gate = result.gate
    if gate is None:
        title = "### Schema diff"
    else:
        title = "### Schema diff: " + ("✅ gate passed" if gate.passed else "❌ gate failed")
    counts = _counts(result.changes)
    head = [
        title,
        "",
        (
            f"**{len(result.changes)} change(s): {counts[Verdict.BREAKING]} breaking · "
            f"{counts[Verdict.UNKNOWN]} unknown · {counts[Verdict.COMPATIBLE]} compatible** · "
            f"backward: **{result.summary(Direction.BACKWARD).value}** · "
            f"forward: **{result.summary(Direction.FORWARD).value}**"
        ),
        "",
        (
            f"{_code(_side_label(result.old_label))} → {_code(_side_label(result.new_label))} · "
            f"policy: {_policy(result)}"
        ),
        "",
    ]
    if gate is not None and (gate.violations or gate.waived):
        head.extend(["**Gate**", ""])
        head.extend(f"- ❌ {_code(item.file)} {_md(item.message)}" for item in gate.violations[:_GATE_SHOWN])
        if len(gate.violations) > _GATE_SHOWN:
            head.append(
                f"- … and {len(gate.violations) - _GATE_SHOWN} more violation(s), listed with each change"
            )
        head.extend(f"- ⚠️ waived: {_md(item)}" for item in gate.waived)
        head.append("")
    changed = {name: summary for name, summary in result.files.items() if summary.changes}
    if changed:
        head.extend(["| file | backward | forward | changes |", "| --- | --- | --- | --- |"])
        head.extend(
            f"| {_code(name)} | {_ICON[summary.backward]} | {_ICON[summary.forward]} | {summary.changes} |"
            for name, summary in changed.items()
        )
        head.append("")
    else:
        head.extend(["No change to which instances are valid.", ""])
    return head


def _tail(result: DiffResult) -> list[str]:
    tail: list[str] = []
    if result.codegen:
        tail.extend([f"<details><summary>Generated-code impact ({len(result.codegen)})</summary>", ""])
        tail.extend(
            f"- {_code(item.file + item.pointer)} {item.kind}: {_md(item.message)}" for item in result.codegen
        )
        tail.extend(["", "</details>", ""])
    if result.skipped:
        tail.extend([f"#### Skipped files ({len(result.skipped)})", ""])
        tail.extend(f"- {item.side}: {_code(item.path)}: {_md(item.reason)}" for item in result.skipped)
        tail.append("")
    gate = result.gate
    if gate is not None and gate.notes:
        tail.extend([f"#### Notes ({len(gate.notes)})", ""])
        tail.extend(f"- {_md(item)}" for item in gate.notes)
        tail.append("")
    return tail


def render_markdown(result: DiffResult, *, limit: int = MARKDOWN_LIMIT) -> str:
    """A pull-request comment: counts and gate first, then a section per verdict, breaking first."""
    result = public(result)
    text = "\n".join(_head(result))
    tail = "\n".join(_tail(result))
    ordered = by_severity(result.changes)
    left: dict[Verdict, int] = {}
    for verdict, heading in _SECTIONS:
        mine = [change for change in ordered if change.verdict_label is verdict]
        if not mine:
            continue
        section = f"\n#### {heading} ({len(mine)})\n"
        if len(text) + len(section) + len(tail) + 400 > limit:
            left[verdict] = len(mine)
            continue
        text += section
        for number, change in enumerate(mine, start=1):
            lines = (
                [_compatible_line(change)] if verdict is Verdict.COMPATIBLE else _change_block(number, change)
            )
            block = "\n" + "\n".join(lines)
            if len(text) + len(block) + len(tail) + 400 > limit:
                left[verdict] = len(mine) - number + 1
                break
            text += block
        if verdict is Verdict.COMPATIBLE:
            text += "\n"
    if left:
        counted = ", ".join(f"{count} {verdict.value}" for verdict, count in left.items())
        text += (
            f"\n_…{counted} change(s) not shown to fit a comment; run `saas-contracts diff -o json` "
            "for everything._\n"
        )
    text = text.rstrip("\n") + "\n\n" + tail
    return text.rstrip("\n") + "\n"
