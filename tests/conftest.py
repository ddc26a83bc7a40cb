"""Shared test helpers: repository paths and the Node runner."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CASES = ROOT / "tests" / "cases"
NODE_DIR = ROOT / "node"


def node_or_skip() -> str:
    """Path of `node` with the locked npm packages, or skip (fail under CI=true)."""
    node = shutil.which("node")
    reason = ""
    if node is None:
        reason = "Node.js is not installed"
    elif not (NODE_DIR / "node_modules").is_dir():
        reason = "node/node_modules is missing: run `npm ci --prefix node`"
    if reason:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{reason}; the Node agreement tests must run under CI=true")
        pytest.skip(reason)
    assert node is not None
    return node


def run_node(script: str, *args: str) -> str:
    """Run a script from node/ and return its stdout."""
    node = node_or_skip()
    result = subprocess.run(  # noqa: S603 - runs our own script with the node found on PATH
        [node, str(NODE_DIR / script), *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout
