"""``saas-contracts ledger``: replay usage events, summarize usage, write the ops summary."""

from __future__ import annotations

import functools
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeVar

import click

from saas_contracts.cli._common import (
    TIMESTAMP,
    ContractGroup,
    emit_json,
    fail,
    finish,
    lock_timeout_option,
    output_format_option,
    privacy_finding,
    report,
    resolve_commit_sha,
    utc_now,
)
from saas_contracts.ledger import (
    OUTCOMES,
    VALIDATOR_CHOICES,
    ReplayRequest,
    ShardedIndex,
    SqliteIndex,
    TimeRules,
    build_ops_summary,
    input_size,
    replay,
    replay_distributed,
    write_ops_summary,
)
from saas_contracts.privacy import PublicSafetyError, assert_public_safe, masked_path, masked_unless_public

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Sequence

    from saas_contracts.ledger import LineIssue, ReplayReport, UsageSummary

_F = TypeVar("_F", bound="Callable[..., object]")
_FAIL_CHOICES = ("conflict", "invalid", "late", "out_of_window", "duplicate", "none")


def _window_options(function: _F) -> _F:
    for decorator in reversed(
        [
            click.option(
                "--window-start",
                required=True,
                metavar="TIMESTAMP",
                help="Window start, inclusive, UTC (e.g. 2026-10-15T00:00:00Z).",
            ),
            click.option(
                "--window-end",
                required=True,
                metavar="TIMESTAMP",
                help="Window end, exclusive, UTC. Events are matched on occurred_at.",
            ),
            click.option(
                "--max-span-days",
                type=click.IntRange(1, 366),
                default=31,
                show_default=True,
                help="Refuse windows longer than this many days.",
            ),
            click.option("--by-day", is_flag=True, help="Split aggregates per UTC day of occurred_at."),
            click.option(
                "--min-count",
                "min_count",
                type=click.IntRange(1, 1000),
                default=5,
                show_default=True,
                help="Small-count suppression: aggregate rows with fewer events are left out "
                "of public output (1 disables).",
            ),
            click.option(
                "--now",
                type=TIMESTAMP,
                help="Evaluate time rules at this UTC instant instead of the current time "
                "(for reproducible output).",
            ),
            click.option(
                "--clock-skew-seconds",
                type=click.IntRange(0, 3600),
                default=300,
                show_default=True,
                help="Events dated later than now plus this are invalid.",
            ),
            click.option(
                "--late-after-seconds",
                type=click.IntRange(0, 31_622_400),
                default=259_200,
                show_default=True,
                help="Events recorded this long after they occurred are late.",
            ),
            click.option(
                "--late-policy",
                type=click.Choice(["accept", "reject"]),
                default="accept",
                show_default=True,
                help="accept: late events count (and are tallied); reject: they end in the 'late' outcome.",
            ),
            click.option(
                "--jobs",
                type=click.IntRange(0, 64),
                default=0,
                show_default=True,
                help="Worker processes for parsing and validation (0: automatic, 1: none).",
            ),
            click.option(
                "--validator",
                type=click.Choice(VALIDATOR_CHOICES),
                default="auto",
                show_default=True,
                help="Bulk schema check: jsonschema-rs (fast), jsonschema (reference), or auto.",
            ),
        ],
    ):
        function = decorator(function)
    return function


class _Progress:
    """A click progress bar on stderr, only when stderr is a terminal and the size is known."""

    def __init__(self, sources: Sequence[str]) -> None:
        self.size = input_size(list(sources))
        self.enabled = self.size is not None and self.size > 0 and sys.stderr.isatty()
        self._bar: Any = None

    def __enter__(self) -> Callable[[int], None] | None:
        if not self.enabled:
            return None
        self._bar = click.progressbar(length=self.size, label="replaying", file=sys.stderr, show_eta=True)
        bar = self._bar.__enter__()
        return bar.update  # type: ignore[no-any-return]

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.__exit__(*exc)


def _run(
    events: Sequence[str],
    request: ReplayRequest,
    options: dict[str, Any],
    index: SqliteIndex | ShardedIndex | None,
    deliver: Callable[[ReplayReport], None] | None = None,
) -> ReplayReport:
    with _Progress(events) as progress:
        return replay(
            list(events),
            request,
            now=options["now"] or utc_now(),
            index=index,
            workers=options["jobs"] or None,
            validator=options["validator"],
            progress=progress,
            deliver=deliver,
        )


