"""``saas-contracts entitlements``: decide, apply lifecycle events onto a state file, summarize."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal, cast

import click

from saas_contracts.cli._common import (
    TIMESTAMP,
    emit_json,
    fail,
    finish,
    lock_timeout_option,
    output_file_option,
    output_format_option,
    privacy_finding,
    refuse_no_documents,
    report,
    resolve_commit_sha,
    utc_now,
)
from saas_contracts.entitlements import (
    AuditContext,
    apply_and_save,
    apply_file,
    decide_file,
    dump_state,
    load_state,
    migrate_json_state,
    save_state,
    summarize_files,
    write_ops_summary,
)
from saas_contracts.errors import OutputFileError
from saas_contracts.privacy import PublicSafetyError

if TYPE_CHECKING:
    from collections.abc import Callable

    from saas_contracts.entitlements import ApplyOutcomes, DecisionRun, OpsSummary, PlanSourceState

SummaryFormat = Literal["text", "json", "markdown"]


def _decisions_text(run: DecisionRun) -> None:
    if run.decisions:
        click.echo(run.render("text"))


DECIDE_REPORTERS: dict[str, Callable[[DecisionRun], None]] = {
    "text": _decisions_text,
    "json": lambda run: emit_json(run.to_json()),
    "markdown": lambda run: click.echo(run.render("markdown")),
}
APPLY_REPORTERS: dict[str, Callable[[ApplyOutcomes], None]] = {
    "text": lambda result: click.echo(result.render("text")),
    "json": lambda result: emit_json(result.to_json()),
    "markdown": lambda result: click.echo(result.render("markdown")),
}


def _summary_reporter(output_format: str) -> Callable[[OpsSummary], None]:
    def emit(summary: OpsSummary) -> None:
        click.echo(summary.render(output_format), nl=False)

    return emit


SUMMARY_REPORTERS: dict[str, Callable[[OpsSummary], None]] = {
    name: _summary_reporter(name) for name in ("text", "json", "markdown")
}


@click.group()
def entitlements() -> None:
    """Entitlement plan-source contract: decisions, lifecycle replay, ops summaries.

    Everything is provider-neutral: product adapters map Stripe, Paddle, Lemon
    Squeezy or manual-ops payloads into lifecycle events first.
    """


@entitlements.command("decide")
@click.argument("request_path", metavar="REQUEST", type=click.Path(dir_okay=False, allow_dash=True))
@click.option(
    "--state",
    "state_path",
    type=click.Path(dir_okay=False, exists=True),
    help="Take each request's records from this state file (requests must then omit 'records').",
)
@output_format_option(DECIDE_REPORTERS)
def decide_command(request_path: str, state_path: str | None, output_format: str) -> None:
    """Decide entitlement requests (entitlements/v1/decision-request, .json or .jsonl).

    The decision is a pure function of the request: records, policy, capability
    snapshot, capability, usage and an explicit as_of. Exit 0 when every
    request is allowed, 1 when any is denied, 2 on invalid input or no
    request at all (an empty file or only blank lines).
    """
    run = decide_file(request_path, state=load_state(state_path) if state_path else None)
    refuse_no_documents(len(run.decisions))
    report(DECIDE_REPORTERS, output_format, run)
    finish(clean=run.clean)


@entitlements.command("apply")
@click.argument("events_path", metavar="EVENTS", type=click.Path(dir_okay=False, allow_dash=True))
@click.option(
    "--state",
    "state_path",
    required=True,
    type=click.Path(dir_okay=False),
    help="State file (entitlements/v1/state) to replay onto; created when missing, replaced atomically, "
    "locked through STATE.lock beside it.",
)
@click.option(
    "--writes",
    "writes_path",
    type=click.Path(dir_okay=False),
    help="Append the audited write envelopes of applied events to this JSON Lines file (never truncated; "
    "envelopes already there are not appended again; needs --commit-sha).",
)
@click.option(
    "--commit-sha",
    metavar="SHA",
    help="Commit SHA recorded in each write envelope (default with --writes: $SAAS_CONTRACTS_COMMIT_SHA, "
    "$GITHUB_SHA or 'git rev-parse HEAD').",
)
@click.option("--now", type=TIMESTAMP, help="written_at for the envelopes (default: the current time).")
@click.option("--dry-run", is_flag=True, help="Report the outcomes without writing the state file.")
@lock_timeout_option("--state")
@output_format_option(APPLY_REPORTERS)
def apply_command(  # noqa: PLR0913, PLR0917 - click passes one parameter per documented option
    events_path: str,
    state_path: str,
    writes_path: str | None,
    commit_sha: str | None,
    now: str | None,
    dry_run: bool,  # noqa: FBT001 - a click flag
    lock_timeout: float,
    output_format: str,
) -> None:
    """Replay lifecycle events (EVENTS.jsonl) onto a state file and report every event's outcome.

    Each event ends in exactly one outcome: applied, duplicate, conflict,
    stale, parked, illegal or invalid (each record is the fold of its event
    log in canonical order, so late events are folded in at their place).
    STATE is a JSON state file or an SQLite store (*.sqlite, *.db). One run
    at a time per state file (an exclusive lock on STATE.lock beside it, or
    the store's own write lock). The envelopes of applied events are
    appended to --writes (never truncated; fsynced) before the new state
    replaces the old one atomically, so an interrupted run leaves the old
    state intact and its rerun neither loses nor doubles an envelope. Exit 0
    when nothing was a conflict, illegal or invalid (stale, parked and
    duplicate deliveries are expected), 1 otherwise, 2 on usage errors (including an
    unwritable --state or --writes, and a state busy past --lock-timeout).
    """
    if writes_path or commit_sha is not None:
        commit_sha = resolve_commit_sha(commit_sha)
    if writes_path and not commit_sha:
        raise fail("--writes needs a commit: pass --commit-sha or set SAAS_CONTRACTS_COMMIT_SHA")
    audit = AuditContext(now=now or utc_now(), commit_sha=commit_sha) if commit_sha else None
    result: ApplyOutcomes
    if dry_run:
        result = apply_file(load_state(state_path, missing_ok=True), events_path, audit=audit)
    else:
        saved = apply_and_save(
            events_path, state_path, writes_path=writes_path, audit=audit, lock_timeout=lock_timeout
        )
        result = saved.report
        if saved.audit is not None and saved.audit.already_present:
            click.echo(
                f"note: {saved.audit.already_present} write envelope(s) were already in {writes_path} "
                "(from an interrupted run); not appended again",
                err=True,
            )
    report(APPLY_REPORTERS, output_format, result)
    finish(clean=result.clean)


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
@click.option(
    "--commit-sha",
    metavar="SHA",
    help="Commit SHA to stamp on the summary (default: $SAAS_CONTRACTS_COMMIT_SHA, $GITHUB_SHA or "
    "$CF_PAGES_COMMIT_SHA when set; otherwise none).",
)
@click.option("--generated-at", type=TIMESTAMP, help="UTC timestamp to stamp on the summary.")
@click.option(
    "--as-of",
    type=TIMESTAMP,
    help="Count record statuses as the records stand at this instant (default: --generated-at).",
)
@output_file_option("Write the summary to FILE (atomically) instead of standard output.")
@output_format_option(SUMMARY_REPORTERS)
def summarize_command(  # noqa: PLR0913, PLR0917 - click passes one parameter per documented option
    state_path: str | None,
    report_paths: tuple[str, ...],
    decision_paths: tuple[str, ...],
    commit_sha: str | None,
    generated_at: str | None,
    as_of: str | None,
    output_path: str | None,
    output_format: str,
) -> None:
    """Write a public-safe ops summary (entitlements/v1/ops-summary).

    Counts by lifecycle event, event outcome, source kind, record status,
    decision outcome and reason, plus stale, duplicate and conflict counts. The
    summary is privacy-scanned before anything is written; a finding is exit 1
    and nothing is printed or written.
    """
    if not (state_path or report_paths or decision_paths):
        raise fail("give at least one of --state, --report, --decisions")
    try:
        summary = summarize_files(
            state_path=state_path,
            report_paths=report_paths,
            decision_paths=decision_paths,
            commit_sha=resolve_commit_sha(commit_sha, ask_git=False),
            generated_at=generated_at or utc_now(),
            as_of=as_of,
        )
    except PublicSafetyError as error:
        raise privacy_finding("ops summary", error) from error
    if output_path:
        try:
            write_ops_summary(summary, output_path, cast("SummaryFormat", output_format.lower()))
        except OSError as error:
            raise OutputFileError.from_os_error(output_path, error) from error
    else:
        report(SUMMARY_REPORTERS, output_format, summary)
    finish(clean=True)


def _migration_counts(state: PlanSourceState) -> dict[str, int]:
    return {
        "records": len(state.records),
        "receipts": len(state.receipts),
        "events": sum(len(entries) for entries in state.log.values()),
        "bases": len(state.bases),
    }


MIGRATE_REPORTERS: dict[str, Callable[[PlanSourceState], None]] = {
    "text": lambda state: click.echo(
        ", ".join(f"{count} {name}" for name, count in _migration_counts(state).items()) + " migrated"
    ),
    "json": lambda state: emit_json(_migration_counts(state)),
}
STATE_EXPORT_REPORTERS: dict[str, Callable[[PlanSourceState], None]] = {
    "json": lambda state: click.echo(dump_state(state), nl=False),
}


@entitlements.command("migrate")
@click.argument("json_state", metavar="STATE", type=click.Path(dir_okay=False, exists=True))
@click.argument("store_path", metavar="STORE.sqlite", type=click.Path(dir_okay=False))
@output_format_option(MIGRATE_REPORTERS)
def migrate_command(json_state: str, store_path: str, output_format: str) -> None:
    """Create an SQLite store (schemas/entitlements/v1/store.sql) from a JSON state file or an older store.

    STATE is a JSON state file or a layout-1 store (format entitlements/v1/store,
    which this version refuses to open); it is left as it was, and a layout-1
    store's audit envelopes move along in their order. Afterwards pass the new
    store to --state. Records of a state written before event logs were kept
    become bases (their fold starts from them). Exit 2 when the store already
    holds data.
    """
    report(MIGRATE_REPORTERS, output_format, migrate_json_state(json_state, store_path))


@entitlements.command("export")
@click.argument("store_path", metavar="STATE", type=click.Path(dir_okay=False, exists=True))
@output_file_option("Write the JSON state document to FILE (atomically) instead of standard output.")
@output_format_option(STATE_EXPORT_REPORTERS, default="json")
def export_command(store_path: str, output_path: str | None, output_format: str) -> None:
    """Print the JSON state document (entitlements/v1/state) of an SQLite store or a JSON state file.

    For review and fixtures: the same document a JSON state file of the same
    events holds, byte for byte.
    """
    state = load_state(store_path)
    if output_path is None:
        report(STATE_EXPORT_REPORTERS, output_format, state)
        return
    try:
        save_state(output_path, state)
    except OSError as error:
        raise OutputFileError.from_os_error(output_path, error) from error
