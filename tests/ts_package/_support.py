"""Running the TypeScript package's own tools (packages/contracts) from pytest."""

from __future__ import annotations

import os
import shutil
import subprocess
from typing import TYPE_CHECKING

from tests._support import ROOT, skip_or_fail

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["PACKAGE_DIR", "npm_or_skip", "run_in_package"]

PACKAGE_DIR = ROOT / "packages" / "contracts"


def npm_or_skip() -> str:
    """Path of `npm` with the package's locked dev dependencies installed, or skip (fail under CI=true)."""
    npm = shutil.which("npm")
    reason = ""
    if npm is None or shutil.which("node") is None:
        reason = "Node.js/npm is not installed"
    elif not (PACKAGE_DIR / "node_modules").is_dir():
        reason = "packages/contracts/node_modules is missing: run `npm ci --prefix packages/contracts`"
    if reason:
        skip_or_fail(reason, what="the TypeScript package tests")
    assert npm is not None
    return npm


def run_in_package(*args: str, env: Mapping[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run `npm ARGS...` in packages/contracts; the caller checks the return code."""
    npm = npm_or_skip()
    return subprocess.run(  # noqa: S603 - our own npm scripts with the npm found on PATH
        [npm, *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=PACKAGE_DIR,
        env={**os.environ, **(env or {})},
    )
