"""Shared CLI plumbing: exit codes, the output-format option, reporters, error handling.

Every command parses its options, calls one library function that returns a
result object, and hands that result to the reporter for the chosen format.
Each command family keeps one table from format name to reporter (like
check-jsonschema's ``REPORTER_BY_NAME``); ``-o/--output-format`` offers exactly
the table's keys. Machine output goes to stdout; diagnostics go to stderr.

The output guard is the second line of defence behind masking: while the
command group runs, every text written to stdout or stderr (reports in every
format, diagnostics, click's own usage messages) is first scanned with the
packaged privacy rules (:func:`saas_contracts.privacy.scan_text`). A write the
rules flag is not printed: one line on stderr names the rule ids (never the
text), nothing more is printed, and the command exits 1 (findings).
"""

from __future__ import annotations

import functools
import io
import json
import os
import re
import subprocess
import sys
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Final, NoReturn, TypeVar

import click

from saas_contracts import DEFAULT_MAX_SAMPLES, dumps_pretty
from saas_contracts.errors import ContractError
from saas_contracts.privacy import default_rules, scan_text

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence
    from typing import TextIO

EXIT_OK: Final = 0
"""Everything checked, nothing found."""
EXIT_FINDINGS: Final = 1
"""The command ran and found violations, findings or a failing gate."""
EXIT_USAGE: Final = 2
"""Bad options, unreadable input, unknown schema: nothing was checked."""
EXIT_INTERNAL: Final = 3
"""An unexpected internal error (a bug): one line on stderr, never a traceback or an input value."""
EXIT_INTERRUPTED: Final = 130
"""Stopped by Ctrl-C / SIGINT (128 + 2, as shells report it); never mistaken for findings."""

F = Any  # a click-decorated callable
R = TypeVar("R")


def lock_timeout_option(what: str) -> Callable[[F], F]:
    """``--lock-timeout SECONDS``: how long a writer waits for another run holding ``what``."""
    return click.option(
        "--lock-timeout",
        type=click.FloatRange(0, 3600),
        default=5.0,
        show_default=True,
        metavar="SECONDS",
        help=f"How long to wait for another run writing the same {what} before exiting with 2.",
    )


def output_format_option(
    reporters: Mapping[str, Callable[..., None]], default: str = "text"
) -> Callable[[F], F]:
    """``-o/--output-format`` offering exactly the formats in a command's reporter table."""
    formats = tuple(reporters)
    return click.option(
        "-o",
        "--output-format",
        "output_format",
        type=click.Choice(formats, case_sensitive=False),
        default=default,
        show_default=True,
        help="How to print the result: " + ", ".join(formats) + ".",
    )


def report(reporters: Mapping[str, Callable[[R], None]], output_format: str, result: R) -> None:
    """Hand ``result`` to the reporter registered for ``output_format``."""
    reporters[output_format.lower()](result)


def emit_json(payload: object) -> None:
    """Print deterministic JSON (sorted keys, 2-space indent) on stdout."""
    click.echo(dumps_pretty(payload, final_newline=False))


def fail(message: str) -> click.exceptions.Exit:
    """Print a diagnostic on stderr and return the usage-error exit to raise."""
    click.echo(f"error: {message}", err=True)
    return click.exceptions.Exit(EXIT_USAGE)


def privacy_finding(what: str, error: Exception) -> click.exceptions.Exit:
    """Print why ``what`` was not produced (the error's masked message) and return the findings exit (1).

    For :class:`~saas_contracts.privacy.PublicSafetyError`: a privacy finding is a
    finding, not a usage error, in every command.
    """
    click.echo(f"error: {what} not written: {error}", err=True)
    return click.exceptions.Exit(EXIT_FINDINGS)


class OutputWithheldError(click.exceptions.Exit):
    """The output guard refused a text the privacy rules flag; the command ends with exit 1."""

    def __init__(self, rule_ids: Sequence[str]) -> None:
        """Keep the ids of the rules that fired (never the text)."""
        super().__init__(EXIT_FINDINGS)
        self.rule_ids = tuple(rule_ids)