def _local_index(
    index_path: str | None, partitions: int | None, lock_timeout: float, *, upgrade: bool
) -> SqliteIndex | ShardedIndex | None:
    """The index of a local run: a directory (or --partitions) is sharded, a file one SQLite index."""
    if not index_path:
        return None
    if partitions is not None or Path(index_path).is_dir():
        return ShardedIndex(index_path, partitions=partitions, lock_timeout=lock_timeout, upgrade=upgrade)
    return SqliteIndex(index_path, lock_timeout=lock_timeout, upgrade=upgrade)


def _run_dask(  # noqa: PLR0913, PLR0917 - the run's settings, as the command parsed them
    events: Sequence[str],
    request: ReplayRequest,
    options: dict[str, Any],
    lock_timeout: float,
    upgrade: bool,  # noqa: FBT001 - a parsed flag
    deliver: Callable[[ReplayReport], None] | None,
) -> ReplayReport:
    try:
        return replay_distributed(
            list(events),
            request,
            now=options["now"] or utc_now(),
            index_dir=options["index_path"],
            partitions=options["partitions"],
            scheduler=options["scheduler"],
            validator=options["validator"],
            lock_timeout=lock_timeout,
            upgrade=upgrade,
            deliver=deliver,
        )
    except ImportError as error:
        raise fail(str(error)) from error


def _text_lines(report: ReplayReport, events: Sequence[str]) -> Iterator[str]:
    request = report.request
    what = (
        "dry run, nothing written"
        if request.dry_run
        else f"index {report.index_kind}: {report.index_written} written"
    )
    ref = f", backfill {masked_unless_public(request.backfill_ref)}" if request.backfill_ref else ""
    yield (
        f"{request.mode} of {len(events)} input(s), window [{request.window_start}, {request.window_end}) "
        f"({what}{ref})"
    )
    for name in OUTCOMES:
        extra = f"  (late accepted: {report.counts['late_accepted']})" if name == "accepted" else ""
        yield f"  {name:<14}{report.counts[name]:>10}{extra}"
    yield f"  {'lines read':<14}{report.lines_read:>10}  (conservation holds)"

    def where(issue: LineIssue) -> str:
        return f"{masked_path(events[issue.input - 1])}:{issue.line}"

    if report.invalid_samples:
        yield f"invalid lines (first {len(report.invalid_samples)}):"
        yield from (f"  {where(issue)}: {issue.reason}" for issue in report.invalid_samples)
    if report.conflict_samples:
        yield f"conflicts (first {len(report.conflict_samples)}):"
        yield from (f"  {where(issue)}: {issue.reason}" for issue in report.conflict_samples)
    yield from _summary_lines(report.summary())


def _summary_lines(summary: UsageSummary) -> Iterator[str]:
    yield (
        f"usage by plan x event kind ({summary.suppressed_rows} row(s) under {summary.threshold} events "
        "suppressed):"
    )
    for row in summary.rows:
        day = f"{row.day}  " if row.day else ""
        yield f"  {day}{row.plan_label:<16}{row.event_kind:<32}{row.events:>10}{row.quantity:>14}"
    yield f"  {'total':<48}{summary.total_events:>10}{summary.total_quantity:>14}"


def _request(
    options: dict[str, Any], *, mode: str | None, dry_run: bool, backfill_ref: str | None
) -> ReplayRequest:
    return ReplayRequest(
        window_start=options["window_start"],
        window_end=options["window_end"],
        mode=mode or ("backfill" if backfill_ref else "replay"),  # type: ignore[arg-type]
        dry_run=dry_run,
        backfill_ref=backfill_ref,
        max_span_days=options["max_span_days"],
        time_rules=TimeRules(
            clock_skew_seconds=options["clock_skew_seconds"],
            late_after_seconds=options["late_after_seconds"],
            late_policy=options["late_policy"],
        ),
        by_day=options["by_day"],
        suppression_threshold=options["min_count"],
    )


@dataclass(frozen=True, kw_only=True)
class _Replayed:
    """What the replay reporters print: the report, the inputs, the commit and where the summary goes."""

    report: ReplayReport
    events: Sequence[str]
    sha: str | None
    out_path: str | None


def _replay_text(replayed: _Replayed) -> None:
    for line in _text_lines(replayed.report, replayed.events):
        click.echo(line)


