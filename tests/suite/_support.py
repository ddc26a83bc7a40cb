"""The official JSON Schema Test Suite (draft 2020-12): fetch, Python verdicts, Node verdicts.

The suite is not vendored: the pinned ``jsonschema`` sdist carries it under ``json/``, and
:func:`suite_root` downloads that sdist once (``pip download``) into a git-ignored cache,
checks its sha256 and extracts only ``json/tests/draft2020-12`` and ``json/remotes``.
Remotes are served from a local registry under ``http://localhost:1234/`` (never the network).

:func:`python_verdicts` is the ONE place that builds our validator for an arbitrary schema: the
public :func:`saas_contracts.user_schema`, with the remotes as its ``resources``.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import tarfile
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from tests._support import ROOT, run_node, skip_or_fail

from saas_contracts import ContractError, user_schema

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping

__all__ = [
    "EXPECTATIONS",
    "SUITE_SHA256",
    "SUITE_VERSION",
    "Verdict",
    "deviations",
    "fetch_suite",
    "load_suite",
    "node_verdicts",
    "python_verdicts",
    "remotes",
    "safe_members",
    "suite_root",
]

SUITE_VERSION = "4.26.0"
"""The ``jsonschema`` sdist whose ``json/`` folder is the suite we run (pinned with its digest)."""
SUITE_SHA256 = "0c26707e2efad8aa1bfc5b7ce170f3fccc2e4918ff85989ba9ffa9facb2be326"
CACHE = ROOT / ".cache" / "json-schema-test-suite"
REMOTE_BASE = "http://localhost:1234/"
EXPECTATIONS = ROOT / "tests" / "cases" / "test-suite-expectations.json"
_WANTED = ("json/tests/draft2020-12/", "json/remotes/")

Verdict = bool | str
"""True/False, or ``"error"`` when the schema is refused (does not compile)."""


class SuiteUnavailableError(RuntimeError):
    """The pinned sdist could not be downloaded or does not match its digest."""


def safe_members(archive: tarfile.TarFile, prefix: str) -> Iterator[tuple[tarfile.TarInfo, PurePosixPath]]:
    """Regular files under ``<top>/json/{tests/draft2020-12,remotes}/`` with their path below ``json/``.

    Refuses absolute paths, ``..`` and links: extraction never writes outside the cache.
    """
    for member in archive.getmembers():
        path = PurePosixPath(member.name)
        if path.is_absolute() or ".." in path.parts:
            raise SuiteUnavailableError(f"unsafe path in the suite archive: {member.name[:80]!r}")
        inner = PurePosixPath(*path.parts[1:]) if len(path.parts) > 1 else PurePosixPath()
        if not str(inner).startswith(_WANTED) or not member.isfile():
            continue
        if not str(path).startswith(prefix):
            raise SuiteUnavailableError(f"unexpected top folder in the suite archive: {member.name[:80]!r}")
        yield member, PurePosixPath(*inner.parts[1:])


def _download(target: Path) -> Path:
    sdist = target / f"jsonschema-{SUITE_VERSION}.tar.gz"
    if not sdist.is_file():
        command = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--no-binary", ":all:"]
        command += ["-d", str(target), f"jsonschema=={SUITE_VERSION}"]
        result = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603 - pip, fixed args
        if result.returncode != 0 or not sdist.is_file():
            raise SuiteUnavailableError(
                f"pip download jsonschema=={SUITE_VERSION} failed: {result.stderr[-300:]}"
            )
    digest = hashlib.sha256(sdist.read_bytes()).hexdigest()
    if digest != SUITE_SHA256:
        sdist.unlink()
        raise SuiteUnavailableError(
            f"jsonschema-{SUITE_VERSION}.tar.gz has sha256 {digest}, expected {SUITE_SHA256}"
        )
    return sdist


def fetch_suite(cache: Path = CACHE) -> Path:
    """Download (once) and extract the pinned suite; return the folder holding ``tests/`` and ``remotes/``."""
    root = cache / SUITE_VERSION
    marker = root / ".complete"
    if marker.is_file():
        return root
    cache.mkdir(parents=True, exist_ok=True)
    sdist = _download(cache)
    with tarfile.open(sdist, "r:gz") as archive:
        for member, inner in safe_members(archive, f"jsonschema-{SUITE_VERSION}/"):
            source = archive.extractfile(member)
            assert source is not None
            destination = root.joinpath(*inner.parts)
            destination.parent.mkdir(parents=True, exist_ok=True)
            destination.write_bytes(source.read())
    marker.write_text(SUITE_SHA256, encoding="utf-8")
    return root


def suite_root() -> Path:
    """The extracted suite, or skip with the reason (fail under ``CI=true``)."""
    try:
        return fetch_suite()
    except (SuiteUnavailableError, OSError, tarfile.TarError) as error:
        skip_or_fail(f"the JSON Schema Test Suite is unavailable: {error}", what="the suite")


def load_suite(root: Path) -> dict[str, list[dict[str, Any]]]:
    """Every test file under ``tests/draft2020-12`` by its relative path (``optional/format/uri.json``)."""
    folder = root / "tests" / "draft2020-12"
    return {
        path.relative_to(folder).as_posix(): json.loads(path.read_text(encoding="utf-8"))
        for path in sorted(folder.rglob("*.json"))
    }


def remotes(root: Path) -> dict[str, Any]:
    """The suite's ``remotes/`` documents by their URI under ``http://localhost:1234/``."""
    folder = root / "remotes"
    return {
        REMOTE_BASE + path.relative_to(folder).as_posix(): json.loads(path.read_text(encoding="utf-8"))
        for path in sorted(folder.rglob("*.json"))
    }


def python_verdicts(schema: Any, instances: list[Any], resources: Mapping[str, Any]) -> list[Verdict]:
    """Our verdict on each instance, through the public entry point (ECMA-262 patterns, formats).

    A schema the package refuses (metaschema failure, unresolvable or foreign ``$ref``, a pattern
    outside what we translate) is ``"error"`` for every instance.
    """
    try:
        validator = user_schema(schema, resources=resources)
        return [validator.is_valid(instance) for instance in instances]
    except ContractError:
        return ["error"] * len(instances)


def node_verdicts(root: Path) -> dict[str, list[list[Verdict]]]:
    """Ajv 2020 + ajv-formats on every case, from one Node process (``node/test-suite.mjs``)."""
    raw: dict[str, list[list[bool | str]]] = json.loads(run_node("test-suite.mjs", str(root)))
    return {
        name: [[v if isinstance(v, bool) else "error" for v in case] for case in cases]
        for name, cases in raw.items()
    }


def deviations(
    suite: dict[str, list[dict[str, Any]]],
    python: dict[str, list[list[Verdict]]],
    node: dict[str, list[list[Verdict]]],
) -> list[dict[str, Any]]:
    """Every test where a required case fails in either language, or an optional case's verdicts differ."""
    found = []
    for name, cases in suite.items():
        optional = name.startswith("optional/")
        for index, case in enumerate(cases):
            for position, test in enumerate(case["tests"]):
                ours, theirs = python[name][index][position], node[name][index][position]
                expected = test["valid"]
                if (optional and ours != theirs) or (not optional and not (ours == theirs == expected)):
                    found.append(
                        {
                            "file": name,
                            "case": case["description"],
                            "test": test["description"],
                            "expected": expected,
                            "python": ours,
                            "node": theirs,
                        }
                    )
    return found
