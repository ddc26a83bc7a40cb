"""Diff two sides file by file: walk, search counterexamples, summarize, list codegen impact."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from saas_contracts._pointer import escape_token
from saas_contracts.diff._compare import Pending, Walker, instance_pointer
from saas_contracts.diff._counterexample import Prover
from saas_contracts.diff._generate import Generator
from saas_contracts.diff._model import (
    Change,
    CodegenChange,
    Counterexample,
    DiffResult,
    Direction,
    FileSummary,
    Mode,
    Policy,
    Verdict,
    worst,
)
from saas_contracts.diff._normalize import Normalizer
from saas_contracts.diff._sources import SchemaDoc, SchemaSet, single_document_set
from saas_contracts.errors import ContractError

if TYPE_CHECKING:
    from collections.abc import Mapping

_VERSION_DIR = re.compile(r"v([1-9][0-9]*)\Z")
COMPARISON_FAILED = "comparison-failed"
"""The change kind of a file the differ failed on: unknown both ways, and it always fails the gate."""


@dataclass(frozen=True)
class _Side:
    schemas: SchemaSet
    normalizer: Normalizer
    generator: Generator


def _side(schemas: SchemaSet, policy: Policy) -> _Side:
    normalizer = Normalizer(schemas)
    return _Side(
        schemas, normalizer, Generator(schemas, normalizer, format_assertion=policy.format_assertion)
    )


def severity(change_backward: Verdict, change_forward: Verdict, mode: Mode) -> str:
    """``major``, ``unknown``, ``minor`` or ``patch`` for a change under a contract's mode."""
    verdicts = {Direction.BACKWARD: change_backward, Direction.FORWARD: change_forward}
    required = [verdicts[direction] for direction in mode.directions]
    if Verdict.BREAKING in required:
        return "major"
    if Verdict.UNKNOWN in required:
        return "unknown"
    if any(verdict is not Verdict.COMPATIBLE for verdict in verdicts.values()):
        return "minor"
    return "patch"


