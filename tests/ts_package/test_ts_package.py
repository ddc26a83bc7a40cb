"""The TypeScript package (packages/contracts) is current, type-checks, and agrees with Python in workerd."""

from __future__ import annotations

import json

import pytest
from tests.ts_package import _reference
from tests.ts_package._support import PACKAGE_DIR, run_in_package

pytestmark = [pytest.mark.node, pytest.mark.slow]  # each test runs Node tooling for seconds


class TestGeneratedFiles:
    """packages/contracts/generated is what scripts/build.mjs writes (the drift gate)."""

    def test_generated_files_are_current(self):
        """`node scripts/build.mjs --check` finds no difference (else: `npm run generate`)."""
        result = run_in_package("run", "--silent", "check-generated")
        assert result.returncode == 0, result.stderr

    def test_package_version_follows_pyproject(self):
        """The npm package carries the Python package's version (build.mjs refuses otherwise)."""
        manifest = json.loads((PACKAGE_DIR / "package.json").read_text(encoding="utf-8"))
        generated = (PACKAGE_DIR / "generated" / "versions.js").read_text(encoding="utf-8")
        assert f'PACKAGE_VERSION = "{manifest["version"]}"' in generated


class TestTypeScriptSuite:
    """tsc strict and the vitest suite (workerd, Node, packed tarball) pass against Python's answers."""

    def test_typecheck(self):
        """tsc --strict --noUncheckedIndexedAccess --exactOptionalPropertyTypes over src, generated, tests."""
        result = run_in_package("run", "--silent", "typecheck")
        assert result.returncode == 0, result.stdout + result.stderr

    def test_vitest_agrees_with_python(self, tmp_path):
        """Python writes its answers; every vitest test comparing with them passes, workerd ones included."""
        reference = tmp_path / "reference.json"
        _reference.write(reference)
        report = tmp_path / "vitest.json"
        result = run_in_package(
            "exec",
            "--",
            "vitest",
            "run",
            "--reporter=json",
            f"--outputFile={report}",
            env={"PYTHON_REFERENCE": str(reference)},
        )
        summary = json.loads(report.read_text(encoding="utf-8"))
        failed = [
            test["fullName"]
            for suite in summary["testResults"]
            for test in suite["assertionResults"]
            if test["status"] != "passed"
        ]
        assert result.returncode == 0, failed or result.stderr[-2000:]
        assert not failed
        workerd = [suite for suite in summary["testResults"] if suite["name"].endswith("workerd.test.ts")]
        assert len(workerd) == 1
        assert len(workerd[0]["assertionResults"]) >= 60  # every event and decision vector, and more
