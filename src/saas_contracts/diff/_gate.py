"""The semver gate: every change must keep the directions its contract promises.

Each contract folder declares ``contract.json`` (see
``schemas/meta/v1/contract.schema.json``): its compatibility mode and semver.
A change that is *breaking* in a promised direction fails the gate unless it
comes with a major-version bump (a new ``v<major>`` folder: the change is then
found comparing the new folder with its predecessor, and allowed) or a waiver
with a reason. ``unknown`` verdicts are listed for review and fail only under
``fail_on_unknown``, except a file the differ failed on (``comparison-failed``):
nothing vouches for it, so it fails unless waived.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from saas_contracts._jsonio import load_json_file, loads
from saas_contracts._resources import packaged
from saas_contracts._validation import ContractValidator, violations_from_errors
from saas_contracts.diff._core import diff_sets
from saas_contracts.diff._model import (
    COMPARISON_FAILED,
    DiffResult,
    Direction,
    GateResult,
    GateViolation,
    Mode,
    Policy,
    Verdict,
)
from saas_contracts.errors import DiffInputError, InputFileError

if TYPE_CHECKING:
    from collections.abc import Mapping

    from saas_contracts.diff._model import Change
    from saas_contracts.diff._sources import SchemaSet

_SEMVER = re.compile(r"(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\Z")


def _meta_schema(name: str) -> Any:
    """A schema from ``schemas/meta/v1`` (packaged, or the checkout's when run from source)."""
    relative = f"meta/v1/{name}.schema.json"
    resource = packaged("_schemas", *relative.split("/"))
    if resource.is_file():
        return loads(resource.read_text(encoding="utf-8"), locate_duplicates=True)
    checkout = Path(__file__).resolve().parents[3] / "schemas" / relative
    return load_json_file(checkout)


def _check(document: Any, schema_name: str, source: str) -> None:
    validator = ContractValidator(_meta_schema(schema_name))
    violations = violations_from_errors(validator.iter_errors(document), f"meta/v1/{schema_name}")
    if violations:
        first = violations[0]
        more = f" (+{len(violations) - 1} more)" if len(violations) > 1 else ""
        raise DiffInputError(f"{source}: {first.pointer or '/'}: {first.message}{more}")


@dataclass(frozen=True, kw_only=True)
class Declaration:
    """One contract's ``contract.json``."""

    contract: str
    mode: Mode
    version: tuple[int, int, int]

    @property
    def version_text(self) -> str:
        """``MAJOR.MINOR.PATCH``."""
        return ".".join(map(str, self.version))


def declarations(side: SchemaSet) -> dict[str, Declaration]:
    """Validated declarations of one side, by contract folder."""
    found: dict[str, Declaration] = {}
    for folder, document in side.declarations.items():
        source = f"{side.label}/{folder}/contract.json"
        _check(document, "contract", source)
        if document["contract"] != folder:
            raise DiffInputError(f"{source}: /contract: must name its folder {folder!r}")
        match = _SEMVER.match(document["version"])
        if match is None:  # pragma: no cover - the meta schema already requires the shape
            raise DiffInputError(f"{source}: /version: must be MAJOR.MINOR.PATCH")
        major, minor, patch = (int(part) for part in match.groups())
        found[folder] = Declaration(
            contract=folder, mode=Mode(document["compatibility"]), version=(major, minor, patch)
        )
    return found


@dataclass(frozen=True, kw_only=True)
class Waiver:
    """Lets one breaking change through without a major version; ``reason`` is mandatory."""

    file: str
    reason: str
    kind: str = ""
    direction: str = ""
    pointer: str = ""

    def matches(self, change: Change, direction: Direction, file: str = "") -> bool:
        """True when this waiver covers ``change`` in ``direction`` where ``file`` reaches it.

        ``file`` defaults to the change's first file; a shared definition's change is waived per
        schema file reaching it, and ``pointer`` may name any instance path of that file.
        """
        file = file or change.file
        if self.file != file:
            return False
        if self.kind and self.kind != change.kind:
            return False
        if self.direction and self.direction != direction.value:
            return False
        instances = {place.instance for place in change.places if place.file == file}
        return not self.pointer or self.pointer in {*instances, change.old_pointer, change.new_pointer}

    @property
    def label(self) -> str:
        """Short description for reports."""
        parts = [self.file, self.kind or "*", self.direction or "*", self.pointer or "*"]
        return " ".join(parts)


def load_waivers(path: Path) -> list[Waiver]:
    """Read and validate a waiver file; an entry without a real reason is a usage error."""
    try:
        document = load_json_file(path)
    except InputFileError as error:
        raise DiffInputError(str(error)) from error
    _check(document, "compat-waivers", str(path))
    return [
        Waiver(
            file=item["file"],
            reason=item["reason"].strip(),
            kind=item.get("kind", ""),
            direction=item.get("direction", ""),
            pointer=item.get("pointer", ""),
        )
        for item in document["waivers"]
    ]


def evaluate_gate(  # noqa: C901, PLR0912, PLR0913 - one pass over changes, one over declarations
    result: DiffResult,
    old: SchemaSet,
    new: SchemaSet,
    *,
    waivers: list[Waiver] | None = None,
    default_mode: Mode = Mode.BACKWARD,
    fail_on_unknown: bool = False,
) -> GateResult:
    """Decide the gate for a diff result; pure (no I/O beyond the already-loaded sides)."""
    old_decl = declarations(old)
    new_decl = declarations(new)
    modes: dict[str, Mode] = {name: decl.mode for name, decl in {**old_decl, **new_decl}.items()}
    violations: list[GateViolation] = []
    waived: list[str] = []
    notes: list[str] = []
    used: set[Waiver] = set()
    changed_contracts: set[str] = set()
    for change in result.changes:
        if change.bumped:
            continue
        for file in change.files:  # a shared definition's change, once per contract reaching it
            contract = file.split("/", 1)[0] if "/" in file else ""
            mode = modes.get(contract, default_mode)
            if not change.kind.startswith("annotation-"):
                changed_contracts.add(contract)
            where = next(place.instance for place in change.places if place.file == file) or "/"
            for direction in mode.directions:
                verdict = change.verdict(direction)
                if verdict is Verdict.COMPATIBLE:
                    continue
                if verdict is Verdict.UNKNOWN and not fail_on_unknown and change.kind != COMPARISON_FAILED:
                    notes.append(f"review: {file} {where} {change.kind}: {direction.value} verdict unknown")
                    continue
                waiver = next((item for item in waivers or [] if item.matches(change, direction, file)), None)
                if waiver is not None:
                    used.add(waiver)
                    waived.append(f"{file} {where} {change.kind} ({direction.value}): {waiver.reason}")
                    continue
                violations.append(
                    GateViolation(
                        file=file,
                        kind=change.kind,
                        direction=direction.value,
                        message=(
                            f"{change.message} at {where} is {verdict.value} {direction.value}, which "
                            f"contract {contract or '(undeclared)'} promises ({mode.value}); "
                            "add a new major folder or a waiver"
                        ),
                    )
                )
    notes.extend(
        f"stale waiver (matches no failing change): {waiver.label}"
        for waiver in waivers or []
        if waiver not in used
    )
    majors: dict[str, int] = {}
    for doc in new.docs.values():
        if doc.contract and doc.major is not None:
            majors[doc.contract] = max(majors.get(doc.contract, 0), doc.major)
    for name, decl in sorted(new_decl.items()):
        before = old_decl.get(name)
        if name in majors and decl.version[0] != majors[name]:
            violations.append(
                GateViolation(
                    file=f"{name}/contract.json",
                    kind="version-mismatch",
                    direction="",
                    message=f"version {decl.version_text} does not match the newest folder v{majors[name]}",
                )
            )
        if before is None:
            continue
        if decl.version < before.version:
            violations.append(
                GateViolation(
                    file=f"{name}/contract.json",
                    kind="version-decreased",
                    direction="",
                    message=f"version went down: {before.version_text} -> {decl.version_text}",
                )
            )
        if decl.mode is not before.mode:
            notes.append(f"{name}: compatibility mode changed {before.mode.value} -> {decl.mode.value}")
        if name in changed_contracts and decl.version == before.version:
            notes.append(
                f"{name}: schemas changed but version stays {decl.version_text}; bump minor or patch"
            )
    return GateResult(
        passed=not violations,
        violations=tuple(violations),
        waived=tuple(waived),
        notes=tuple(dict.fromkeys(notes)),
        modes={name: mode.value for name, mode in modes.items()},
    )


def contract_modes(old: SchemaSet, new: SchemaSet) -> Mapping[str, Mode]:
    """Declared modes (new side wins) for computing severities before the gate runs."""
    return {name: decl.mode for name, decl in {**declarations(old), **declarations(new)}.items()}


def diff_and_gate(  # noqa: PLR0913 - the options of one gated diff
    old: SchemaSet,
    new: SchemaSet,
    *,
    policy: Policy | None = None,
    waivers: list[Waiver] | None = None,
    default_mode: Mode = Mode.BACKWARD,
    fail_on_unknown: bool = False,
    gate: bool = True,
) -> DiffResult:
    """Diff two sides with severities from their declarations, then (optionally) run the gate."""
    result = diff_sets(old, new, policy=policy, modes=contract_modes(old, new), default_mode=default_mode)
    if not gate:
        return result
    decision = evaluate_gate(
        result,
        old,
        new,
        waivers=waivers,
        default_mode=default_mode,
        fail_on_unknown=fail_on_unknown,
    )
    return replace(result, gate=decision)
