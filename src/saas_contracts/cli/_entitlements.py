"""``saas-contracts entitlements``: decide, replay lifecycle events onto a state file, summarize."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from saas_contracts._jsonio import read_documents
from saas_contracts.cli._common import emit_json, fail, finish, output_format_option, resolve_commit_sha
from saas_contracts.entitlements import (
    AuditContext,
    PlanSourceState,
    ReplayReport,
    apply_event,
    decide,
    load_state,
    save_state,
    summarize,
    summary_markdown,
    summary_text,
    unreadable_result,
    write_text_atomic,
)
from saas_contracts.errors import InputFileError

if TYPE_CHECKING:
    from saas_contracts.entitlements import EventResult


@click.group()
def entitlements() -> None:
    """Entitlement plan-source contract: decisions, lifecycle replay, ops summaries.

    Everything is provider-neutral: product adapters map Stripe, Paddle, Lemon
    Squeezy or manual-ops payloads into lifecycle events first.
    """


def _documents(path: str) -> list[Any]:
    values: list[Any] = []
    for document in read_documents(path):
        if document.error is not None:
            raise InputFileError(path, document.error, line=document.line)
        values.append(document.value)
    return values


def _with_state_records(request: object, state: PlanSourceState | None) -> object:
    if state is None or not isinstance(request, dict) or "records" in request:
        return request
    workspace = request.get("workspace")
    return request | {"records": state.workspace_records(workspace) if isinstance(workspace, str) else []}


def _decision_line(decision: dict[str, Any]) -> str:
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


@entitlements.command("decide")
@click.argument("request_path", metavar="REQUEST", type=click.Path(dir_okay=False, allow_dash=True))
@click.option(
    "--state",
    "state_path",
    type=click.Path(dir_okay=False, exists=True),
    help="Take each request's records from this state file (requests must then omit 'records').",
)
@output_format_option("text", "json", "markdown")
def decide_command(request_path: str, state_path: str | None, output_format: str) -> None:
    """Decide entitlement requests (entitlements/v1/decision-request, .json or .jsonl).

    The decision is a pure function of the request: records, policy, capability
    snapshot, capability, usage and an explicit as_of. Exit 0 when every
    request is allowed, 1 when any is denied, 2 on invalid input.
    """
    state = load_state(state_path) if state_path else None
    decisions = [decide(_with_state_records(request, state)) for request in _documents(request_path)]
    if output_format == "json":
        emit_json(decisions[0] if len(decisions) == 1 and not request_path.endswith(".jsonl") else decisions)
    elif output_format == "markdown":
        click.echo("| outcome | capability | reason | plan | source | tie-break | valid until |")
        click.echo("| --- | --- | --- | --- | --- | --- | --- |")
        for decision in decisions:
            source = decision.get("source", {}).get("source_kind", "-")
            cells = [
                decision["outcome"],
                decision["capability"],
                decision["reason"],
                decision.get("plan", "-"),
                source,
                decision.get("tie_break", "-"),
                decision.get("valid_until", "-"),
            ]
            click.echo("| " + " | ".join(cells) + " |")
    else:
        for decision in decisions:
            click.echo(_decision_line(decision))
    finish(clean=all(decision["outcome"] == "allow" for decision in decisions))


def _utc_now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _replay_file(state: PlanSourceState, events_path: str, audit: AuditContext | None) -> ReplayReport:
    results: list[EventResult] = []
    for index, document in enumerate(read_documents(events_path, default_lines=True)):
        if document.error is not None:
            results.append(unreadable_result(index, f"{document.location}: {document.error}"))
        else:
            results.append(apply_event(state, document.value, index=index, audit=audit))
    return ReplayReport(state=state, results=tuple(results))


def _result_line(result: EventResult) -> str:
    what = " ".join(part for part in (result.kind, result.record_id) if part)
    line = f"#{result.index} {result.outcome}{' ' + what if what else ''}: {result.detail}"
    extra = [f"    {violation.pointer or '/'}: {violation.message}" for violation in result.violations]
    return "\n".join([line, *extra])


@entitlements.command("apply")
@click.argument("events_path", metavar="EVENTS", type=click.Path(dir_okay=False, allow_dash=True))
@click.option(
    "--state",
    "state_path",
    required=True,
    type=click.Path(dir_okay=False),
    help="State file (entitlements/v1/state) to replay onto; created when missing, replaced atomically.",
)
@click.option(
    "--writes",
    "writes_path",
    type=click.Path(dir_okay=False),
    help="Write the audited write envelopes of applied events here as JSON Lines (needs --commit-sha).",
)
@click.option(
    "--commit-sha",
    metavar="SHA",
    help="Commit SHA recorded in each write envelope (default with --writes: $SAAS_CONTRACTS_COMMIT_SHA, "
    "$GITHUB_SHA or 'git rev-parse HEAD').",
)
@click.option("--now", help="written_at for the envelopes (UTC timestamp; default: the current time).")
@click.option("--dry-run", is_flag=True, help="Report the outcomes without writing the state file.")
@output_format_option("text", "json", "markdown")
def apply_command(  # noqa: PLR0913, PLR0917 - click passes one parameter per documented option
    events_path: str,
    state_path: str,
    writes_path: str | None,
    commit_sha: str | None,
    now: str | None,
    dry_run: bool,  # noqa: FBT001 - a click flag
    output_format: str,
) -> None:
    """Replay lifecycle events (EVENTS.jsonl) onto a state file and report every event's outcome.

    Each event ends in exactly one outcome: applied, duplicate, conflict,
    stale, illegal or invalid. The new state is written atomically (temp file,
    fsync, rename), so an interrupted run leaves the old state intact. Exit 0
    when nothing was a conflict, illegal or invalid (stale and duplicate
    deliveries are expected), 1 otherwise, 2 on usage errors.
    """
    if writes_path or commit_sha is not None:
        commit_sha = resolve_commit_sha(commit_sha)
    if writes_path and not commit_sha:
        raise fail("--writes needs a commit: pass --commit-sha or set SAAS_CONTRACTS_COMMIT_SHA")
    audit = AuditContext(now=now or _utc_now(), commit_sha=commit_sha) if commit_sha else None
    state = load_state(state_path, missing_ok=True)
    report = _replay_file(state, events_path, audit)
    if not dry_run:
        save_state(state_path, report.state)
        if writes_path:
            lines = [
                json.dumps(envelope, sort_keys=True, ensure_ascii=False) + "\n"
                for envelope in report.envelopes
            ]
            write_text_atomic(writes_path, "".join(lines))
    if output_format == "json":
        emit_json(report.to_json())
    elif output_format == "markdown":
        click.echo("| # | outcome | kind | record | detail |")
        click.echo("| ---: | --- | --- | --- | --- |")
        for result in report.results:
            click.echo(f"| {result.index} | {result.outcome} | {result.kind or '-'} | "
                       f"{result.record_id or '-'} | {result.detail} |")  # fmt: skip
    else:
        for result in report.results:
            click.echo(_result_line(result))
        click.echo(", ".join(f"{outcome} {count}" for outcome, count in report.counts.items()))
    finish(clean=report.clean)


def _report_results(paths: tuple[str, ...]) -> list[dict[str, Any]]:
    results: list[dict[str, Any]] = []
    for path in paths:
        for document in _documents(path):
            if not isinstance(document, dict) or not isinstance(document.get("results"), list):
                raise InputFileError(path, "expected an apply report ('apply -o json') with a 'results' list")
            results.extend(item for item in document["results"] if isinstance(item, dict))
    return results


@entitlements.command("summarize")
@click.option("--state", "state_path", type=click.Path(dir_okay=False, exists=True), help="A state file.")
@click.option(
    "--report",
    "report_paths",
    multiple=True,
    type=click.Path(dir_okay=False, exists=True),
    help="An apply report from 'apply -o json' (repeatable); its outcomes include duplicates and conflicts.",
)
@click.option(
    "--decisions",
    "decision_paths",
    multiple=True,
    type=click.Path(dir_okay=False, exists=True),
    help="Decision documents from 'decide -o json' (.json or .jsonl, repeatable).",
)
@click.option("--commit-sha", envvar="SAAS_CONTRACTS_COMMIT_SHA", help="Commit SHA to stamp on the summary.")
@click.option("--generated-at", help="UTC timestamp to stamp on the summary.")
@click.option(
    "--output", "output_path", type=click.Path(dir_okay=False), help="Write here instead of stdout."
)
@output_format_option("text", "json", "markdown")
def summarize_command(  # noqa: PLR0913, PLR0917 - click passes one parameter per documented option
    state_path: str | None,
    report_paths: tuple[str, ...],
    decision_paths: tuple[str, ...],
    commit_sha: str | None,
    generated_at: str | None,
    output_path: str | None,
    output_format: str,
) -> None:
    """Write a public-safe ops summary (entitlements/v1/ops-summary).

    Counts by lifecycle event, event outcome, source kind, record status,
    decision outcome and reason, plus stale, duplicate and conflict counts. The
    summary is privacy-scanned before anything is written; a finding is exit 2.
    """
    if not (state_path or report_paths or decision_paths):
        raise fail("give at least one of --state, --report, --decisions")
    decisions: list[Any] = []
    for path in decision_paths:
        for document in _documents(path):
            decisions.extend(document if isinstance(document, list) else [document])
    summary = summarize(
        state=load_state(state_path) if state_path else None,
        results=_report_results(report_paths),
        decisions=decisions,
        commit_sha=commit_sha,
        generated_at=generated_at,
    )
    if output_format == "json":
        text = json.dumps(summary, indent=2, sort_keys=True, ensure_ascii=False)
    elif output_format == "markdown":
        text = summary_markdown(summary)
    else:
        text = summary_text(summary)
    if output_path:
        write_text_atomic(Path(output_path), text + "\n")
    else:
        click.echo(text)
    finish(clean=True)
