"""The result types of a schema diff: verdicts, changes, counterexamples, summaries.

Compatibility is about instance sets. For one change and one direction the
verdict is :attr:`Verdict.COMPATIBLE` only when a rule proves the inclusion,
:attr:`Verdict.BREAKING` only when a counterexample instance was found *and*
validated under both whole schemas, and :attr:`Verdict.UNKNOWN` otherwise.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

from saas_contracts.diff._budget import DEFAULT_BUDGET

COMPARISON_FAILED = "comparison-failed"
"""The change kind of a file the differ failed on: unknown both ways, and it always fails the gate."""


class Verdict(enum.Enum):
    """Whether one direction of one change keeps every instance valid."""

    COMPATIBLE = "compatible"
    UNKNOWN = "unknown"
    BREAKING = "breaking"

    @property
    def rank(self) -> int:
        """Order used to pick the worst verdict (compatible < unknown < breaking)."""
        return {"compatible": 0, "unknown": 1, "breaking": 2}[self.value]


def worst(verdicts: list[Verdict] | tuple[Verdict, ...]) -> Verdict:
    """The worst of some verdicts; compatible when there are none."""
    return max(verdicts, key=lambda verdict: verdict.rank, default=Verdict.COMPATIBLE)


class Direction(enum.Enum):
    """Backward: new readers read old data. Forward: old readers read new data."""

    BACKWARD = "backward"
    FORWARD = "forward"


class Mode(enum.Enum):
    """A contract's declared compatibility mode: which directions must hold."""

    BACKWARD = "backward"
    FORWARD = "forward"
    FULL = "full"
    NONE = "none"

    @property
    def directions(self) -> tuple[Direction, ...]:
        """The directions a change must not break under this mode."""
        return {
            "backward": (Direction.BACKWARD,),
            "forward": (Direction.FORWARD,),
            "full": (Direction.BACKWARD, Direction.FORWARD),
            "none": (),
        }[self.value]


@dataclass(frozen=True, kw_only=True)
class Policy:
    """Choices that change verdicts; every report shows the policy it used."""

    lenient_open_content: bool = False
    """Assume old data never used property names an open object did not declare,
    so declaring a new optional property on an open object counts as backward
    compatible (strictly, it is breaking: old data may have used that name)."""
    format_assertion: bool = False
    """Treat ``format`` as an assertion (as our runtime validators do) instead
    of the Draft 2020-12 default, an annotation."""
    budget: int = DEFAULT_BUDGET
    """Units of work the run may spend (one validation, one pair of nodes walked, or 1,000 characters
    of schema text compared each); checks still open when it is spent end as ``unknown`` with the
    reason "budget"."""

    def to_json(self) -> dict[str, bool | int]:
        """Plain JSON form used by every machine-readable report."""
        return {
            "lenient_open_content": self.lenient_open_content,
            "format_assertion": self.format_assertion,
            "budget": self.budget,
        }


@dataclass(frozen=True, kw_only=True)
class Counterexample:
    """An instance valid under one side and invalid under the other, checked with jsonschema."""

    direction: Direction
    """Backward: valid under old, invalid under new. Forward: the reverse."""
    instance: Any = field(compare=False)
    """The whole document (never contains real data: it is generated)."""
    pointer: str
    """Where in the instance the changed value sits."""
    schema: str = ""
    """``<file>#<pointer>`` of the schema the instance was checked against (a root or a ``$defs`` entry)."""

    @property
    def valid_under(self) -> str:
        """``old`` or ``new``."""
        return "old" if self.direction is Direction.BACKWARD else "new"

    @property
    def invalid_under(self) -> str:
        """``new`` or ``old``."""
        return "new" if self.direction is Direction.BACKWARD else "old"

    def to_json(self) -> dict[str, Any]:
        """Plain JSON form used by every machine-readable report."""
        return {
            "direction": self.direction.value,
            "instance": self.instance,
            "pointer": self.pointer,
            "schema": self.schema,
            "valid_under": self.valid_under,
            "invalid_under": self.invalid_under,
        }


