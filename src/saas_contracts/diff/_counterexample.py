"""Turn local witnesses into whole-document counterexamples, checked with jsonschema.

A counterexample for backward compatibility is a document that the whole old
schema accepts and the whole new schema rejects (forward: the reverse). It is
built by generating documents from the accepting side with a *hole* at the
change's instance location and putting a witness value there.

To make sure the counterexample is about *this* change and not another one
elsewhere in the same document, a control document is required: the same
document with a value both local schemas accept (or the hole's key left out)
must be valid under both sides. Only when no control can be built are the
rejecting side's errors inspected instead; they must all sit at or under the
changed location.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from saas_contracts._mask import pointer
from saas_contracts.diff._budget import BudgetSpentError
from saas_contracts.diff._generate import AnyKey, Generator, KeyOf, fill
from saas_contracts.diff._model import Counterexample, Direction
from saas_contracts.errors import ContractError

if TYPE_CHECKING:
    from saas_contracts.diff._compare import Pending

_PARENT_KEYWORDS = frozenset(
    {
        "additionalProperties",
        "unevaluatedProperties",
        "propertyNames",
        "uniqueItems",
        "contains",
        "minContains",
        "maxContains",
        "dependentRequired",
        "maxProperties",
        "maxItems",
        "unevaluatedItems",
        "items",
    },
)
_ANCESTOR_KEYWORDS = frozenset({"anyOf", "oneOf", "not"})


class Prover:
    """Searches counterexamples for the differences of one schema pair."""

    def __init__(
        self, *, old: Generator, new: Generator, old_root: Any, new_root: Any, label: str = ""
    ) -> None:
        """Bind to both sides' generators and the standalone root schemas being compared."""
        self.label = label
        self.old = old
        self.new = new
        self.old_root = old_root
        self.new_root = new_root

    def find(self, pending: Pending, direction: Direction) -> Counterexample | None:
        """A checked counterexample for one direction of one difference, or None (also past the budget)."""
        try:
            return self._find(pending, direction)
        except BudgetSpentError:
            return None

    def _find(self, pending: Pending, direction: Direction) -> Counterexample | None:
        backward = direction is Direction.BACKWARD
        accept, reject = (self.old, self.new) if backward else (self.new, self.old)
        accept_root, reject_root = (
            (self.old_root, self.new_root) if backward else (self.new_root, self.old_root)
        )
        witnesses = pending.back_witnesses if backward else pending.fwd_witnesses
        if not witnesses or accept_root is False:
            return None
        key_hole = bool(pending.steps) and isinstance(pending.steps[-1], KeyOf)
        if key_hole:
            witnesses = [item for item in witnesses if isinstance(item, str)]
        docs = accept.with_hole(accept_root, pending.steps, 3)
        if reject_root is not False:
            docs += reject.with_hole(reject_root, pending.steps, 2)
        for doc in docs:
            for witness in witnesses:
                instance, path = fill(doc, witness)
                if not accept.is_valid(accept_root, instance) or reject.is_valid(reject_root, instance):
                    continue
                if self._attributed(
                    doc,
                    path,
                    pending=pending,
                    accept=accept,
                    reject=reject,
                    accept_root=accept_root,
                    reject_root=reject_root,
                    instance=instance,
                ):
                    return Counterexample(
                        direction=direction,
                        instance=instance,
                        pointer=pointer(path),
                        schema=self.label,
                    )
        return None

    def _attributed(  # noqa: PLR0913 - the two sides and the documents to compare
        self,
        doc: Any,
        path: list[str | int],
        *,
        pending: Pending,
        accept: Generator,
        reject: Generator,
        accept_root: Any,
        reject_root: Any,
        instance: Any,
    ) -> bool:
        if reject_root is False:
            return True
        controls = [fill(doc, control)[0] for control in pending.controls]
        if pending.steps and isinstance(pending.steps[-1], (str, AnyKey, KeyOf)):
            controls.append(fill(doc, None, remove=True)[0])
        for control in controls:
            if accept.is_valid(accept_root, control) and reject.is_valid(reject_root, control):
                return True
        try:
            errors = list(reject.validator(reject_root).iter_errors(instance))
        except (ContractError, Exception):  # noqa: BLE001 - an unevaluable schema attributes nothing
            return False
        for error in errors:
            where = list(error.absolute_path)
            if where[: len(path)] == path:
                continue
            if path[: len(where)] == where and (
                str(error.validator) in _ANCESTOR_KEYWORDS
                or (len(where) == len(path) - 1 and str(error.validator) in _PARENT_KEYWORDS)
            ):
                continue
            return False
        return bool(errors)
