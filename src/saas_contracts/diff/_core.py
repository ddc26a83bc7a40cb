"""Diff two sides file by file: walk, search counterexamples, summarize, list codegen impact."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from saas_contracts._pointer import escape_token, unescape_token
from saas_contracts.diff._budget import BUDGET_NOTE, Budget, BudgetSpentError
from saas_contracts.diff._compare import MAX_DEPTH, Pending, Walker, budget_pending, instance_pointer
from saas_contracts.diff._counterexample import Prover
from saas_contracts.diff._generate import Generator
from saas_contracts.diff._model import (
    COMPARISON_FAILED,
    Change,
    CodegenChange,
    Counterexample,
    DiffResult,
    Direction,
    FileSummary,
    Mode,
    Policy,
    Reach,
    SkippedFile,
    Verdict,
    worst,
)
from saas_contracts.diff._normalize import Normalizer, equivalent
from saas_contracts.diff._proofs import Pair, Proofs
from saas_contracts.diff._sources import SchemaDoc, SchemaSet, single_document_set
from saas_contracts.errors import ContractError

if TYPE_CHECKING:
    from collections.abc import Mapping

    from saas_contracts.diff._generate import Step

_VERSION_DIR = re.compile(r"v([1-9][0-9]*)\Z")
BUDGET_KIND = "budget-spent"
"""The change kind standing for what the work budget left undecided (unknown both ways)."""


@dataclass(frozen=True)
class _Side:
    schemas: SchemaSet
    normalizer: Normalizer
    generator: Generator


def _side(schemas: SchemaSet, policy: Policy, budget: Budget) -> _Side:
    normalizer = Normalizer(schemas, budget)
    generator = Generator(schemas, normalizer, format_assertion=policy.format_assertion, budget=budget)
    return _Side(schemas, normalizer, generator)


def _split_key(key: str) -> tuple[str, str]:
    """``$defs/a~1b`` -> (``$defs``, ``a/b``)."""
    keyword, _, token = key.partition("/")
    return keyword, unescape_token(token)


def definitions_of(contents: Any) -> dict[str, Any]:
    """The named subschemas of a document: ``$defs`` and ``definitions`` entries that are schemas.

    ``definitions`` is the name before 2019-09; in a draft-07 document
    ``$defs`` is an unknown keyword that may hold anything, so an entry that is
    not an object or a boolean is no definition and is skipped. A name in both
    keeps the ``$defs`` one.
    """
    if not isinstance(contents, dict):
        return {}
    found: dict[str, Any] = {}
    for keyword in ("definitions", "$defs"):
        value = contents.get(keyword)
        if not isinstance(value, dict):
            continue
        for name, schema in value.items():
            if isinstance(schema, (dict, bool)):
                found[f"{keyword}/{escape_token(name)}"] = schema
    return found


_SEVERITY_RANK = {"major": 0, "unknown": 1, "minor": 2, "patch": 3}


def _merge_key(change: Change) -> tuple[Any, ...] | None:
    """What makes two findings the same change: the same keywords (and major-folder status).

    The pointers name the keywords in their own file, so a definition shared by several schemas gives
    one key however it is reached; None for the changes that stand for a whole file.
    """
    if change.kind in {BUDGET_KIND, COMPARISON_FAILED}:
        return None
    return (change.kind, change.old_pointer, change.new_pointer, change.bumped)


def _contradict(first: Change, other: Change) -> bool:
    """True when a direction is proven compatible in one and breaking in the other: they stay two changes.

    Two contexts, such as a definition used under ``not`` and outside it.
    """
    return any(
        {first.verdict(direction), other.verdict(direction)} == {Verdict.COMPATIBLE, Verdict.BREAKING}
        for direction in Direction
    )


def _combined(first: Change, other: Change) -> Change:
    """One change from two findings of it: per direction the worse verdict, with its counterexample."""
    verdicts: dict[Direction, Verdict] = {}
    examples: list[Counterexample] = []
    for direction in Direction:
        mine, theirs = first.verdict(direction), other.verdict(direction)
        verdicts[direction] = worst([mine, theirs])
        source = first if mine.rank >= theirs.rank else other
        example = source.counterexample(direction)
        if example is not None and verdicts[direction] is Verdict.BREAKING:
            examples.append(example)
    same = (other.backward, other.forward) == (verdicts[Direction.BACKWARD], verdicts[Direction.FORWARD])
    return replace(
        first,
        backward=verdicts[Direction.BACKWARD],
        forward=verdicts[Direction.FORWARD],
        counterexamples=tuple(examples),
        note=other.note if same else first.note,
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
        self.budget = Budget(policy.budget)
        self.old = _side(old, policy, self.budget)
        self.new = _side(new, policy, self.budget)
        self.policy = policy
        self.modes = modes
        self.default = default
        self.changes: list[Change] = []
        self.codegen: set[CodegenChange] = set()
        self.files: dict[str, FileSummary] = {}
        self.witness_cache: dict[tuple[str, ...], tuple[list[Any], list[Any], list[Any]]] = {}
        self.proofs = Proofs(max_depth=MAX_DEPTH)
        """Decisions of pairs of subschemas, kept across the schemas of the run."""
        self.shared: dict[tuple[Pair, int, bool], list[tuple[Pending, tuple[Step, ...]]]] = {}
        """Pairs of definitions already walked in this run (a shared definition is reported once)."""
        self.by_key: dict[tuple[Any, ...], list[int]] = {}
        """Where in :attr:`changes` the changes of each key are (see :func:`_merge_key`)."""
        self.change_of: dict[int, int] = {}
        """``id()`` of each finished :class:`Pending` (kept alive by :attr:`shared`) to its change."""

    def mode_for(self, doc: SchemaDoc) -> Mode:
        return self.modes.get(doc.contract, self.default)

    def run(self) -> None:
        old_docs, new_docs = self.old.schemas.docs, self.new.schemas.docs
        for path in sorted(set(old_docs) | set(new_docs)):
            changes, codegen, walked = len(self.changes), set(self.codegen), set(self.shared)
            try:
                if path in old_docs and path in new_docs:
                    self.compare_files(old_docs[path], new_docs[path], bumped=False)
                elif path in old_docs:
                    self.removed(old_docs[path])
                else:
                    self.added(new_docs[path])
            except ContractError:
                raise
            except BudgetSpentError:
                self.forget(changes, walked)
                self.codegen = codegen
                self.out_of_budget(new_docs.get(path) or old_docs[path])
            except Exception as error:  # noqa: BLE001 - one file's failure is reported against that file
                self.forget(changes, walked)
                self.codegen = codegen
                self.failed(new_docs.get(path) or old_docs[path], error)
        self.summarize()

    def forget(self, start: int, walked: set[tuple[Pair, int, bool]]) -> None:
        """Drop the changes from ``start`` on (a file that failed), and every way back to them.

        Pairs of definitions first walked for the failed file (not in ``walked``) are forgotten too,
        so a later file reaching them walks them again instead of reaching changes that are gone.
        Changes of earlier files that a path of the failed file reached keep that place.
        """
        for key in set(self.shared) - walked:
            del self.shared[key]
        del self.changes[start:]
        self.by_key = {
            key: [index for index in indices if index < start] for key, indices in self.by_key.items()
        }
        self.change_of = {key: index for key, index in self.change_of.items() if index < start}

    def summarize(self) -> None:
        """Each file's summary over every change that reaches it (a shared one counts for each file)."""
        reaching: dict[str, list[Change]] = {}
        for change in self.changes:
            for file in change.files:
                reaching.setdefault(file, []).append(change)
        for name, summary in self.files.items():
            mine = reaching.get(name, [])
            self.files[name] = replace(
                summary,
                backward=worst([change.backward for change in mine]),
                forward=worst([change.forward for change in mine]),
                changes=len(mine),
            )

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

    def out_of_budget(self, doc: SchemaDoc) -> None:
        """Report a file the budget ran out on before anything was decided: unknown both ways."""
        self.changes.append(self.budget_change(doc.path, f"{doc.path}#", f"{doc.path}#"))
        self.files[doc.path] = FileSummary(backward=Verdict.UNKNOWN, forward=Verdict.UNKNOWN, changes=1)

    def budget_change(self, file: str, old_at: str, new_at: str) -> Change:
        """The change that stands for everything the budget left undecided under one schema."""
        mode = self.modes.get(file.partition("/")[0], self.default) if "/" in file else self.default
        pending = budget_pending(old_at, new_at)
        return Change(
            file=file,
            kind=pending.kind,
            old_pointer=old_at,
            new_pointer=new_at,
            instance_pointer="",
            message=pending.message,
            backward=Verdict.UNKNOWN,
            forward=Verdict.UNKNOWN,
            severity=severity(Verdict.UNKNOWN, Verdict.UNKNOWN, mode),
            note=BUDGET_NOTE,
        )

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
        old_defs = definitions_of(old.contents)
        new_defs = definitions_of(new.contents)
        for name in sorted(set(old_defs) & set(new_defs)):
            if self.budget.exhausted:
                if not any(change.kind == BUDGET_KIND for change in self.changes[start:]):
                    self.changes.append(self.budget_change(new.path, f"{old.path}#", f"{new.path}#"))
                break
            pointer = f"#/{name}"
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
        self.files[new.path] = FileSummary(  # verdicts and counts: see :meth:`summarize`
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
            budget=self.budget,
        )
        walker.witness_cache = self.witness_cache
        walker.shared = self.shared
        walker.proofs = self.proofs
        schema = new_base.partition("#")[2]
        walker.place = (file, schema)
        found = walker.compare(old_raw, old_base, new_raw, new_base)
        prover = Prover(
            old=self.old.generator,
            new=self.new.generator,
            old_root={"$ref": old_uri},
            new_root={"$ref": new_uri},
            label=new_base,
        )
        for pending in found:
            self.add(self.finish(file, schema, pending, prover, bumped=bumped, mode=mode), pending)
        this_walk = {id(pending) for pending in found}
        for pending, reach in walker.reaches:
            index = self.change_of.get(id(pending))
            if id(pending) not in this_walk and index is not None:  # found under an earlier schema
                self.reach(index, (reach,))
        for where, before, after in dict.fromkeys(walker.ref_switches):
            self.codegen.add(
                CodegenChange(
                    file=file,
                    kind="reference-changed",
                    pointer=where,
                    message=f"generated type for this value changes: {before} -> {after}",
                )
            )

    def add(self, change: Change, pending: Pending) -> None:
        """Record a finished change, or merge it into the same change found from another place."""
        key = _merge_key(change)
        twins = [] if key is None else self.by_key.setdefault(key, [])
        twin = next((index for index in twins if not _contradict(self.changes[index], change)), None)
        if twin is None:
            twin = len(self.changes)
            self.changes.append(change)
            twins.append(twin)
        else:
            first = self.changes[twin]
            if (first.backward, first.forward) != (change.backward, change.forward):
                self.changes[twin] = _combined(first, change)
            self.reach(twin, change.places)
        self.change_of[id(pending)] = twin

    def reach(self, index: int, places: tuple[Reach, ...]) -> None:
        """More places that reach ``changes[index]``; its severity is the worst over their contracts."""
        first = self.changes[index]
        merged = tuple(dict.fromkeys([*first.places, *places]))
        ranks = [severity(first.backward, first.forward, self.mode_of(place.file)) for place in merged]
        self.changes[index] = replace(
            first, reached_from=merged, severity=min(ranks, key=lambda item: _SEVERITY_RANK.get(item, 9))
        )

    def mode_of(self, file: str) -> Mode:
        """The declared mode of the contract a file belongs to."""
        head, _, rest = file.partition("/")
        return self.modes.get(head, self.default) if rest else self.default

    def finish(  # noqa: PLR0913 - the change's schema, its difference and how to prove it
        self, file: str, schema: str, pending: Pending, prover: Prover, *, bumped: bool, mode: Mode
    ) -> Change:
        verdicts: dict[Direction, Verdict] = {}
        examples: list[Counterexample] = []
        for direction, proven in ((Direction.BACKWARD, pending.back_ok), (Direction.FORWARD, pending.fwd_ok)):
            if proven:
                verdicts[direction] = Verdict.COMPATIBLE
                continue
            example = prover.find(pending, direction)
            if example is None:
                verdicts[direction] = Verdict.UNKNOWN
                if self.budget.exhausted and not pending.note:
                    pending.note = BUDGET_NOTE
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
            reached_from=(
                Reach(file=file, schema=schema, instance=instance_pointer(pending.steps)),
                *pending.reached_at,
            ),
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
        old_norm, new_norm = self.old.normalizer, self.new.normalizer
        for key in removed:
            keyword, name = _split_key(key)
            twin = next(
                (other for other in added if equivalent(old_norm, old_defs[key], new_norm, new_defs[other])),
                None,
            )
            if twin is not None:
                added.remove(twin)
                self.codegen.add(
                    CodegenChange(
                        file=new.path,
                        kind="definition-renamed",
                        pointer=f"#/{key}",
                        message=(
                            f"{keyword} {name!r} renamed to {_split_key(twin)[1]!r}: "
                            "data-neutral, but the generated class is renamed"
                        ),
                    )
                )
                continue
            moved = self.moved_to(old_defs[key], new.path)
            if moved:
                self.codegen.add(
                    CodegenChange(
                        file=new.path,
                        kind="definition-moved",
                        pointer=f"#/{key}",
                        message=f"{keyword} {name!r} moved to {moved}: the generated class moves module",
                    )
                )
            else:
                self.codegen.add(
                    CodegenChange(
                        file=new.path,
                        kind="definition-removed",
                        pointer=f"#/{key}",
                        message=f"{keyword} {name!r} removed: its generated class disappears",
                    )
                )
        for key in added:
            keyword, name = _split_key(key)
            self.codegen.add(
                CodegenChange(
                    file=new.path,
                    kind="definition-added",
                    pointer=f"#/{key}",
                    message=f"{keyword} {name!r} added: a new generated class",
                )
            )
        for key in sorted(set(old_defs) & set(new_defs)):
            self.title_change(new.path, f"#/{key}", old_defs[key], new_defs[key])
        self.title_change(new.path, "#", old.contents, new.contents)

    def moved_to(self, old_schema: Any, here: str) -> str:
        for doc in self.new.schemas.docs.values():
            if doc.path == here:
                continue
            old_doc = self.old.schemas.docs.get(doc.path)
            old_names = set(definitions_of(old_doc.contents)) if old_doc else set()
            for key, schema in definitions_of(doc.contents).items():
                if key not in old_names and equivalent(
                    self.old.normalizer, old_schema, self.new.normalizer, schema
                ):
                    return f"{doc.path}#/{key}"
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
        skipped=tuple(
            sorted(
                SkippedFile(side=side, path=path, reason=reason)
                for side, schemas in (("old", old), ("new", new))
                for path, reason in schemas.skipped
            )
        ),
    )


def diff_schemas(
    old: Any, new: Any, *, policy: Policy | None = None, mode: Mode = Mode.BACKWARD
) -> DiffResult:
    """Compare two in-memory schema documents (refs inside each document resolve; nothing is fetched)."""
    return diff_sets(single_document_set(old), single_document_set(new), policy=policy, default_mode=mode)