@dataclass(frozen=True, kw_only=True, order=True)
class Reach:
    """One place a change is reached from: a schema (a file or one of its definitions), an instance path."""

    file: str
    """The schema file (relative path)."""
    schema: str = ""
    """JSON Pointer of the compared schema inside ``file``: empty for the file's root, ``/$defs/x`` for a
    definition compared on its own."""
    instance: str = ""
    """Where in an instance of that schema the change applies."""

    @property
    def label(self) -> str:
        """``file`` or ``file#/$defs/x``, then the instance path: ``invoice.json /tax/amount``."""
        where = f"{self.file}#{self.schema}" if self.schema else self.file
        return f"{where} {self.instance or '/'}"

    def to_json(self) -> dict[str, str]:
        """Plain JSON form."""
        return {"file": self.file, "schema": self.schema, "instance": self.instance}


@dataclass(frozen=True, kw_only=True)
class Change:
    """One difference between two schemas that can change which instances are valid."""

    file: str
    """The schema file (relative path) whose instances are affected."""
    kind: str
    """What changed, e.g. ``required-added`` or ``maximum-decreased``."""
    old_pointer: str
    """``<file>#<JSON Pointer>`` of the old keyword (may be in a shared file); empty when absent."""
    new_pointer: str
    """``<file>#<JSON Pointer>`` of the new keyword; empty when absent."""
    instance_pointer: str
    """Where in an instance the change applies (``*`` stands for any key or index)."""
    message: str
    backward: Verdict
    forward: Verdict
    severity: str = "patch"
    """``major`` (breaks a direction the contract requires), ``unknown``
    (cannot decide a required direction), ``minor`` (breaks only a direction
    the contract does not require) or ``patch`` (compatible both ways)."""
    via: tuple[str, ...] = ()
    """Shared definitions (``<file>#<pointer>``) the walk passed through to get here."""
    reached_from: tuple[Reach, ...] = ()
    """Every schema and instance path that reaches this change, the first one (``file``,
    ``instance_pointer``) included: a change in a shared definition is reported once, here."""
    counterexamples: tuple[Counterexample, ...] = ()
    note: str = ""
    """Why the verdict is what it is, when that is not obvious (policy, unknown)."""
    bumped: bool = False
    """Found comparing a file with its predecessor in an older major folder (the gate allows it)."""

    @property
    def places(self) -> tuple[Reach, ...]:
        """Every place reaching the change, the first one included (never empty)."""
        return self.reached_from or (Reach(file=self.file, instance=self.instance_pointer),)

    @property
    def files(self) -> tuple[str, ...]:
        """The schema files reaching the change, first one first."""
        return tuple(dict.fromkeys(place.file for place in self.places))

    @property
    def verdict_label(self) -> Verdict:
        """The worse of the two directions (the section a report lists the change under)."""
        return worst([self.backward, self.forward])

    def verdict(self, direction: Direction) -> Verdict:
        """The verdict for one direction."""
        return self.backward if direction is Direction.BACKWARD else self.forward

    def counterexample(self, direction: Direction) -> Counterexample | None:
        """The counterexample for one direction, if that direction is breaking."""
        return next((item for item in self.counterexamples if item.direction is direction), None)

    def sort_key(self) -> tuple[str, str, str, str, str]:
        """Deterministic report order."""
        return (self.file, self.instance_pointer, self.kind, self.old_pointer, self.new_pointer)

    def to_json(self) -> dict[str, Any]:
        """Plain JSON form used by every machine-readable report."""
        return {
            "file": self.file,
            "kind": self.kind,
            "pointers": {"old": self.old_pointer, "new": self.new_pointer, "instance": self.instance_pointer},
            "message": self.message,
            "backward": self.backward.value,
            "forward": self.forward.value,
            "severity": self.severity,
            "via": list(self.via),
            "reached_from": [place.to_json() for place in self.places],
            "note": self.note,
            "major_bump": self.bumped,
            "counterexample": {item.direction.value: item.to_json() for item in self.counterexamples} or None,
        }


@dataclass(frozen=True, kw_only=True, order=True)
class CodegenChange:
    """A change that alters generated code (class names, modules) whatever it does to data."""

    file: str
    kind: str
    """``definition-renamed``, ``definition-moved``, ``definition-removed``,
    ``definition-added``, ``title-changed``, ``schema-added``, ``schema-removed``."""
    pointer: str
    message: str

    def to_json(self) -> dict[str, str]:
        """Plain JSON form used by every machine-readable report."""
        return {"file": self.file, "kind": self.kind, "pointer": self.pointer, "message": self.message}


