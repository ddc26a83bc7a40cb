// An independent oracle for Python's validator: load every packaged schema the way a
// template does (Ajv 2020-12 strict mode + ajv-formats), then print Ajv's verdicts (and
// V8's RegExp answers) for the shared case files as JSON on stdout.
// tests/test_node_agreement.py compares them with Python's verdicts, case by case.
// Nothing here reimplements the package: its own checks are vitest tests in packages/contracts/test.
//
//   node node/agreement.mjs <repo-root>
import fs from "node:fs";
import path from "node:path";
import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { loadAjv, readJson, schemaFiles } from "./schemas.mjs";
import { addUserFormats } from "./user-formats.mjs";

const root = path.resolve(process.argv[2] ?? ".");
const ajv = loadAjv(root);
const compiled = {};
for (const file of schemaFiles(root)) {
  const { $id } = readJson(file);
  try {
    ajv.getSchema($id);
    compiled[path.relative(path.join(root, "schemas"), file)] = "ok";
  } catch (error) {
    compiled[path.relative(path.join(root, "schemas"), file)] = String(error.message);
  }
}

const verdicts = [];
const caseDir = path.join(root, "tests", "cases", "schemas");
for (const file of fs.readdirSync(caseDir).filter((name) => name.endsWith(".json")).sort()) {
  readJson(path.join(caseDir, file)).forEach((group, groupIndex) => {
    let validate;
    try {
      validate = ajv.compile({ $schema: "https://json-schema.org/draft/2020-12/schema", ...group.schema });
    } catch (error) {
      verdicts.push({ file, group: groupIndex, test: -1, error: String(error.message) });
      return;
    }
    group.tests.forEach((test, testIndex) => {
      verdicts.push({ file, group: groupIndex, test: testIndex, valid: validate(test.data) });
    });
  });
}

// Bare schemas (what `diff` and `validate` read from users): ajv-formats' full mode with
// date-time, time and regex from user-formats.mjs, the answers Python gives (_formats.py).
// strictTypes is off: a user schema may say `format` without `type`, as JSON Schema allows.
const userAjv = addUserFormats(
  addFormats(new Ajv2020({ strict: true, strictTypes: false, allErrors: true }), { mode: "full" }),
);
const formats = readJson(path.join(root, "tests", "cases", "formats.json")).flatMap((group, groupIndex) => {
  let validate;
  try {
    validate = userAjv.compile({ $schema: "https://json-schema.org/draft/2020-12/schema", ...group.schema });
  } catch (error) {
    return [{ group: groupIndex, test: -1, error: String(error.message) }];
  }
  return group.tests.map((test, testIndex) => ({ group: groupIndex, test: testIndex, valid: validate(test.data) }));
});

const patterns = readJson(path.join(root, "tests", "cases", "ecma-patterns.json")).map(
  (item) => new RegExp(item.pattern, "u").test(item.input),
);

process.stdout.write(JSON.stringify({ compiled, verdicts, formats, patterns }));
