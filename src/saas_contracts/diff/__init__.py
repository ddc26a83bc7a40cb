"""Schema diffing: instance-set compatibility, counterexamples, and the semver gate."""

from saas_contracts.diff._core import diff_schemas, diff_sets
from saas_contracts.diff._model import (
    Change,
    CodegenChange,
    Counterexample,
    DiffResult,
    Direction,
    FileSummary,
    GateResult,
    GateViolation,
    Mode,
    Policy,
    Verdict,
)
from saas_contracts.diff._sources import SchemaSet
from saas_contracts.errors import DiffInputError

__all__ = [
    "Change",
    "CodegenChange",
    "Counterexample",
    "DiffInputError",
    "DiffResult",
    "Direction",
    "FileSummary",
    "GateResult",
    "GateViolation",
    "Mode",
    "Policy",
    "SchemaSet",
    "Verdict",
    "diff_schemas",
    "diff_sets",
]
