"""Generate the dataclass bindings from schemas/, or check that they are up to date.

    python scripts/codegen.py           # regenerate src/saas_contracts/_generated/
    python scripts/codegen.py --check   # exit 1 on drift or orphan files, 0 when clean

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
import shutil
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCHEMAS = ROOT / "schemas"
OUTPUT = ROOT / "src" / "saas_contracts" / "_generated"
PACKAGE_HEADER = '"""Generated bindings (see scripts/codegen.py). DO NOT EDIT."""\n'


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
        if args.check:
            problems = compare(fresh, OUTPUT)
            for problem in problems:
                print(f"codegen --check: {problem}")
            if problems:
                print("codegen --check: bindings are out of date; run `python scripts/codegen.py`")
                return 1
            print(f"codegen --check: {len(list(fresh.rglob('*.py')))} generated files up to date")
            return 0
        if OUTPUT.exists():
            shutil.rmtree(OUTPUT)
        shutil.copytree(fresh, OUTPUT)
        print(f"codegen: wrote {len(list(OUTPUT.rglob('*.py')))} files to {OUTPUT.relative_to(ROOT)}")
        return 0


if __name__ == "__main__":
    raise SystemExit(main())
