"""Generate the dataclass bindings from schemas/, or check that they are up to date.

    python scripts/codegen.py           # regenerate the bindings, public models and their docs
    python scripts/codegen.py --check   # exit 1 on drift or orphan files, 0 when clean

Three outputs, all owned by this script and drift-checked together:

* ``src/saas_contracts/_generated/`` - datamodel-code-generator's dataclasses (private).
* ``src/saas_contracts/models/<contract>/`` - the public import path per contract major
  (``saas_contracts.models.usage_ledger.v1``): re-exports of the generated classes under the
  reader-friendly names of :data:`PUBLIC_MODELS`, each with the schema it validates against.
  The hand-written ``models/__init__.py`` and ``models/_core.py`` sit one level above, where
  this script never writes.
* ``docs/models.md`` - the documented mapping from schema titles to public names.

Each ``schemas/<contract>/v<major>/`` folder is generated with its own
``[tool.datamodel-codegen.profiles.<contract>-v<major>]`` profile from
pyproject.toml (the shared options live in ``[tool.datamodel-codegen]``); a
folder without a profile is an error, so every major is configured on purpose.
The generator sees a staged copy of all ``*.schema.json`` files, so relative
``$ref``s across contracts resolve locally and nothing is fetched.
"""

from __future__ import annotations

import argparse
import filecmp
import json
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SCHEMAS = ROOT / "schemas"
OUTPUT = ROOT / "src" / "saas_contracts" / "_generated"
PACKAGE_HEADER = '"""Generated bindings (see scripts/codegen.py). DO NOT EDIT."""\n'
PUBLIC = ROOT / "src" / "saas_contracts" / "models"
DOC = ROOT / "docs" / "models.md"

# Public model names per contract major: (public name, generated module, generated name, where).
# "where" is the JSON Pointer fragment of the definition in the module's schema file ("" for its
# root). A class validates against "<schema>#<pointer>"; a type alias (``Literal`` for a closed
# vocabulary) is re-exported for typing only. Fixture and meta schemas are repository tooling,
# not product API, and have no public module.
Entry = tuple[str, str, str, str]