def _replay_ops_summary(ops_format: Literal["json", "markdown"], replayed: _Replayed) -> None:
    # Runs before the index commits (see replay_command): any failure here leaves the index as it was.
    try:
        summary = build_ops_summary(replayed.report, commit_sha=replayed.sha)
    except PublicSafetyError as error:
        raise privacy_finding("ops summary", error) from error
    if replayed.out_path is None:
        click.echo(summary.render(ops_format), nl=False)
        return
    try:
        write_ops_summary(summary, replayed.out_path, ops_format)
    except OSError as error:
        message = f"--output {replayed.out_path}: cannot write: {error.strerror} (the index is unchanged)"
        raise fail(message) from error
    click.echo(f"wrote {replayed.out_path}", err=True)


REPLAY_REPORTERS: dict[str, Callable[[_Replayed], None]] = {
    "text": _replay_text,
    "json": functools.partial(_replay_ops_summary, "json"),
    "markdown": functools.partial(_replay_ops_summary, "markdown"),
}


@dataclass(frozen=True, kw_only=True)
class _Summarized:
    """A usage summary that passed its schema and the privacy scan."""

    summary: UsageSummary
    document: dict[str, Any]
    request: ReplayRequest


def _summary_markdown(summarized: _Summarized) -> None:
    request = summarized.request
    click.echo(
        f"# Usage summary\n\nWindow `{request.window_start}` to `{request.window_end}` "
        "(UTC, end exclusive).\n"
    )
    click.echo(summarized.summary.markdown_table())


def _summary_text(summarized: _Summarized) -> None:
    for line in _summary_lines(summarized.summary):
        click.echo(line)


SUMMARY_REPORTERS: dict[str, Callable[[_Summarized], None]] = {
    "text": _summary_text,
    "json": lambda summarized: emit_json(summarized.document),
    "markdown": _summary_markdown,
}


@click.group("ledger", cls=ContractGroup)
def ledger() -> None:
    """Usage event ledger: replay/backfill JSON Lines, aggregate usage, write ops summaries.

    Events are usage-ledger/v1/event envelopes, one per line. Every line ends
    in exactly one outcome: accepted, duplicate, conflict, invalid,
    out_of_window, late or blank.
    """