WITHHELD: Final = "error: output withheld: it would echo a secret-shaped value (rules: {rules})"
"""The one line printed instead of a text the privacy rules flag."""


@functools.cache
def _documentation_texts() -> tuple[str, ...]:
    """The packaged rules' own descriptions, as printed and as JSON-escaped (SARIF prints them)."""
    texts: set[str] = set()
    for rule in default_rules().rules:
        texts.add(rule.description)
        texts.add(json.dumps(rule.description)[1:-1])
    return tuple(sorted(texts, key=len, reverse=True))


def guarded_findings(text: str) -> tuple[str, ...]:
    """The ids of the privacy rules that fire on a text about to be printed (empty when it may be).

    The packaged rules' own descriptions (``scan -o sarif`` prints them: "scheme://user:password@host")
    are documentation, not findings, and are left out of the scan verbatim.
    """
    for known in _documentation_texts():
        if known in text:
            text = text.replace(known, "")
    return tuple(sorted({finding.rule_id for finding in scan_text(text).findings}))


class _GuardedStream(io.TextIOBase):
    """A text stream that scans every write and refuses the ones the privacy rules flag."""

    def __init__(self, inner: TextIO, notice: TextIO) -> None:
        self._inner = inner
        self._notice = notice
        self.tripped = False

    @property
    def encoding(self) -> str:  # type: ignore[override]  # typeshed: a plain attribute; read-only here
        return str(getattr(self._inner, "encoding", None) or "utf-8")

    @property
    def errors(self) -> str | None:  # type: ignore[override]  # typeshed: a plain attribute; read-only here
        return getattr(self._inner, "errors", None)

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return self._inner.isatty()

    def flush(self) -> None:
        self._inner.flush()

    def write(self, text: Any) -> int:
        if not isinstance(text, str):
            return self._inner.write(text)  # click probes with b"" to tell binary streams apart
        if self.tripped:
            return len(text)
        rule_ids = guarded_findings(text)
        if rule_ids:
            self.tripped = True
            self._notice.write(WITHHELD.format(rules=", ".join(rule_ids)) + "\n")
            self._notice.flush()
            raise OutputWithheldError(rule_ids)
        return self._inner.write(text)


class ContractGroup(click.Group):
    """A click group that turns :class:`ContractError` into exit code 2 and anything else into 3.

    Library code raises; only the CLI decides how to exit. The last-resort guard
    names the failing command and the exception type only: an exception's message
    may quote input, so it is never printed.
    """

    def main(self, *args: Any, **kwargs: Any) -> Any:
        """Run the group with stdout and stderr behind the output guard (see the module docstring)."""
        saved_out, saved_err = sys.stdout, sys.stderr
        if saved_out is None or saved_err is None:  # no console at all: nothing is printed anyway
            return super().main(*args, **kwargs)
        sys.stdout = _GuardedStream(saved_out, saved_err)
        sys.stderr = _GuardedStream(saved_err, saved_err)
        try:
            return super().main(*args, **kwargs)
        except OutputWithheldError:
            # Tripped outside a command (click's own usage message): end the same way.
            if kwargs.get("standalone_mode", True):
                sys.exit(EXIT_FINDINGS)
            return EXIT_FINDINGS
        finally:
            sys.stdout, sys.stderr = saved_out, saved_err

    def invoke(self, ctx: click.Context) -> Any:
        """Run the subcommand, mapping library errors to a clean diagnostic."""
        try:
            return super().invoke(ctx)
        except ContractError as error:
            raise fail(str(error)) from error
        except (click.exceptions.Exit, click.ClickException, click.exceptions.Abort):
            raise
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            raise click.exceptions.Exit(EXIT_INTERRUPTED) from None
        except Exception as error:
            # Only the command's name: option values and file names could be secrets.
            command = " ".join(filter(None, [ctx.command_path, ctx.invoked_subcommand]))
            click.echo(
                f"internal error: {type(error).__name__} in '{command}' (exit {EXIT_INTERNAL}); "
                "this is a bug in saas-contracts: please report it with the command line, not the input",
                err=True,
            )
            raise click.exceptions.Exit(EXIT_INTERNAL) from error