@dataclass(frozen=True, kw_only=True)
class FileSummary:
    """The worst verdict per direction over one file's changes."""

    backward: Verdict = Verdict.COMPATIBLE
    forward: Verdict = Verdict.COMPATIBLE
    changes: int = 0
    compared_with: str = ""
    """The old file this one was compared with when it differs (a new major folder)."""

    def verdict_for(self, direction: Direction) -> Verdict:
        """The worst verdict for one direction."""
        return self.backward if direction is Direction.BACKWARD else self.forward

    def to_json(self) -> dict[str, Any]:
        """Plain JSON form used by every machine-readable report."""
        payload: dict[str, Any] = {
            "backward": self.backward.value,
            "forward": self.forward.value,
            "changes": self.changes,
        }
        if self.compared_with:
            payload["compared_with"] = self.compared_with
        return payload


@dataclass(frozen=True, kw_only=True)
class GateViolation:
    """Why the gate fails: one change (or declaration) that needs a major version or a waiver."""

    file: str
    kind: str
    direction: str
    message: str

    def to_json(self) -> dict[str, str]:
        """Plain JSON form used by every machine-readable report."""
        return {"file": self.file, "kind": self.kind, "direction": self.direction, "message": self.message}


@dataclass(frozen=True, kw_only=True)
class GateResult:
    """The semver gate's decision for one diff."""

    passed: bool
    violations: tuple[GateViolation, ...] = ()
    waived: tuple[str, ...] = ()
    """One line per change a waiver excused, with the waiver's reason."""
    notes: tuple[str, ...] = ()
    """Non-failing observations: unknown verdicts, stale waivers, version hints."""
    modes: dict[str, str] = field(default_factory=dict)
    """Contract name to declared compatibility mode."""

    def to_json(self) -> dict[str, Any]:
        """Plain JSON form used by every machine-readable report."""
        return {
            "passed": self.passed,
            "violations": [item.to_json() for item in self.violations],
            "waived": list(self.waived),
            "notes": list(self.notes),
            "modes": dict(sorted(self.modes.items())),
        }


@dataclass(frozen=True, kw_only=True, order=True)
class SkippedFile:
    """A ``*.json`` file of one side that was not compared, and why (listed in every report)."""

    side: str
    """``old`` or ``new``."""
    path: str
    reason: str

    def to_json(self) -> dict[str, str]:
        """Plain JSON form."""
        return {"side": self.side, "path": self.path, "reason": self.reason}


@dataclass(frozen=True, kw_only=True)
class DiffResult:
    """Everything one ``diff`` found, ready for a reporter."""

    old_label: str
    new_label: str
    policy: Policy
    changes: tuple[Change, ...]
    codegen: tuple[CodegenChange, ...]
    files: dict[str, FileSummary]
    gate: GateResult | None = None
    skipped: tuple[SkippedFile, ...] = ()
    """Files read but not compared (a ``package.json`` without ``$schema``, a JSON array)."""

    @property
    def failed_files(self) -> tuple[str, ...]:
        """Files the differ itself failed on (``comparison-failed``): an internal error, never a finding."""
        return tuple(sorted({change.file for change in self.changes if change.kind == COMPARISON_FAILED}))

    def summary(self, direction: Direction) -> Verdict:
        """The worst verdict over every file for one direction."""
        return worst([summary.verdict_for(direction) for summary in self.files.values()])

    def to_json(self) -> dict[str, Any]:
        """Plain JSON form used by every machine-readable report."""
        return {
            "old": self.old_label,
            "new": self.new_label,
            "policy": self.policy.to_json(),
            "changes": [change.to_json() for change in self.changes],
            "codegen": [change.to_json() for change in self.codegen],
            "files": {name: self.files[name].to_json() for name in sorted(self.files)},
            "summary": {
                "backward": self.summary(Direction.BACKWARD).value,
                "forward": self.summary(Direction.FORWARD).value,
            },
            "gate": self.gate.to_json() if self.gate is not None else None,
            "skipped": [item.to_json() for item in self.skipped],
        }