def _snake(name: str) -> str:
    """``UtcTimestamp`` -> ``utc_timestamp`` (the ``$defs`` key a vocabulary alias comes from)."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


PUBLIC_MODELS: dict[tuple[str, str], list[Entry]] = {
    ("common", "v1"): [
        (alias, "common_schema", alias, "#/$defs/" + _snake(alias))
        for alias in (
            "CommitSha",
            "CountByLabel",
            "EventKind",
            "IdempotencyKey",
            "OpsSummaryHeader",
            "OpsSummaryKind",
            "PlanLabel",
            "PrivacyEvidence",
            "PublicLabel",
            "PublicLabelMap",
            "Quantity",
            "RedactedReference",
            "ReferenceLabel",
            "Sha256Digest",
            "SplitValue",
            "UtcTimestamp",
        )
    ],
    ("entitlements", "v1"): [
        (
            "CapabilitySnapshot",
            "decision_request_schema",
            "CapabilitySnapshot",
            "#/$defs/capability_snapshot",
        ),
        ("ConsideredSource", "decision_schema", "ConsideredItem", "#/properties/considered/items"),
        ("Decision", "decision_schema", "EntitlementDecision", ""),
        ("DecisionLimit", "decision_schema", "Limit", "#/properties/limit"),
        ("DecisionRequest", "decision_request_schema", "EntitlementDecisionRequest", ""),
        ("DecisionSource", "decision_schema", "Source", "#/properties/source"),
        ("LifecycleEvent", "lifecycle_event_schema", "BillingLifecycleEvent", ""),
        ("OpsSummaryDocument", "ops_summary_schema", "EntitlementsOpsSummary", ""),
        ("PlanCapabilities", "decision_request_schema", "PlanCapabilities", "#/$defs/plan_capabilities"),
        ("PlanSourceRecord", "record_schema", "PlanSourceRecord", ""),
        ("PlanSourceStateDocument", "state_schema", "PlanSourceState", ""),
        ("Receipt", "state_schema", "Receipt", "#/$defs/receipt"),
        ("ScheduledChange", "record_schema", "ScheduledChange", "#/$defs/scheduled_change"),
        ("SourcePriorityPolicy", "policy_schema", "SourcePriorityPolicy", ""),
        ("WriteAudit", "write_schema", "Audit", "#/properties/audit"),
        ("WriteCause", "write_schema", "Cause", "#/properties/cause"),
        ("WriteEnvelope", "write_schema", "PlanSourceWriteEnvelope", ""),
        *(
            (alias, "vocabulary_schema", alias, "#/$defs/" + _snake(alias))
            for alias in (
                "CapabilityLabel",
                "ChangeDirection",
                "DecisionOutcome",
                "DecisionReason",
                "EndReason",
                "EventOutcome",
                "LifecycleKind",
                "RecordId",
                "RecordStatus",
                "ScheduledChangeKind",
                "SourceKind",
                "TieBreakStep",
                "Timing",
                "Workspace",
            )
        ),
    ],
    ("privacy", "v1"): [
        ("DenyTerm", "config_schema", "DenyTerm", "#/properties/deny_terms/items"),
        ("PrivacyConfig", "config_schema", "PrivacyScannerProductExtras", ""),
        ("PrivacyRule", "rules_schema", "Rule", "#/$defs/rule"),
    ],
    ("usage-ledger", "v1"): [
        ("CloudEvent", "cloudevent_schema", "UsageEventAsACloudevents10JsonEvent", ""),
        ("CloudEventData", "cloudevent_schema", "Data", "#/properties/data"),
        ("OpsSummaryDocument", "ops_summary_schema", "UsageLedgerOpsSummary", ""),
        ("OpsSummaryRequest", "ops_summary_schema", "Request", "#/properties/request"),
        ("PlanSnapshot", "event_schema", "PlanSnapshot", "#/$defs/plan_snapshot"),
        ("ReplayConservation", "replay_report_schema", "Conservation", "#/$defs/conservation"),
        ("ReplayCounts", "replay_report_schema", "Counts", "#/$defs/counts"),
        ("ReplayIndex", "replay_report_schema", "Index", "#/$defs/index"),
        ("ReplayLineIssue", "replay_report_schema", "LineIssue", "#/$defs/line_issue"),
        ("ReplayReportDocument", "replay_report_schema", "ReplayReport", ""),
        ("ReplayRequestDocument", "replay_request_schema", "ReplayOrBackfillRequest", ""),
        ("ReplayTimeRules", "replay_request_schema", "TimeRules", "#/$defs/time_rules"),
        ("ReplayWindow", "replay_request_schema", "Window", "#/$defs/window"),
        ("UsageEvent", "event_schema", "UsageEventEnvelope", ""),
        ("UsageSummaryDocument", "usage_summary_schema", "AggregateUsageSummary", ""),
        ("UsageSummaryRow", "usage_summary_schema", "Row", "#/$defs/row"),
        ("UsageSummarySuppression", "usage_summary_schema", "Suppression", "#/properties/suppression"),
        ("UsageSummaryTotals", "usage_summary_schema", "Totals", "#/properties/totals"),
    ],
}


def contract_majors() -> list[tuple[str, str]]:
    """Every (contract, vN) folder that holds at least one schema."""
    return sorted(
        (folder.parent.name, folder.name)
        for folder in SCHEMAS.glob("*/v*")
        if folder.is_dir() and any(folder.glob("*.schema.json"))
    )


def python_name(contract: str) -> str:
    """The package name the generator uses for a contract folder."""
    return contract.replace("-", "_")


def profiles() -> set[str]:
    """The codegen profile names declared in pyproject.toml."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return set(config["tool"]["datamodel-codegen"].get("profiles", {}))


