// Generates schema/image.schema.json from the ImageConfig type in src/config/types.ts, for
// editors and JSON or YAML configs. Run `npm run schema` after changing the config types;
// test/schema.test.ts fails while the committed file is stale.

import { writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";

import tsj from "ts-json-schema-generator";

const root = new URL("../", import.meta.url);

/** Path of the generated schema. */
export const schemaFile = fileURLToPath(new URL("schema/image.schema.json", root));

/** Returns the schema as the text `npm run schema` writes. */
export function generateSchemaText() {
  const config = {
    path: fileURLToPath(new URL("src/config/types.ts", root)),
    tsconfig: fileURLToPath(new URL("tsconfig.json", root)),
    type: "ImageConfig",
    expose: "export",
    topRef: true,
    jsDoc: "extended",
    // types.ts is checked by `npm run typecheck`; checking it again here only costs time.
    skipTypeCheck: true,
  };
  const schema = tsj.createGenerator(config).createSchema(config.type);
  // Sorted keys, 2-space indent and a final newline, so that regenerating an unchanged type
  // gives the same bytes and the staleness test can compare text.
  return `${JSON.stringify(sortKeys(schema), null, 2)}\n`;
}

function sortKeys(value) {
  if (Array.isArray(value)) {
    return value.map(sortKeys);
  }
  if (value === null || typeof value !== "object") {
    return value;
  }
  const sorted = {};
  for (const key of Object.keys(value).sort()) {
    sorted[key] = sortKeys(value[key]);
  }
  return sorted;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await writeFile(schemaFile, generateSchemaText());
  console.log(`wrote ${schemaFile}`);
}
