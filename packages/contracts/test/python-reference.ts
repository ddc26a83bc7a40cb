// Vitest global setup: make Python's answers available to the tests (tests/ts_package/_reference.py).
// PYTHON_REFERENCE names a file pytest already wrote; otherwise Python writes one now.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { TestProject } from "vitest/node";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "..");

function python(): string {
  if (process.env["PYTHON"]) return process.env["PYTHON"];
  const venv = path.join(ROOT, ".venv", "bin", "python");
  return fs.existsSync(venv) ? venv : "python3";
}

export default function setup(project: TestProject): () => void {
  let file = process.env["PYTHON_REFERENCE"];
  let scratch: string | undefined;
  if (file === undefined || file === "") {
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), "contracts-reference-"));
    file = path.join(scratch, "reference.json");
    const env = { ...process.env, PYTHONPATH: [path.join(ROOT, "src"), process.env["PYTHONPATH"]].filter(Boolean).join(path.delimiter) };
    execFileSync(python(), ["-m", "tests.ts_package._reference", file], { cwd: ROOT, env, stdio: "inherit" });
  }
  project.provide("pythonReference", file);
  return () => {
    if (scratch !== undefined) fs.rmSync(scratch, { recursive: true, force: true });
  };
}

declare module "vitest" {
  export interface ProvidedContext {
    pythonReference: string;
  }
}