def stage_schemas(stage: Path) -> None:
    """Copy every schema document (and nothing else) into ``stage``."""
    for source in sorted(SCHEMAS.rglob("*.schema.json")):
        target = stage / source.relative_to(SCHEMAS)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)


def generate(target: Path) -> None:
    """Write the complete generated tree into ``target`` (which must not exist)."""
    majors = contract_majors()
    missing = [f"{contract}-{major}" for contract, major in majors if f"{contract}-{major}" not in profiles()]
    if missing:
        sys.exit(f"codegen: no [tool.datamodel-codegen.profiles.<name>] for: {', '.join(missing)}")
    with tempfile.TemporaryDirectory(prefix="saas-contracts-codegen-") as scratch:
        stage = Path(scratch) / "schemas"
        stage_schemas(stage)
        target.mkdir(parents=True)
        (target / "__init__.py").write_text(PACKAGE_HEADER, encoding="utf-8")
        for contract, major in majors:
            out = Path(scratch) / f"out-{contract}-{major}"
            command = [
                sys.executable,
                "-m",
                "datamodel_code_generator",
                "--profile",
                f"{contract}-{major}",
                "--input",
                str(stage),
                "--output",
                str(out),
            ]
            result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
            if result.returncode != 0:
                sys.exit(f"codegen: datamodel-codegen failed for {contract}/{major}:\n{result.stderr}")
            package = target / python_name(contract)
            package.mkdir(exist_ok=True)
            (package / "__init__.py").write_text(PACKAGE_HEADER, encoding="utf-8")
            shutil.copytree(out / python_name(contract) / major, package / major)


Row = tuple[str, str, str, str, str, bool]
"""A checked entry: public name, module, generated name, schema reference, title, is a class."""


def _schema_name(contract: str, major: str, module: str) -> str:
    return f"{contract}/{major}/{module.removesuffix('_schema').replace('_', '-')}"


def _resolve(document: Any, fragment: str) -> Any:
    # RFC 6901 pointer into a schema document; "" is the document itself.
    node = document
    for token in fragment.removeprefix("#").split("/")[1:]:
        node = node[token.replace("~1", "/").replace("~0", "~")]
    return node


def _checked_entries(generated: Path) -> dict[tuple[str, str], list[Row]]:
    """The public table with schema references made absolute and every entry checked.

    Each entry becomes (public name, module, generated name, schema reference, title): the
    generated name must be defined in the generated module and the pointer must resolve.
    """
    majors = set(contract_majors())
    checked: dict[tuple[str, str], list[Row]] = {}
    for (contract, major), entries in sorted(PUBLIC_MODELS.items()):
        if (contract, major) not in majors:
            sys.exit(f"codegen: PUBLIC_MODELS names {contract}/{major}, which has no schemas")
        rows = []
        for public, module, name, fragment in entries:
            source = generated / python_name(contract) / major / f"{module}.py"
            text = source.read_text(encoding="utf-8") if source.exists() else ""
            is_class = re.search(rf"^class {name}\b", text, re.MULTILINE) is not None
            if not is_class and not re.search(rf"^{name}: TypeAlias = ", text, re.MULTILINE):
                sys.exit(f"codegen: PUBLIC_MODELS {public}: {module}.{name} is not generated")
            schema_file = SCHEMAS / f"{_schema_name(contract, major, module)}.schema.json"
            document = json.loads(schema_file.read_text(encoding="utf-8"))
            try:
                node = _resolve(document, fragment)
            except (KeyError, TypeError):
                sys.exit(
                    f"codegen: PUBLIC_MODELS {public}: {fragment} does not resolve in {schema_file.name}"
                )
            schema = _schema_name(contract, major, module) + fragment
            title = node.get("title", "") if isinstance(node, dict) else ""
            rows.append((public, module, name, schema, title, is_class))
        names = [row[0] for row in rows]
        if len(set(names)) != len(names):
            sys.exit(f"codegen: PUBLIC_MODELS {contract}/{major} repeats a public name")
        checked[(contract, major)] = sorted(rows)
    return checked


