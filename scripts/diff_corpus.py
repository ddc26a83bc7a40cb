"""Run `saas-contracts diff` over consecutive versions of real public schemas and count what happens.

The corpus is SchemaStore's schemas as vendored by the `check-jsonschema` wheels
(`check_jsonschema/builtin_schemas/vendor/*.json`), one wheel per pinned version, downloaded
with `pip download` into the git-ignored `.cache/diff-corpus/` (never committed). Each file
present in two consecutive versions with different bytes is one pair; every pair is diffed on
its own (a temporary tree per side holding that one file; `$ref`s to siblings resolve through
`--map-uri https://json.schemastore.org/=../refs`, a copy of that side's own version folder), in a
subprocess with a timeout. Reported: pairs, crashes (exit 3 or a traceback), timeouts,
over-budget runs, exit-2 refusals with their reasons, and `unknown` verdicts counted by reason (change kind).

    python scripts/diff_corpus.py [--versions 0.28.0,0.29.0] [--limit N] [--output-format text|json]
"""

from __future__ import annotations

import argparse
import collections
import itertools
import json
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / ".cache" / "diff-corpus"
PACKAGE = "check-jsonschema"
VERSIONS = ("0.27.0", "0.28.0", "0.29.0", "0.30.0")
"""Pinned wheels (consecutive minors); their vendored SchemaStore files change between each."""
VENDOR = "check_jsonschema/builtin_schemas/vendor/"
TIMEOUT = 120


class CorpusUnavailableError(RuntimeError):
    """A pinned wheel could not be downloaded (no registry)."""


def fetch(version: str, cache: Path = CACHE) -> Path:
    """The vendored schemas of one wheel version, extracted once under ``cache``."""
    target = cache / f"{PACKAGE}-{version}"
    if (target / ".done").is_file():
        return target
    wheels = cache / "wheels"
    wheels.mkdir(parents=True, exist_ok=True)
    found = list(wheels.glob(f"check_jsonschema-{version}-*.whl"))
    if not found:
        command = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary", ":all:", "-q"]
        done = subprocess.run(
            [*command, "-d", str(wheels), f"{PACKAGE}=={version}"],
            capture_output=True,
            text=True,
            check=False,
        )
        found = list(wheels.glob(f"check_jsonschema-{version}-*.whl"))
        if done.returncode != 0 or not found:
            message = f"pip download {PACKAGE}=={version} failed: {done.stderr.strip()[-200:]}"
            raise CorpusUnavailableError(message)
    target.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(found[0]) as wheel:
        for name in wheel.namelist():
            if name.startswith(VENDOR) and name.endswith(".json") and "/" not in name[len(VENDOR) :]:
                (target / name[len(VENDOR) :]).write_bytes(wheel.read(name))
    (target / ".done").write_text(version, encoding="utf-8")
    return target


def pairs(folders: list[Path]) -> list[tuple[Path, Path]]:
    """Files present in two consecutive folders with different contents."""
    found: list[tuple[Path, Path]] = []
    for old, new in itertools.pairwise(folders):
        for path in sorted(old.glob("*.json")):
            other = new / path.name
            if other.is_file() and other.read_bytes() != path.read_bytes():
                found.append((path, other))
    return found


def _side(folder: Path, chosen: str, into: Path) -> Path:
    """``into/side/<chosen>`` with the whole version folder as ``into/refs`` (outside the compared tree)."""
    shutil.copytree(folder, into / "refs")
    (into / "side").mkdir()
    shutil.copy(folder / chosen, into / "side" / chosen)
    return into / "side"


def run_pair(old: Path, new: Path, *, timeout: int = TIMEOUT) -> dict[str, Any]:
    """Diff one pair in a subprocess; the outcome as a small record."""
    with tempfile.TemporaryDirectory(prefix="diff-corpus-") as tmp:
        left = _side(old.parent, old.name, Path(tmp) / "old")
        right = _side(new.parent, new.name, Path(tmp) / "new")
        command = [
            sys.executable,
            "-m",
            "saas_contracts",
            "diff",
            str(left),
            str(right),
            "--no-gate",
            "-o",
            "json",
        ]
        command += ["--map-uri", "https://json.schemastore.org/=../refs"]  # each side its own version
        record: dict[str, Any] = {"file": old.name, "old": old.parent.name, "new": new.parent.name}
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired:
            return {**record, "outcome": "timeout"}
    record["exit"] = done.returncode
    if done.returncode == 3 or "Traceback" in done.stderr:
        return {**record, "outcome": "crash", "reason": done.stderr.strip().splitlines()[-1:]}
    if done.returncode == 2:
        line = (done.stderr.strip().splitlines() or [""])[-1]
        return {**record, "outcome": "refused", "reason": _reason(line)}
    report = json.loads(done.stdout)
    unknown = collections.Counter(
        change["kind"] for change in report["changes"] if "unknown" in {change["backward"], change["forward"]}
    )
    budget = any(change["kind"] == "budget-spent" for change in report["changes"])
    return {
        **record,
        "outcome": "over-budget" if budget else "compared",
        "changes": len(report["changes"]),
        "unknown": dict(unknown),
        "skipped": len(report.get("skipped", [])),
    }


def _reason(line: str) -> str:
    """A refusal's message without the file names, so the same reason counts once."""
    text = re.sub(r"\S+\.json", "<file>", line)
    text = re.sub(r"'[^']*'", "'…'", text)
    return text[:160]


def summarize(records: list[dict[str, Any]]) -> dict[str, Any]:
    """Figures over every pair."""
    outcomes = collections.Counter(record["outcome"] for record in records)
    refusals = collections.Counter(record["reason"] for record in records if record["outcome"] == "refused")
    unknown: collections.Counter[str] = collections.Counter()
    for record in records:
        unknown.update(record.get("unknown", {}))
    return {
        "pairs": len(records),
        "outcomes": dict(sorted(outcomes.items())),
        "refusals": dict(refusals.most_common()),
        "unknown_by_kind": dict(unknown.most_common()),
        "crashes": [record for record in records if record["outcome"] in {"crash", "timeout"}],
    }


def main(argv: list[str] | None = None) -> int:
    """Fetch, pair, diff, report; exit 1 when a pair crashed or timed out."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--versions", default=",".join(VERSIONS), help="comma-separated wheel versions, in order"
    )
    parser.add_argument("--limit", type=int, default=0, help="diff at most this many pairs (0: all)")
    parser.add_argument("--timeout", type=int, default=TIMEOUT, help="seconds per pair")
    parser.add_argument("--output-format", choices=["text", "json"], default="text")
    args = parser.parse_args(argv)
    folders = [fetch(version) for version in args.versions.split(",")]
    chosen = pairs(folders)
    if args.limit:
        chosen = chosen[: args.limit]
    records = [run_pair(old, new, timeout=args.timeout) for old, new in chosen]
    figures = summarize(records)
    if args.output_format == "json":
        print(json.dumps({"figures": figures, "pairs": records}, indent=2, sort_keys=True))
    else:
        print(f"pairs: {figures['pairs']}")
        for outcome, count in figures["outcomes"].items():
            print(f"  {outcome}: {count}")
        for reason, count in figures["refusals"].items():
            print(f"  refused x{count}: {reason}")
        for kind, count in figures["unknown_by_kind"].items():
            print(f"  unknown {kind}: {count}")
        for record in figures["crashes"]:
            print(f"  CRASH {record}")
    return 1 if figures["crashes"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
