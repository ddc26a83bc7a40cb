"""Read ``schemas/`` as it was at a git revision, without touching the work tree or index.

Everything goes through ``git archive`` (read-only) into a temporary directory
the caller owns. Errors (not a repository, no commits yet, unknown revision)
are :class:`GitRevisionError`, which the CLI reports as a usage error.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import tarfile
from pathlib import Path

from saas_contracts.errors import GitRevisionError

MAIN_BRANCHES = ("origin/HEAD", "origin/main", "main", "origin/master", "master")
"""Where the default base is looked for, in order."""


def _git(cwd: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    executable = shutil.which("git")
    if executable is None:
        raise GitRevisionError("git is not installed; pass OLD and NEW as directories instead")
    return subprocess.run(  # noqa: S603 - fixed git subcommands, arguments are never shell-parsed
        [executable, *args],
        cwd=cwd,
        capture_output=True,
        check=False,
    )


def repository_root(cwd: Path) -> Path:
    """The top of the git work tree containing ``cwd``."""
    done = _git(cwd, "rev-parse", "--show-toplevel")
    if done.returncode != 0:
        raise GitRevisionError(f"{cwd} is not inside a git repository; pass OLD and NEW as directories")
    return Path(done.stdout.decode().strip())


def has_commits(root: Path) -> bool:
    """False for a fresh repository (``git init`` without a commit)."""
    return _git(root, "rev-parse", "--verify", "--quiet", "HEAD^{commit}").returncode == 0


def resolve(root: Path, revision: str) -> str:
    """The full commit id of ``revision``; unknown revisions raise."""
    if revision.startswith("-"):
        raise GitRevisionError(f"{revision!r} is not a revision")
    done = _git(root, "rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}")
    if done.returncode != 0:
        if not has_commits(root):
            raise GitRevisionError(
                f"unknown revision {revision!r}: this repository has no commits yet, so there is nothing "
                "to compare with; pass OLD and NEW as directories, or commit first",
            )
        raise GitRevisionError(f"unknown revision {revision!r} in {root}")
    return done.stdout.decode().strip()


def default_base(root: Path) -> str:
    """The merge base of ``HEAD`` with the main branch (``origin/HEAD``, ``main`` or ``master``)."""
    if not has_commits(root):
        raise GitRevisionError(
            "this repository has no commits yet: there is no base revision to compare with; "
            "pass OLD and NEW as directories (or --base REV once there is history)",
        )
    for branch in MAIN_BRANCHES:
        if _git(root, "rev-parse", "--verify", "--quiet", f"{branch}^{{commit}}").returncode != 0:
            continue
        done = _git(root, "merge-base", "HEAD", branch)
        if done.returncode == 0:
            return done.stdout.decode().strip()
    raise GitRevisionError(
        "no main branch found (looked for " + ", ".join(MAIN_BRANCHES) + "); pass --base REV",
    )


def extract(root: Path, revision: str, subdir: str, dest: Path) -> Path:
    """Write ``subdir`` as of ``revision`` under ``dest``; return that directory (empty if absent then)."""
    commit = resolve(root, revision)
    target = dest / subdir
    target.mkdir(parents=True, exist_ok=True)
    if _git(root, "cat-file", "-e", f"{commit}:{subdir}").returncode != 0:
        return target  # the folder did not exist yet: every file is new
    done = _git(root, "archive", "--format=tar", commit, "--", subdir)
    if done.returncode != 0:
        message = done.stderr.decode(errors="replace").strip()
        raise GitRevisionError(f"git archive {revision}:{subdir} failed: {message}")
    with tarfile.open(fileobj=io.BytesIO(done.stdout)) as archive:
        archive.extractall(dest, filter="data")
    return target