@ledger.command("replay")
@click.argument("events", nargs=-1, required=True, metavar="EVENTS.jsonl...")
@_window_options
@click.option(
    "--mode",
    type=click.Choice(["replay", "backfill"]),
    help="replay (default) or backfill (default when --backfill-ref is given).",
)
@click.option("--dry-run", is_flag=True, help="Write nothing to the index; report what would happen.")
@click.option(
    "--backfill-ref",
    metavar="REF",
    help="Operator-owned reference of the approved backfill (required for --mode backfill).",
)
@click.option(
    "--index",
    "index_path",
    type=click.Path(),
    metavar="PATH",
    help="SQLite idempotency index: consulted for earlier runs' keys and, unless --dry-run, "
    "written. Without it, an in-memory index lasts for this run only. A directory (or any PATH "
    "with --engine dask or --partitions) is a sharded index: one SQLite file per partition.",
)
@lock_timeout_option("--index")
@click.option(
    "--engine",
    type=click.Choice(["local", "dask"]),
    default="local",
    show_default=True,
    help="local: this machine's processes; dask: a Dask cluster (pip install 'saas-contracts[dask]').",
)
@click.option(
    "--scheduler",
    metavar="ADDRESS",
    help="Dask scheduler to run on (tcp://HOST:8786); default: a local cluster for this run.",
)
@click.option(
    "--partitions",
    type=click.IntRange(1, 4096),
    help="Partitions of the idempotency scope hash (default 8); a sharded --index keeps its own number.",
)
@click.option(
    "--upgrade-index",
    is_flag=True,
    help="Accept an --index written before fingerprint version 2 (timestamps compared to the "
    "millisecond) and record it as version 2. Without it such an index is refused.",
)
@click.option(
    "--commit-sha",
    metavar="SHA",
    help="Commit the run is made at (default: $SAAS_CONTRACTS_COMMIT_SHA, $GITHUB_SHA or "
    "'git rev-parse HEAD'); required unless --dry-run.",
)
@click.option(
    "--fail-on",
    "fail_on",
    type=click.Choice(_FAIL_CHOICES),
    multiple=True,
    help="Outcomes that make the exit status 1 (repeatable; default: conflict and invalid; "
    "'none' to always exit 0 after a complete run).",
)
@output_format_option(REPLAY_REPORTERS)
@click.option(
    "--output",
    "output_path",
    type=click.Path(dir_okay=False, writable=True),
    metavar="FILE",
    help="Write the ops summary to FILE (JSON or Markdown, from -o or the .json/.md suffix) "
    "instead of standard output. Nothing is written when the privacy scan finds anything.",
)
@click.option(
    "--out",
    "legacy_out",
    type=click.Path(dir_okay=False, writable=True),
    hidden=True,
    deprecated="use --output",
)
def replay_command(  # noqa: PLR0913, PLR0917 - click passes every option by name
    events: tuple[str, ...],
    mode: str | None,
    dry_run: bool,  # noqa: FBT001 - click flag
    backfill_ref: str | None,
    index_path: str | None,
    lock_timeout: float,
    engine: str,
    scheduler: str | None,
    partitions: int | None,
    upgrade_index: bool,  # noqa: FBT001 - click flag
    commit_sha: str | None,
    fail_on: tuple[str, ...],
    output_format: str,
    output_path: str | None,
    legacy_out: str | None,
    **options: Any,
) -> None:
    """Replay or backfill EVENTS.jsonl... ('-' for standard input) in a UTC window.

    Validates every line (schema, time rules), skips events outside
    [--window-start, --window-end), checks idempotency (same key and content:
    duplicate; same key, other content: conflict), aggregates accepted usage by
    plan label x event kind, and asserts that the outcome counts add up to the
    lines read. -o json / -o markdown print the public-safe ops summary, which
    is privacy-scanned first. Exit 0 ok, 1 when an outcome named by --fail-on
    occurred or the ops summary has privacy findings, 2 on usage errors.
    """
    out_path = output_path if output_path is not None else legacy_out
    if out_path is not None and output_format == "text":
        suffix = Path(out_path).suffix.lower()
        if suffix not in {".json", ".md", ".markdown"}:
            raise fail("--output needs -o json or -o markdown (or a .json / .md file name)")
        output_format = "json" if suffix == ".json" else "markdown"
    if out_path is not None and not Path(out_path).parent.is_dir():
        raise fail(f"--output {out_path}: directory {Path(out_path).parent} does not exist")
    sha = resolve_commit_sha(commit_sha)
    if sha is None and not dry_run:
        raise fail("a run that writes must name its commit: pass --commit-sha or run inside a git checkout")
    request = _request(options, mode=mode, dry_run=dry_run, backfill_ref=backfill_ref)
    if upgrade_index and not index_path:
        raise fail("--upgrade-index needs --index")
    if engine == "local" and scheduler is not None:
        raise fail("--scheduler needs --engine dask")
    index = (
        _local_index(index_path, partitions, lock_timeout, upgrade=upgrade_index)
        if engine == "local"
        else None
    )

    def deliver(result: ReplayReport) -> None:
        report(
            REPLAY_REPORTERS,
            output_format,
            _Replayed(report=result, events=events, sha=sha, out_path=out_path),
        )

    # The ops summary is delivered before the index commits (phase one of the two-phase commit:
    # the run's scopes are kept only once the summary passed the privacy check and was printed or
    # written atomically); the text report is printed after it.
    delivery = None if output_format == "text" else deliver
    if engine == "dask":
        dask_options = {"index_path": index_path, "partitions": partitions, "scheduler": scheduler}
        result = _run_dask(
            events, request, {**options, **dask_options}, lock_timeout, upgrade_index, delivery
        )
    else:
        result = _run(events, request, options, index, delivery)
    if output_format == "text":
        deliver(result)
    failing = set(fail_on or ("conflict", "invalid")) - {"none"}
    finish(clean=not any(result.counts[name] for name in failing))


@ledger.command("summarize")
@click.argument("events", nargs=-1, required=True, metavar="EVENTS.jsonl...")
@_window_options
@output_format_option(SUMMARY_REPORTERS)
def summarize_command(
    events: tuple[str, ...],
    output_format: str,
    **options: Any,
) -> None:
    """Aggregate accepted usage in EVENTS.jsonl... by plan label x event kind.

    A dry run over all inputs together (products may be mixed): duplicates
    count once, conflicts and invalid lines not at all. -o json prints a
    usage-ledger/v1/usage-summary document; every output is privacy-scanned
    before it is printed. Exit 0, or 1 when the scan finds anything.
    """
    request = _request(options, mode="replay", dry_run=True, backfill_ref=None)
    summary = _run(events, request, options, None).summary()
    document = summary.ensure_valid()
    try:
        assert_public_safe(document)
    except PublicSafetyError as error:
        raise privacy_finding("usage summary", error) from error
    report(SUMMARY_REPORTERS, output_format, _Summarized(summary=summary, document=document, request=request))
    finish(clean=True)
