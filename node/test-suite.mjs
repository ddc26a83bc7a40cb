// The JavaScript side of the official JSON Schema Test Suite run (draft 2020-12):
// every case through Ajv 2020 (strict: false, as the suite uses unknown keywords) with
// ajv-formats in full mode, the suite's remotes registered with addSchema under
// http://localhost:1234/ (Ajv never fetches: it has no loadSchema). Prints one JSON
// object on stdout: {"<file>": [[verdict, ...] per case], ...}, where a verdict is
// true/false, or "error: <message>" when the schema does not compile.
// tests/suite/test_official_suite.py compares it with Python's verdicts.
//
//   node node/test-suite.mjs <suite-root>   (the folder holding tests/ and remotes/)
import fs from "node:fs";
import path from "node:path";
import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";

import { addUserFormats } from "./user-formats.mjs";

const root = path.resolve(process.argv[2] ?? ".");
const DIALECT = "https://json-schema.org/draft/2020-12/schema";
const REMOTE_BASE = "http://localhost:1234/";

const walk = (dir) =>
  fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? walk(full) : [full];
  });
const relative = (base, file) => path.relative(base, file).split(path.sep).join("/");

// Ajv 2020 knows only the 2020-12 dialect: the remotes written for other drafts (the
// draftN/ folders, and the top-level files a 2020-12 metaschema rejects) are left out;
// the optional cases that reach one fail to compile instead (see the differences table).
const remotesDir = path.join(root, "remotes");
const probe = new Ajv2020({ strict: false, logger: false });
const remotes = walk(remotesDir)
  .filter((file) => file.endsWith(".json"))
  .sort()
  .map((file) => [relative(remotesDir, file), JSON.parse(fs.readFileSync(file, "utf8"))])
  .filter(([name]) => !name.includes("/") || name.startsWith("draft2020-12/"))
  .filter(([, schema]) => schema.$schema === undefined || schema.$schema === DIALECT)
  .filter(([, schema]) => probe.validateSchema(schema))
  .map(([name, schema]) => [REMOTE_BASE + name, schema]);

function freshAjv() {
  const ajv = new Ajv2020({ strict: false, logger: false, validateFormats: true });
  // The same date-time, time and regex formats the package's JavaScript side uses (RFC 3339,
  // ECMA-262 with the u flag), so a verdict difference means the engines differ, not our choices.
  addUserFormats(addFormats(ajv, { mode: "full" }));
  for (const [uri, schema] of remotes) ajv.addSchema(schema, uri);
  return ajv;
}

const testsDir = path.join(root, "tests", "draft2020-12");
const results = {};
for (const file of walk(testsDir).filter((name) => name.endsWith(".json")).sort()) {
  const cases = JSON.parse(fs.readFileSync(file, "utf8"));
  results[relative(testsDir, file)] = cases.map((group) => {
    // One instance per case: the suite reuses $ids across cases, which Ajv refuses twice.
    let validate;
    try {
      validate = freshAjv().compile(group.schema);
    } catch (error) {
      return group.tests.map(() => `error: ${error.message}`);
    }
    return group.tests.map((test) => {
      try {
        return validate(test.data);
      } catch (error) {
        return `error: ${error.message}`;
      }
    });
  });
}
process.stdout.write(JSON.stringify(results));