def _public_module(contract: str, major: str, rows: list[Row]) -> str:
    """The text of ``saas_contracts/models/<contract>/<major>.py``."""
    package = f"saas_contracts._generated.{python_name(contract)}.{major}"
    lines = [
        f'"""Public models of the {contract}/{major} contract (schemas/{contract}/{major}/).',
        "",
        "GENERATED by scripts/codegen.py from its PUBLIC_MODELS table. DO NOT EDIT.",
        "Change the table or the schema and run `python scripts/codegen.py` instead.",
        "",
        "Classes are frozen, keyword-only dataclasses: build them with keyword arguments, or",
        "from JSON with ``saas_contracts.models.load_model(Model, data)``, which validates.",
        "Type aliases (``Literal`` for closed vocabularies) fit a product's own signatures.",
        "The name mapping is documented in docs/models.md.",
        '"""',
        "",
        "from __future__ import annotations",
        "",
        "from typing import Any, Final",
        "",
    ]
    for module in sorted({row[1] for row in rows}):
        imported = sorted((name, public) for public, source, name, *_ in rows if source == module)
        lines.append(f"from {package}.{module} import (")
        lines.extend(
            f"    {name}," if name == public else f"    {name} as {public}," for name, public in imported
        )
        lines.append(")")
    lines.extend(["", "__all__ = ["])
    lines.extend(f'    "{public}",' for public in sorted(row[0] for row in rows))
    lines.extend(["]", ""])
    classes = [row for row in rows if row[5]]
    lines.append("# Each public class: its public name and the schema (name#pointer) it validates against.")
    if classes:
        lines.append("_MODELS: Final[dict[type[Any], tuple[str, str]]] = {")
        lines.extend(f'    {public}: ("{public}", "{schema}"),' for public, _, _, schema, *_ in classes)
        lines.append("}")
    else:
        lines.append("_MODELS: Final[dict[type[Any], tuple[str, str]]] = {}")
    return "\n".join(lines) + "\n"


def _doc(checked: dict[tuple[str, str], list[Row]]) -> str:
    """The text of docs/models.md: schema titles and generated names -> public names."""
    lines = [
        "<!-- GENERATED by scripts/codegen.py from its PUBLIC_MODELS table. DO NOT EDIT. -->",
        "",
        "# Public models",
        "",
        "Python products import the typed models of one contract major from",
        "`saas_contracts.models.<contract>.v<major>`. Each public name re-exports a dataclass (or type",
        "alias) that datamodel-code-generator wrote under `saas_contracts._generated`; the generated",
        "name follows the schema's `title`, the public name is chosen for readers. A class validates",
        "against the schema in the last column (`load_model(Model, data)`, `ensure_model_valid(model)`).",
        "Fixture and meta schemas are repository tooling and have no public module.",
    ]
    for (contract, major), rows in checked.items():
        module = f"saas_contracts.models.{python_name(contract)}.{major}"
        lines.extend(
            [
                "",
                f"## `{module}`",
                "",
                "| public name | generated name | schema title | validates against |",
                "| --- | --- | --- | --- |",
            ]
        )
        for public, source, name, schema, title, is_class in rows:
            target = f"`{schema}`" if is_class else f"type alias of `{schema}`"
            lines.append(f"| `{public}` | `{source}.{name}` | {title or '-'} | {target} |")
    return "\n".join(lines) + "\n"


def generate_public(generated: Path, target: Path) -> None:
    """Write the public re-export packages (``models/<contract>/``) and docs/models.md into ``target``."""
    checked = _checked_entries(generated)
    for (contract, major), rows in checked.items():
        package = target / "models" / python_name(contract)
        package.mkdir(parents=True, exist_ok=True)
        (package / "__init__.py").write_text(
            f'"""Public models of the {contract} contract, one module per major (see scripts/codegen.py).'
            ' DO NOT EDIT."""\n',
            encoding="utf-8",
        )
        (package / f"{major}.py").write_text(_public_module(contract, major, rows), encoding="utf-8")
    (target / "docs").mkdir(parents=True, exist_ok=True)
    (target / "docs" / "models.md").write_text(_doc(checked), encoding="utf-8")


