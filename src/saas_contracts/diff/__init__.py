"""Schema diffing: instance-set compatibility, counterexamples, and the semver gate."""

from saas_contracts.diff._budget import DEFAULT_BUDGET
from saas_contracts.diff._core import diff_schemas, diff_sets
from saas_contracts.diff._dialects import DEFAULT_DIALECT, DIALECT_NAMES
from saas_contracts.diff._gate import diff_and_gate, load_waivers
from saas_contracts.diff._model import (
    COMPARISON_FAILED,
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
    SkippedFile,
    Verdict,
)
from saas_contracts.diff._report import render_json, render_markdown, render_text
from saas_contracts.diff._sides import Sides, open_sides
from saas_contracts.diff._sources import WAIVER_FILE, SchemaSet
from saas_contracts.errors import DiffInputError

__all__ = [
    "COMPARISON_FAILED",
    "DEFAULT_BUDGET",
    "DEFAULT_DIALECT",
    "DIALECT_NAMES",
    "WAIVER_FILE",
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
    "Sides",
    "SkippedFile",
    "Verdict",
    "diff_and_gate",
    "diff_schemas",
    "diff_sets",
    "load_waivers",
    "open_sides",
    "render_json",
    "render_markdown",
    "render_text",
]