def finish(*, clean: bool) -> NoReturn:
    """End a command with exit 0 when ``clean``, else 1 (findings)."""
    raise click.exceptions.Exit(EXIT_OK if clean else EXIT_FINDINGS)


_SHA = re.compile(r"[0-9a-f]{40}\Z")
COMMIT_ENV: Final = ("SAAS_CONTRACTS_COMMIT_SHA", "GITHUB_SHA", "CF_PAGES_COMMIT_SHA")
"""Environment variables read, in order, for the commit a run is made at."""


def resolve_commit_sha(option: str | None, *, ask_git: bool = True) -> str | None:
    """The commit SHA for audit fields: the option, else the CI environment, else ``git rev-parse HEAD``.

    Raises the usage-error exit for a malformed ``--commit-sha``; returns None when
    nothing names a commit (callers decide whether that is allowed). With
    ``ask_git=False`` only the option and the environment count.
    """
    if option is not None:
        if not _SHA.match(option):
            raise fail("--commit-sha must be a full 40-character lower-case hexadecimal SHA")
        return option
    for name in COMMIT_ENV:
        value = os.environ.get(name, "").strip().lower()
        if _SHA.match(value):
            return value
    if not ask_git:
        return None
    try:
        done = subprocess.run(
            ["git", "rev-parse", "HEAD"],  # noqa: S607 - git from PATH, like every developer tool
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    value = done.stdout.strip()
    return value if done.returncode == 0 and _SHA.match(value) else None


class UtcTimestamp(click.ParamType):  # type: ignore[type-arg]
    """A contract UTC timestamp (``YYYY-MM-DDTHH:MM:SS[.fraction]Z``), checked when parsed."""

    name = "timestamp"

    def get_metavar(self, param: click.Parameter, ctx: click.Context) -> str:  # noqa: ARG002 - click's signature
        """Show ``TIMESTAMP`` in the help."""
        return "TIMESTAMP"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        """Return the timestamp unchanged when it is a valid contract UTC timestamp."""
        try:
            from saas_contracts.ledger import parse_utc_ns  # noqa: PLC0415 - keeps CLI start-up light

            parse_utc_ns(value)
        except ValueError:
            self.fail("must be a UTC timestamp YYYY-MM-DDTHH:MM:SS[.fraction]Z", param, ctx)
        return str(value)


TIMESTAMP: Final = UtcTimestamp()
"""The one parameter type of every ``--now``-like option."""


def utc_now() -> str:
    """The current time as a contract UTC timestamp: the one place the wall clock is read."""
    return datetime.now(UTC).replace(microsecond=0, tzinfo=None).isoformat() + "Z"


def output_file_option(help_text: str) -> Callable[[F], F]:
    """``--output FILE``: the one spelling of "write here instead of stdout"."""
    return click.option(
        "--output",
        "output_path",
        type=click.Path(dir_okay=False, writable=True),
        metavar="FILE",
        help=help_text,
    )


def max_samples_option(what: str) -> Callable[[F], F]:
    """``--max-samples N``: how many of ``what`` a report lists (0: all); counts always cover every one."""
    return click.option(
        "--max-samples",
        type=click.IntRange(min=0),
        default=DEFAULT_MAX_SAMPLES,
        show_default=True,
        metavar="N",
        callback=lambda _ctx, _param, value: value or None,
        help=f"List at most N {what} (0: all of them; memory then grows with their number). Counts "
        "always cover everything; a report that left some out says so (json: 'truncated': true).",
    )


NO_DOCUMENTS: Final = "no documents: every input is empty or holds only blank lines"
"""The one diagnostic (exit 2) of ``validate``, ``scan`` and ``entitlements decide`` on zero documents."""


def refuse_no_documents(count: int) -> None:
    """Exit 2 (nothing was checked) when ``count`` documents were read and that is none."""
    if count == 0:
        raise fail(NO_DOCUMENTS)