def _public_files(models: Path) -> set[Path]:
    # The generator owns every file inside the per-contract folders, never models/*.py itself.
    if not models.exists():
        return set()
    return {
        path.relative_to(models)
        for path in models.glob("*/**/*")
        if path.is_file() and "__pycache__" not in path.parts
    }


def compare_public(fresh: Path) -> list[str]:
    """Drift and orphans of the public models and their doc against the checkout."""
    problems: list[str] = []
    want = _public_files(fresh / "models")
    have = _public_files(PUBLIC)
    problems.extend(f"missing: models/{path}" for path in sorted(want - have))
    problems.extend(f"orphan (not in PUBLIC_MODELS): models/{path}" for path in sorted(have - want))
    problems.extend(
        f"drift: models/{path}"
        for path in sorted(want & have)
        if not filecmp.cmp(fresh / "models" / path, PUBLIC / path, shallow=False)
    )
    if not DOC.exists():
        problems.append("missing: docs/models.md")
    elif not filecmp.cmp(fresh / "docs" / "models.md", DOC, shallow=False):
        problems.append("drift: docs/models.md")
    return problems


def write_public(fresh: Path) -> None:
    """Replace the generated public packages and docs/models.md with the fresh ones."""
    for folder in [path for path in PUBLIC.iterdir() if path.is_dir()] if PUBLIC.exists() else []:
        shutil.rmtree(folder)
    for folder in (fresh / "models").iterdir():
        shutil.copytree(folder, PUBLIC / folder.name)
    DOC.parent.mkdir(exist_ok=True)
    shutil.copyfile(fresh / "docs" / "models.md", DOC)


def compare(expected: Path, actual: Path) -> list[str]:
    """Human-readable differences between two generated trees."""
    problems: list[str] = []
    want = {path.relative_to(expected) for path in expected.rglob("*.py")}
    have = {path.relative_to(actual) for path in actual.rglob("*.py")} if actual.exists() else set()
    problems.extend(f"missing: {path}" for path in sorted(want - have))
    problems.extend(f"orphan (no schema generates it): {path}" for path in sorted(have - want))
    problems.extend(
        f"drift: {path}"
        for path in sorted(want & have)
        if not filecmp.cmp(expected / path, actual / path, shallow=False)
    )
    return problems


def main() -> int:
    """Regenerate, or with --check report drift and exit 1."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--check", action="store_true", help="fail on drift or orphan files; write nothing")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="saas-contracts-generated-") as scratch:
        fresh = Path(scratch) / "_generated"
        generate(fresh)
        public = Path(scratch) / "public"
        generate_public(fresh, public)
        if args.check:
            problems = compare(fresh, OUTPUT) + compare_public(public)
            for problem in problems:
                print(f"codegen --check: {problem}")
            if problems:
                print("codegen --check: bindings are out of date; run `python scripts/codegen.py`")
                return 1
            print(
                f"codegen --check: {len(list(fresh.rglob('*.py')))} generated files, "
                f"{len(_public_files(public / 'models'))} public model files and docs/models.md up to date"
            )
            return 0
        if OUTPUT.exists():
            shutil.rmtree(OUTPUT)
        shutil.copytree(fresh, OUTPUT)
        write_public(public)
        print(f"codegen: wrote {len(list(OUTPUT.rglob('*.py')))} files to {OUTPUT.relative_to(ROOT)}")
        print(f"codegen: wrote {len(_public_files(PUBLIC))} public model files and {DOC.relative_to(ROOT)}")
        return 0


if __name__ == "__main__":
    raise SystemExit(main())
