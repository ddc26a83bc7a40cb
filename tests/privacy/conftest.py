"""Fixtures for the privacy scanner tests: the corpus manifest and Node (paths in _support.py)."""

from __future__ import annotations

import json
import os
import shutil
from typing import Any

import pytest
from tests.privacy._support import CORPUS


@pytest.fixture(scope="session")
def corpus_meta() -> dict[str, Any]:
    """The corpus manifest: product config and expected rule ids per reject file."""
    manifest: dict[str, Any] = json.loads((CORPUS / "expected.json").read_text(encoding="utf-8"))
    return manifest


@pytest.fixture(scope="session")
def node_binary() -> str:
    """Path of `node`, or skip (fail under CI=true): the agreement test needs it."""
    node = shutil.which("node")
    if node is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("Node.js is not installed; the privacy rule agreement test must run under CI=true")
        pytest.skip("Node.js is not installed: the JavaScript RegExp agreement test cannot run")
    return node
