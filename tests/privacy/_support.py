"""Paths and helpers for the privacy scanner tests: the rule file, the corpus, unsplicing."""

from __future__ import annotations

from typing import Any

from tests._support import ROOT

CORPUS = ROOT / "tests" / "privacy" / "corpus"
RULES_PATH = ROOT / "schemas" / "privacy" / "v1" / "rules.json"


def unsplice(value: Any, marker: str) -> Any:
    """Remove the corpus splice marker from every key and string (secrets are stored split)."""
    if isinstance(value, str):
        return value.replace(marker, "")
    if isinstance(value, list):
        return [unsplice(item, marker) for item in value]
    if isinstance(value, dict):
        return {unsplice(key, marker): unsplice(item, marker) for key, item in value.items()}
    return value
