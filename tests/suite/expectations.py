"""Regenerate the suite's known deviations and print the per-file pass counts.

    python -m tests.suite.expectations           # print the per-file pass counts (markdown)
    python -m tests.suite.expectations --write   # also rewrite "deviations" in the data file

``--write`` keeps the hand-written ``reasons`` and replaces the generated ``deviations``;
it refuses to write a deviation no reason covers (write the reason first). Run it after a
branch changes a verdict (e.g. the ECMA regex/format work): the list only shrinks then.
"""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING, Any

from tests.suite._support import (
    EXPECTATIONS,
    deviations,
    fetch_suite,
    load_suite,
    node_verdicts,
    python_verdicts,
    remotes,
)

if TYPE_CHECKING:
    from pathlib import Path

    from tests.suite._support import Verdict

__all__ = ["all_python_verdicts", "compute", "main", "pass_counts", "read_expectations", "reason_for"]


def read_expectations() -> dict[str, Any]:
    """The data file: ``reasons`` (hand-written rules) and ``deviations`` (generated rows)."""
    data: dict[str, Any] = json.loads(EXPECTATIONS.read_text(encoding="utf-8"))
    return data


def reason_for(row: dict[str, Any], reasons: list[dict[str, str]]) -> dict[str, str] | None:
    """The first rule whose ``file`` (and ``case``, when given) matches the row."""
    for rule in reasons:
        if rule["file"] == row["file"] and rule.get("case", row["case"]) == row["case"]:
            return rule
    return None


def all_python_verdicts(root: Path, suite: dict[str, list[dict[str, Any]]]) -> dict[str, list[list[Verdict]]]:
    """Our verdict on every test of every case."""
    resources = remotes(root)
    return {
        name: [
            python_verdicts(case["schema"], [t["data"] for t in case["tests"]], resources) for case in cases
        ]
        for name, cases in suite.items()
    }


def compute() -> tuple[
    dict[str, list[dict[str, Any]]], dict[str, list[list[Verdict]]], dict[str, list[list[Verdict]]]
]:
    """The suite, Python's verdicts and Node's verdicts (needs the download and node)."""
    root = fetch_suite()
    suite = load_suite(root)
    return suite, all_python_verdicts(root, suite), node_verdicts(root)


def pass_counts(
    suite: dict[str, list[dict[str, Any]]], verdicts: dict[str, list[list[Verdict]]]
) -> dict[str, tuple[int, int]]:
    """Per file: (tests whose verdict matches the suite's ``valid``, tests)."""
    counts = {}
    for name, cases in suite.items():
        passed = sum(
            verdict == test["valid"]
            for case, case_verdicts in zip(cases, verdicts[name], strict=True)
            for test, verdict in zip(case["tests"], case_verdicts, strict=True)
        )
        counts[name] = (passed, sum(len(case["tests"]) for case in cases))
    return counts


def _table(suite: dict[str, list[dict[str, Any]]], python: Any, node: Any) -> str:
    ours, theirs = pass_counts(suite, python), pass_counts(suite, node)
    lines = ["| file | tests | Python | Ajv |", "| --- | ---: | ---: | ---: |"]
    lines += [f"| `{name}` | {ours[name][1]} | {ours[name][0]} | {theirs[name][0]} |" for name in suite]
    total = sum(count for _, count in ours.values())
    lines.append(
        f"| **all {len(suite)} files** | {total} | {sum(p for p, _ in ours.values())} "
        f"| {sum(p for p, _ in theirs.values())} |"
    )
    return "\n".join(lines)


def main() -> int:
    """Print the table; with ``--write``, rewrite the generated deviations."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--write", action="store_true", help="rewrite the deviations in the data file")
    options = parser.parse_args()
    suite, python, node = compute()
    found = deviations(suite, python, node)
    data = read_expectations()
    uncovered = [row for row in found if reason_for(row, data["reasons"]) is None]
    print(_table(suite, python, node))  # noqa: T201 - a developer tool's output
    for row in uncovered:
        print("no reason covers:", json.dumps(row, ensure_ascii=False))  # noqa: T201 - a developer tool's output
    if options.write:
        if uncovered:
            return 1
        data["deviations"] = found
        EXPECTATIONS.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
