import { readFile } from "node:fs/promises";

import { Ajv } from "ajv";
import { describe, expect, test } from "vitest";

import { copy, debian, defineImage, text } from "../src/config/index.js";

interface SchemaScript {
  generateSchemaText(): string;
  schemaFile: string;
}

// Imported by URL because the script is plain JavaScript without type declarations.
const scriptUrl = new URL("../scripts/generate-schema.mjs", import.meta.url).href;
const { generateSchemaText, schemaFile } = (await import(scriptUrl)) as SchemaScript;

const generated = generateSchemaText();
const schema = JSON.parse(generated) as object;
const validate = new Ajv({ allErrors: true, allowUnionTypes: true }).compile(schema);

/** The example of the design: every helper the config API has today. */
const example = defineImage({
  name: "hello",
  tags: ["1.0.0"],
  base: "scratch",
  platforms: ["linux/amd64", "linux/arm64"],
  packages: debian({ suite: "trixie", packages: ["nodejs", "ca-certificates", "tzdata"] }),
  files: [
    copy("./public", "/srv/www", { mode: 0o644, owner: "app" }),
    text("/etc/motd", "hello\n"),
  ],
  user: { name: "app", uid: 10001 },
  workdir: "/app",
  env: { NODE_ENV: "production" },
  entrypoint: ["/usr/bin/node", "/app/server.js"],
  ports: [8080],
  labels: { "org.opencontainers.image.source": "https://example.com/repo" },
});

describe("image.schema.json", () => {
  test("matches the config types", async () => {
    const committed = await readFile(schemaFile, "utf8");
    // On failure: run `npm run schema` and commit schema/image.schema.json.
    expect(committed).toBe(generated);
  });

  test("accepts the example config", () => {
    const valid = validate(JSON.parse(JSON.stringify(example)));
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });

  test("rejects an unknown key", () => {
    expect(validate({ ...example, nmae: "hello" })).toBe(false);
    expect(validate.errors?.[0]?.params).toEqual({ additionalProperty: "nmae" });
  });

  test("rejects a config without name", () => {
    const { name: _name, ...withoutName } = example;
    expect(validate(withoutName)).toBe(false);
    expect(validate.errors?.[0]?.params).toEqual({ missingProperty: "name" });
  });

  test("rejects a file entry without kind", () => {
    expect(validate({ name: "hello", files: [{ src: "./a", dest: "/a" }] })).toBe(false);
  });

  test("is sorted JSON with a final newline", () => {
    expect(generated.endsWith("}\n")).toBe(true);
    const topKeys = Object.keys(schema);
    expect(topKeys).toEqual([...topKeys].sort());
  });
});
