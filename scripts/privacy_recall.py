"""Recall per provider and per syntax, and precision on clean artifacts, of the privacy rules.

    python scripts/privacy_recall.py                    # text report
    python scripts/privacy_recall.py -o json            # the figures as JSON
    python scripts/privacy_recall.py --check            # exit 1 when a figure is below its floor

The recall corpus (``tests/privacy/corpus/recall/dev/<provider>.json``) holds generated
samples of each provider's documented credential shapes, written in each assignment
syntax (bare, env, YAML, JSON, TOML, Go ``:=``/backticks/``var``, Makefile ``:=``/``::=``/``?=``,
PHP ``.=``/``=>``, ``System.setProperty``, XML elements, HTTP headers, Authorization
schemes), stored as fragments. Each sample is scanned as ``{"notes": SAMPLE}``, the way
a free-text member of an ops summary carries it; it counts as caught when a finding of
the sample's family (``credential``, or ``raw_id`` for account SIDs and actor ids) is
reported. Precision is the share of clean items with no finding at all: the accept
artifacts of the development and holdout corpora, the clean release packets and the
clean near-miss lines of ``recall/clean/`` (lines scanned as ``{"notes": LINE}``).
``recall/expected.json`` holds the floors the figures may not drop below.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from saas_contracts._fragments import join_fragments
from saas_contracts.privacy import scan

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "privacy" / "corpus"
RECALL = CORPUS / "recall"


@dataclass
class Tally:
    """Caught and total counts, with the samples that were missed."""

    caught: int = 0
    total: int = 0
    missed: list[str] = field(default_factory=list)

    def add(self, *, caught: bool, label: str) -> None:
        """Count one sample."""
        self.total += 1
        if caught:
            self.caught += 1
        else:
            self.missed.append(label)

    @property
    def ratio(self) -> float:
        """The share caught: caught / total (1.0 for an empty tally)."""
        return self.caught / self.total if self.total else 1.0


def _load(path: Path) -> Any:
    return join_fragments(json.loads(path.read_text(encoding="utf-8")))


def _clean_items(corpus: Path) -> list[tuple[str, Any]]:
    items: list[tuple[str, Any]] = []
    for folder in (corpus / "accept", corpus / "holdout" / "accept"):
        items += [(str(path.relative_to(corpus)), _load(path)) for path in sorted(folder.glob("*.json"))]
    clean = corpus / "recall" / "clean"
    for path in sorted(clean.glob("*.json")):
        if path.name == "lines.json":
            for index, sample in enumerate(_load(path)["samples"]):
                items.append(
                    (f"recall/clean/lines.json#{index} ({sample['syntax']})", {"notes": sample["text"]})
                )
        else:
            items.append((str(path.relative_to(corpus)), _load(path)))
    return items


def measure(corpus: Path = CORPUS) -> dict[str, Any]:
    """Recall per provider, per syntax and overall; precision on the clean items; with the misses."""
    by_provider: dict[str, Tally] = defaultdict(Tally)
    by_syntax: dict[str, Tally] = defaultdict(Tally)
    overall = Tally()
    for path in sorted((corpus / "recall" / "dev").glob("*.json")):
        document = _load(path)
        provider = document["provider"]
        for sample in document["samples"]:
            families = {finding.family for finding in scan({"notes": sample["text"]}).findings}
            caught = sample["family"] in families
            label = f"{provider}/{sample['type']}/{sample['syntax']}"
            for tally in (by_provider[provider], by_syntax[sample["syntax"]], overall):
                tally.add(caught=caught, label=label)
    clean = Tally()
    for label, item in _clean_items(corpus):
        clean.add(caught=not scan(item).findings, label=label)
    return {
        "recall": {
            "overall": round(overall.ratio, 4),
            "samples": overall.total,
            "provider": {name: round(t.ratio, 4) for name, t in sorted(by_provider.items())},
            "syntax": {name: round(t.ratio, 4) for name, t in sorted(by_syntax.items())},
        },
        "precision": {"clean": round(clean.ratio, 4), "items": clean.total, "false_positives": clean.missed},
        "missed": overall.missed,
    }


def below_floor(figures: dict[str, Any], floors: dict[str, Any]) -> list[str]:
    """Every figure below its floor (or missing), as 'section/name: value < floor'."""
    problems = []
    for section in ("provider", "syntax"):
        for name, floor in floors["recall"][section].items():
            value = figures["recall"][section].get(name)
            if value is None or value < floor:
                problems.append(f"recall {section}/{name}: {value} < {floor}")
    if figures["recall"]["overall"] < floors["recall"]["overall"]:
        problems.append(f"recall overall: {figures['recall']['overall']} < {floors['recall']['overall']}")
    if figures["precision"]["clean"] < floors["precision"]:
        problems.append(f"precision: {figures['precision']['clean']} < {floors['precision']}")
    return problems


def render_text(figures: dict[str, Any]) -> str:
    """A readable report: overall, per provider, per syntax, precision, misses."""
    recall = figures["recall"]
    lines = [f"recall: {recall['overall']:.1%} of {recall['samples']} samples", "", "per provider:"]
    lines += [f"  {name:<20} {value:7.1%}" for name, value in recall["provider"].items()]
    lines += ["", "per syntax:"]
    lines += [f"  {name:<22} {value:7.1%}" for name, value in recall["syntax"].items()]
    precision = figures["precision"]
    lines += ["", f"precision: {precision['clean']:.1%} of {precision['items']} clean items"]
    lines += [f"  false positive: {label}" for label in precision["false_positives"]]
    lines += ["", f"missed ({len(figures['missed'])}):"] + [f"  {label}" for label in figures["missed"]]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Print the figures; with --check, exit 1 when one is below its floor."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--output-format", choices=("text", "json"), default="text")
    parser.add_argument("--check", action="store_true", help="exit 1 when a figure is below its floor")
    args = parser.parse_args(argv)
    figures = measure()
    if args.output_format == "json":
        print(json.dumps(figures, indent=2))
    else:
        print(render_text(figures))
    if args.check:
        floors = json.loads((RECALL / "expected.json").read_text(encoding="utf-8"))
        problems = below_floor(figures, floors)
        for problem in problems:
            print(f"below floor: {problem}", file=sys.stderr)
        return 1 if problems else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