class _Differ:
    def __init__(
        self, old: SchemaSet, new: SchemaSet, *, policy: Policy, modes: Mapping[str, Mode], default: Mode
    ) -> None:
        self.old = _side(old, policy)
        self.new = _side(new, policy)
        self.policy = policy
        self.modes = modes
        self.default = default
        self.changes: list[Change] = []
        self.codegen: set[CodegenChange] = set()
        self.files: dict[str, FileSummary] = {}
        self.witness_cache: dict[tuple[str, ...], tuple[list[Any], list[Any], list[Any]]] = {}

    def mode_for(self, doc: SchemaDoc) -> Mode:
        return self.modes.get(doc.contract, self.default)

    def run(self) -> None:
        old_docs, new_docs = self.old.schemas.docs, self.new.schemas.docs
        for path in sorted(set(old_docs) | set(new_docs)):
            changes, codegen = len(self.changes), set(self.codegen)
            try:
                if path in old_docs and path in new_docs:
                    self.compare_files(old_docs[path], new_docs[path], bumped=False)
                elif path in old_docs:
                    self.removed(old_docs[path])
                else:
                    self.added(new_docs[path])
            except ContractError:
                raise
            except Exception as error:  # noqa: BLE001 - one file's failure is reported against that file
                del self.changes[changes:]
                self.codegen = codegen
                self.failed(new_docs.get(path) or old_docs[path], error)

    def failed(self, doc: SchemaDoc, error: Exception) -> None:
        """Report a file the differ could not compare: unknown both ways, never silently compatible."""
        if isinstance(error, RecursionError):
            reason = "its subschemas or $ref chains nest deeper than the differ can follow"
        else:  # the type only: an exception's message may quote the schema
            reason = f"internal error {type(error).__name__}, a bug in saas-contracts: please report it"
        mode = self.mode_for(doc)
        self.changes.append(
            Change(
                file=doc.path,
                kind=COMPARISON_FAILED,
                old_pointer=f"{doc.path}#" if doc.path in self.old.schemas.docs else "",
                new_pointer=f"{doc.path}#" if doc.path in self.new.schemas.docs else "",
                instance_pointer="",
                message=f"the differ could not compare this file ({reason})",
                backward=Verdict.UNKNOWN,
                forward=Verdict.UNKNOWN,
                severity=severity(Verdict.UNKNOWN, Verdict.UNKNOWN, mode),
                note="nothing was decided for this file: review the change by hand",
            )
        )
        self.files[doc.path] = FileSummary(backward=Verdict.UNKNOWN, forward=Verdict.UNKNOWN, changes=1)

    def compare_files(self, old: SchemaDoc, new: SchemaDoc, *, bumped: bool) -> None:
        start = len(self.changes)
        self.compare_pair(
            new.path,
            old_raw=old.contents,
            old_base=f"{old.path}#",
            old_uri=old.uri,
            new_raw=new.contents,
            new_base=f"{new.path}#",
            new_uri=new.uri,
            bumped=bumped,
            mode=self.mode_for(new),
        )
        old_defs: dict[str, Any] = old.contents.get("$defs", {}) if isinstance(old.contents, dict) else {}
        new_defs: dict[str, Any] = new.contents.get("$defs", {}) if isinstance(new.contents, dict) else {}
        for name in sorted(set(old_defs) & set(new_defs)):
            pointer = f"#/$defs/{escape_token(name)}"
            self.compare_pair(
                new.path,
                old_raw=old_defs[name],
                old_base=f"{old.path}{pointer}",
                old_uri=old.uri + pointer,
                new_raw=new_defs[name],
                new_base=f"{new.path}{pointer}",
                new_uri=new.uri + pointer,
                bumped=bumped,
                mode=self.mode_for(new),
            )
        self.definitions(old, new, old_defs, new_defs)
        mine = self.changes[start:]
        self.files[new.path] = FileSummary(
            backward=worst([change.backward for change in mine]),
            forward=worst([change.forward for change in mine]),
            changes=len(mine),
            compared_with=old.path if old.path != new.path else "",
        )

    def compare_pair(  # noqa: PLR0913 - both sides' document, location and URI
        self,
        file: str,
        *,
        old_raw: Any,
        old_base: str,
        old_uri: str,
        new_raw: Any,
        new_base: str,
        new_uri: str,
        bumped: bool,
        mode: Mode,
    ) -> None:
        walker = Walker(
            old=(self.old.normalizer, self.old.generator),
            new=(self.new.normalizer, self.new.generator),
            policy=self.policy,
        )
        walker.witness_cache = self.witness_cache
        found = walker.compare(old_raw, old_base, new_raw, new_base)
        prover = Prover(
            old=self.old.generator,
            new=self.new.generator,
            old_root={"$ref": old_uri},
            new_root={"$ref": new_uri},
            label=new_base,
        )
        for pending in found:
            self.changes.append(self.finish(file, pending, prover, bumped=bumped, mode=mode))
        for where, before, after in dict.fromkeys(walker.ref_switches):
            self.codegen.add(
                CodegenChange(
                    file=file,
                    kind="reference-changed",
                    pointer=where,
                    message=f"generated type for this value changes: {before} -> {after}",
                )
            )

    def finish(self, file: str, pending: Pending, prover: Prover, *, bumped: bool, mode: Mode) -> Change:
        verdicts: dict[Direction, Verdict] = {}
        examples: list[Counterexample] = []
        for direction, proven in ((Direction.BACKWARD, pending.back_ok), (Direction.FORWARD, pending.fwd_ok)):
            if proven:
                verdicts[direction] = Verdict.COMPATIBLE
                continue
            example = prover.find(pending, direction)
            if example is None:
                verdicts[direction] = Verdict.UNKNOWN
            else:
                verdicts[direction] = Verdict.BREAKING
                examples.append(example)
        note = pending.note
        if not note and Verdict.UNKNOWN in verdicts.values():
            note = "no rule proves this direction compatible and no counterexample was found"
        return Change(
            file=file,
            kind=pending.kind,
            old_pointer=pending.old_at,
            new_pointer=pending.new_at,
            instance_pointer=instance_pointer(pending.steps),
            message=pending.message,
            backward=verdicts[Direction.BACKWARD],
            forward=verdicts[Direction.FORWARD],
            severity=severity(verdicts[Direction.BACKWARD], verdicts[Direction.FORWARD], mode),
            via=pending.via,
            counterexamples=tuple(examples),
            note=note,
            bumped=bumped,
        )

    def removed(self, doc: SchemaDoc) -> None:
        successor = self.successor(doc)
        generator = self.old.generator
        samples = generator.samples({"$ref": doc.uri}, 1)
        examples = (
            (
                Counterexample(
                    direction=Direction.BACKWARD, instance=samples[0], pointer="", schema=f"{doc.path}#"
                ),
            )
            if samples
            else ()
        )
        backward = Verdict.BREAKING if samples else Verdict.UNKNOWN
        change = Change(
            file=doc.path,
            kind="schema-removed",
            old_pointer=f"{doc.path}#",
            new_pointer="",
            instance_pointer="",
            message="schema file removed: data written under it has no schema any more"
            + (f" (superseded by {successor})" if successor else ""),
            backward=backward,
            forward=Verdict.COMPATIBLE,
            severity=severity(backward, Verdict.COMPATIBLE, self.mode_for(doc)),
            counterexamples=examples,
            bumped=bool(successor),
        )
        self.changes.append(change)
        self.files[doc.path] = FileSummary(backward=backward, forward=Verdict.COMPATIBLE, changes=1)
        self.codegen.add(
            CodegenChange(
                file=doc.path,
                kind="schema-removed",
                pointer="",
                message="generated module for this schema disappears",
            )
        )

    def added(self, doc: SchemaDoc) -> None:
        self.codegen.add(
            CodegenChange(
                file=doc.path, kind="schema-added", pointer="", message="a new generated module appears"
            )
        )
        predecessor = self.predecessor(doc)
        if predecessor is None:
            self.files[doc.path] = FileSummary()
            return
        self.compare_files(predecessor, doc, bumped=True)

    def predecessor(self, doc: SchemaDoc) -> SchemaDoc | None:
        """The same file name in the highest older major folder of the same contract (old side)."""
        parts = doc.path.split("/")
        if doc.major is None or len(parts) != 3:
            return None
        best: SchemaDoc | None = None
        for other in self.old.schemas.docs.values():
            bits = other.path.split("/")
            if (
                len(bits) == 3
                and bits[0] == parts[0]
                and bits[2] == parts[2]
                and other.major is not None
                and other.major < doc.major
                and (best is None or (best.major or 0) < other.major)
            ):
                best = other
        return best

    def successor(self, doc: SchemaDoc) -> str:
        """A file of the same name in a newer major folder of the same contract (new side)."""
        parts = doc.path.split("/")
        if doc.major is None or len(parts) != 3:
            return ""
        for other in sorted(self.new.schemas.docs.values(), key=lambda item: item.path):
            bits = other.path.split("/")
            if (
                len(bits) == 3
                and bits[0] == parts[0]
                and bits[2] == parts[2]
                and (other.major or 0) > doc.major
            ):
                return other.path
        return ""

    def definitions(
        self, old: SchemaDoc, new: SchemaDoc, old_defs: dict[str, Any], new_defs: dict[str, Any]
    ) -> None:
        removed = sorted(set(old_defs) - set(new_defs))
        added = sorted(set(new_defs) - set(old_defs))
        expand_old, expand_new = self.old.normalizer.expand, self.new.normalizer.expand
        for name in removed:
            content = expand_old(old_defs[name])
            twin = next((other for other in added if expand_new(new_defs[other]) == content), None)
            if twin is not None:
                added.remove(twin)
                self.codegen.add(
                    CodegenChange(
                        file=new.path,
                        kind="definition-renamed",
                        pointer=f"#/$defs/{escape_token(name)}",
                        message=(
                            f"$defs {name!r} renamed to {twin!r}: "
                            "data-neutral, but the generated class is renamed"
                        ),
                    )
                )
                continue
            moved = self.moved_to(content, new.path)
            if moved:
                self.codegen.add(
                    CodegenChange(
                        file=new.path,
                        kind="definition-moved",
                        pointer=f"#/$defs/{escape_token(name)}",
                        message=f"$defs {name!r} moved to {moved}: the generated class moves module",
                    )
                )
            else:
                self.codegen.add(
                    CodegenChange(
                        file=new.path,
                        kind="definition-removed",
                        pointer=f"#/$defs/{escape_token(name)}",
                        message=f"$defs {name!r} removed: its generated class disappears",
                    )
                )
        for name in added:
            self.codegen.add(
                CodegenChange(
                    file=new.path,
                    kind="definition-added",
                    pointer=f"#/$defs/{escape_token(name)}",
                    message=f"$defs {name!r} added: a new generated class",
                )
            )
        for name in sorted(set(old_defs) & set(new_defs)):
            self.title_change(new.path, f"#/$defs/{escape_token(name)}", old_defs[name], new_defs[name])
        self.title_change(new.path, "#", old.contents, new.contents)

    def moved_to(self, content: Any, here: str) -> str:
        for doc in self.new.schemas.docs.values():
            if doc.path == here or not isinstance(doc.contents, dict):
                continue
            old_doc = self.old.schemas.docs.get(doc.path)
            old_names = (
                set(old_doc.contents.get("$defs", {}))
                if old_doc and isinstance(old_doc.contents, dict)
                else set()
            )
            for name, schema in doc.contents.get("$defs", {}).items():
                if name not in old_names and self.new.normalizer.expand(schema) == content:
                    return f"{doc.path}#/$defs/{name}"
        return ""

    def title_change(self, file: str, pointer: str, before: Any, after: Any) -> None:
        old_title = before.get("title") if isinstance(before, dict) else None
        new_title = after.get("title") if isinstance(after, dict) else None
        if old_title != new_title:
            self.codegen.add(
                CodegenChange(
                    file=file,
                    kind="title-changed",
                    pointer=pointer,
                    message=f"title {old_title!r} -> {new_title!r}: "
                    "generated class names derived from titles change",
                )
            )


def diff_sets(
    old: SchemaSet,
    new: SchemaSet,
    *,
    policy: Policy | None = None,
    modes: Mapping[str, Mode] | None = None,
    default_mode: Mode = Mode.BACKWARD,
) -> DiffResult:
    """Compare two sides; every change gets a verdict per direction and, when breaking, a counterexample."""
    chosen = policy or Policy()
    differ = _Differ(old, new, policy=chosen, modes=modes or {}, default=default_mode)
    differ.run()
    return DiffResult(
        old_label=old.label,
        new_label=new.label,
        policy=chosen,
        changes=tuple(sorted(differ.changes, key=Change.sort_key)),
        codegen=tuple(sorted(differ.codegen)),
        files=dict(sorted(differ.files.items())),
    )


def diff_schemas(
    old: Any, new: Any, *, policy: Policy | None = None, mode: Mode = Mode.BACKWARD
) -> DiffResult:
    """Compare two in-memory schema documents (refs inside each document resolve; nothing is fetched)."""
    return diff_sets(single_document_set(old), single_document_set(new), policy=policy, default_mode=mode)
