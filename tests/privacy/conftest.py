"""Fixtures for the privacy scanner tests: the corpus manifest and Node (paths in _support.py)."""

from __future__ import annotations

import json
import shutil
from typing import Any

import pytest
from tests._support import skip_or_fail
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
        skip_or_fail("Node.js is not installed", what="the privacy rule (JavaScript RegExp) agreement test")
    return node
