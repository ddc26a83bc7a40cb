"""The acceptance-fixture harness: the vector loop every contract's fixture shares.

A contract (``ledger/_fixture.py``, ``entitlements/_fixture.py``) is a table
from stage name to a check function; the harness owns everything around it:

* the loop over a stage's vectors, with state shared by the vectors of one
  stage (:class:`StageRun`);
* building the :class:`VectorOutcome` of every vector, so each vector ends in
  exactly one counted outcome;
* error handling in one style: an exception raised inside a check becomes that
  vector's failed outcome with a safe one-line detail (never a traceback,
  never an aborted run); an exception raised by the harness itself is a bug and
  propagates;
* composing split samples (:mod:`saas_contracts._fragments`) and placing them at
  JSON Pointers (:mod:`saas_contracts._pointer`).

It lives outside :mod:`saas_contracts.fixtures` so that the contract modules can
import it while :mod:`saas_contracts.fixtures` imports them: no cycle.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final, TypeAlias

from saas_contracts import _fragments
from saas_contracts._pointer import set_pointer
from saas_contracts.errors import ContractError

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping

__all__ = [
    "Check",
    "FixtureContract",
    "StageRun",
    "VectorOutcome",
    "compose",
    "error_detail",
    "place",
    "run_stage",
]

_MAX_DETAIL_CHARS: Final = 240
_WHITESPACE = re.compile(r"\s+")
_MALFORMED: Final = (KeyError, IndexError, TypeError, ValueError)
_UNKNOWN_STAGE: Final = "unknown stage for this contract"


@dataclass(frozen=True, kw_only=True)
class VectorOutcome:
    """The result of running one vector of one stage."""

    stage: str
    name: str
    passed: bool
    detail: str = ""
    """Public-safe explanation (what was expected and what happened); empty when passed."""

    def to_json(self) -> dict[str, Any]:
        """Plain JSON form."""
        return {"stage": self.stage, "name": self.name, "passed": self.passed, "detail": self.detail}


@dataclass(kw_only=True)
class StageRun:
    """What a check sees besides its vector: the whole stage and state its vectors share."""

    name: str
    stage: Mapping[str, Any]
    shared: dict[str, Any] = field(default_factory=dict)
    """Filled by earlier vectors of the same stage (e.g. fingerprints to compare with)."""


Check: TypeAlias = "Callable[[Mapping[str, Any], StageRun], Iterable[str]]"
"""A per-stage check: the vector and its stage run in, the public-safe problems out (none = passed)."""


@dataclass(frozen=True, kw_only=True)
class FixtureContract:
    """What a contract tells the framework about its core fixture.

    ``checks`` maps each stage name to its check; the stages a fixture must
    have are exactly the ones the table handles, in table order.
    """

    candidate: str
    target_package: str
    schema: str
    checks: Mapping[str, Check]

    @property
    def required_stages(self) -> tuple[str, ...]:
        """The stages this contract handles (derived from ``checks``)."""
        return tuple(self.checks)

    def run_stage(self, stage_name: str, stage: Mapping[str, Any]) -> list[VectorOutcome]:
        """Run every vector of one stage (see :func:`run_stage`)."""
        return run_stage(self.checks, stage_name, stage)


def _one_line(text: str) -> str:
    line = _WHITESPACE.sub(" ", text).strip()
    return line if len(line) <= _MAX_DETAIL_CHARS else line[: _MAX_DETAIL_CHARS - 1] + "…"


def error_detail(error: Exception) -> str:
    """A safe one-line detail for an exception raised inside a check.

    A :class:`~saas_contracts.ContractError` message is public-safe by the house
    rules, so it is kept; any other exception is named by its type only, since
    builtin messages may echo input values.
    """
    name = type(error).__name__
    if isinstance(error, ContractError):
        return _one_line(f"raised {name}: {error}")
    if isinstance(error, _MALFORMED):
        return f"malformed vector ({name})"
    return f"the check raised {name}"


def _vector_name(vector: object, index: int) -> str:
    if isinstance(vector, dict) and isinstance(vector.get("name"), str):
        return str(vector["name"])
    return f"vector-{index}"


def run_stage(
    checks: Mapping[str, Check],
    stage_name: str,
    stage: Mapping[str, Any],
) -> list[VectorOutcome]:
    """Run every vector of one stage: exactly one outcome per vector.

    An unknown stage fails each of its vectors (or, with no vectors, gives one
    failed ``(stage)`` outcome) so that it can never pass silently.
    """
    check = checks.get(stage_name)
    vectors = stage.get("vectors", [])
    if not isinstance(vectors, list):
        vectors = []
    if check is None and not vectors:
        return [VectorOutcome(stage=stage_name, name="(stage)", passed=False, detail=_UNKNOWN_STAGE)]
    run = StageRun(name=stage_name, stage=stage)
    outcomes: list[VectorOutcome] = []
    for index, vector in enumerate(vectors):
        name = _vector_name(vector, index)
        if check is None:
            problems = [_UNKNOWN_STAGE]
        else:
            try:
                problems = [str(problem) for problem in check(vector, run) if problem]
            except Exception as error:  # noqa: BLE001 - any failure inside a check is that vector's outcome
                problems = [error_detail(error)]
        detail = "; ".join(problems)
        outcomes.append(VectorOutcome(stage=stage_name, name=name, passed=not problems, detail=detail))
    return outcomes


def compose(sample: object) -> str:
    """The forbidden value a split sample (``{"$concat": [...]}``) stands for."""
    return _fragments.join(sample)


def place(document: object, pointer: str, value: object) -> None:
    """Put ``value`` at an RFC 6901 pointer of ``document`` (escaped tokens are unescaped).

    :class:`LookupError` or :class:`ValueError` when the pointer does not fit
    the document; inside a check that becomes a malformed-vector outcome.
    """
    set_pointer(document, pointer, value)
