"""Compare `saas-contracts diff` with the npm `json-schema-diff` on our case pairs.

json-schema-diff (https://www.npmjs.com/package/json-schema-diff) reports the values a new schema
"added" (accepted now, rejected before: forward-breaking in our terms) and "removed" (accepted before,
rejected now: backward-breaking). It is installed into a temporary directory (never into node/), run on
every pair in tests/diff/cases/*.json, and each direction is compared with our verdict. Our test suite
does not depend on this script.

    python scripts/compare_external_diff.py [--json]
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from saas_contracts.diff import Policy, diff_schemas

ROOT = Path(__file__).resolve().parents[1]
CASES = ROOT / "tests" / "diff" / "cases"
PACKAGE = "json-schema-diff@1.0.0"


def install(where: Path) -> Path:
    """Install the external differ into ``where``; return its CLI entry point."""
    npm = shutil.which("npm")
    if npm is None:
        sys.exit("npm is not on PATH")
    subprocess.run(
        [npm, "install", "--no-audit", "--no-fund", "--silent", "--prefix", str(where), PACKAGE],
        check=True,
        capture_output=True,
    )
    return where / "node_modules" / "json-schema-diff" / "bin" / "json-schema-diff"


def _blocks(output: str) -> dict[str, object]:
    """Parse the 'added' and 'removed' schemas out of the CLI's text output."""
    found: dict[str, object] = {}
    for label in ("added", "removed"):
        marker = f"Values described by the following schema were {label}:\n"
        if marker not in output:
            continue
        rest = output.split(marker, 1)[1]
        decoder = json.JSONDecoder()
        value, _ = decoder.raw_decode(rest.lstrip())
        found[label] = value
    return found


def external(cli: Path, old: object, new: object, scratch: Path) -> dict[str, str]:
    """The external tool's verdicts for one pair (or an error)."""
    node = shutil.which("node")
    if node is None:
        sys.exit("node is not on PATH")
    (scratch / "old.json").write_text(json.dumps(old), encoding="utf-8")
    (scratch / "new.json").write_text(json.dumps(new), encoding="utf-8")
    done = subprocess.run(
        [node, str(cli), str(scratch / "old.json"), str(scratch / "new.json")],
        capture_output=True,
        text=True,
        check=False,
    )
    text = done.stdout + done.stderr
    if done.returncode == 0 and "No differences found" in text:
        return {"backward": "compatible", "forward": "compatible"}
    blocks = _blocks(text)
    if done.returncode not in {0, 1} or set(blocks) != {"added", "removed"}:
        first = next((line for line in text.splitlines() if line.strip()), "no output")
        return {"error": first[:160]}
    return {
        "backward": "compatible" if blocks["removed"] is False else "breaking",
        "forward": "compatible" if blocks["added"] is False else "breaking",
    }


def main() -> int:
    """Run every case through both differs and print the disagreements."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--json", action="store_true", help="print every row as JSON")
    args = parser.parse_args()
    rows: list[dict[str, object]] = []
    with tempfile.TemporaryDirectory(prefix="json-schema-diff-") as tmp:
        scratch = Path(tmp)
        cli = install(scratch / "pkg")
        for path in sorted(CASES.glob("*.json")):
            for case in json.loads(path.read_text(encoding="utf-8"))["cases"]:
                ours = diff_schemas(case["old"], case["new"], policy=Policy(**case.get("policy", {})))
                mine = ours.to_json()["summary"]
                theirs = external(cli, case["old"], case["new"], scratch)
                rows.append(
                    {
                        "case": f"{path.stem}/{case['name']}",
                        "expected": {key: case["expect"][key] for key in ("backward", "forward")},
                        "ours": mine,
                        "theirs": theirs,
                    },
                )
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    agree = sum(1 for row in rows if row["ours"] == row["theirs"])
    errors = [row for row in rows if "error" in row["theirs"]]  # type: ignore[operator]
    print(
        f"{len(rows)} cases: {agree} agree, {len(rows) - agree - len(errors)} disagree, "
        f"{len(errors)} external errors"
    )
    for row in rows:
        if row["ours"] == row["theirs"]:
            continue
        right = (
            "ours"
            if row["ours"] == row["expected"]
            else "theirs"
            if row["theirs"] == row["expected"]
            else "?"
        )
        print(
            f"- {row['case']}: ours={row['ours']} theirs={row['theirs']} "
            f"expected={row['expected']} -> {right}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
