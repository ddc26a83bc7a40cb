"""Text and Markdown renderings of decisions and apply reports (deterministic, public-safe)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from saas_contracts.entitlements._writer import ApplyOutcomes, EventResult


def decision_line(decision: Mapping[str, Any]) -> str:
    """One decision as a sentence: outcome, capability, reason, plan, winning source, validity."""
    plan = decision.get("plan", "-")
    source = decision.get("source", {})
    winner = (
        f"{source['source_kind']} {source['record_id']} ({decision['tie_break']})" if source else "no source"
    )
    until = decision.get("valid_until", "no scheduled change")
    return (
        f"{decision['outcome']} {decision['capability']} for {decision['workspace']}: {decision['reason']}; "
        f"plan {plan}; {winner}; holds until {until}"
    )


def decisions_text(decisions: Iterable[Mapping[str, Any]]) -> str:
    """One line per decision."""
    return "\n".join(decision_line(decision) for decision in decisions)


def decisions_markdown(decisions: Iterable[Mapping[str, Any]]) -> str:
    """A Markdown table, one row per decision."""
    rows = [
        "| outcome | capability | reason | plan | source | tie-break | valid until |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for decision in decisions:
        cells = [
            decision["outcome"],
            decision["capability"],
            decision["reason"],
            decision.get("plan", "-"),
            decision.get("source", {}).get("source_kind", "-"),
            decision.get("tie_break", "-"),
            decision.get("valid_until", "-"),
        ]
        rows.append("| " + " | ".join(cells) + " |")
    return "\n".join(rows)


def result_line(result: EventResult) -> str:
    """One event's outcome, with its violations indented below it."""
    what = " ".join(part for part in (result.kind, result.record_id) if part)
    line = f"#{result.index} {result.outcome}{' ' + what if what else ''}: {result.detail}"
    extra = [f"    {violation.pointer or '/'}: {violation.message}" for violation in result.violations]
    return "\n".join([line, *extra])


def apply_text(report: ApplyOutcomes) -> str:
    """Every event's outcome, then the counts per outcome."""
    lines = [result_line(result) for result in report.results]
    lines.append(", ".join(f"{outcome} {count}" for outcome, count in report.counts.items()))
    return "\n".join(lines)


def apply_markdown(report: ApplyOutcomes) -> str:
    """A Markdown table, one row per event."""
    rows = ["| # | outcome | kind | record | detail |", "| ---: | --- | --- | --- | --- |"]
    rows.extend(
        f"| {result.index} | {result.outcome} | {result.kind or '-'} | {result.record_id or '-'} | "
        f"{result.detail} |"
        for result in report.results
    )
    return "\n".join(rows)
