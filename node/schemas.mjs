// Load every packaged schema the way a TypeScript template does: Ajv 2020-12 in
// strict mode, ajv-formats for date-time, all files registered by their $id.
import fs from "node:fs";
import path from "node:path";
import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";

export const readJson = (file) => JSON.parse(fs.readFileSync(file, "utf8"));

const walk = (dir) =>
  fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? walk(full) : [full];
  });

/** Every `*.schema.json` under `<root>/schemas`, sorted. */
export function schemaFiles(root) {
  return walk(path.join(root, "schemas"))
    .filter((file) => file.endsWith(".schema.json"))
    .sort();
}

/** An Ajv instance holding every packaged schema (nothing is ever fetched). */
export function loadAjv(root) {
  const ajv = new Ajv2020({ strict: true, allErrors: true });
  addFormats(ajv, { mode: "full", formats: ["date-time"] });
  for (const file of schemaFiles(root)) ajv.addSchema(readJson(file));
  return ajv;
}

export const BASE_URI = "https://saas-contracts.dev/schemas/";
