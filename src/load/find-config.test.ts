import path from "node:path";

import { describe, expect, test } from "vitest";

import { DiagnosticError } from "../diagnostics/diagnostic.js";
import { writeFixture } from "../../test/helpers/config-fixture.js";
import { ConfigLoadError } from "./config-load-error.js";
import { loadConfig } from "./find-config.js";

const tsConfig = (name: string) =>
  `import { defineImage } from "imgc";\nexport default defineImage({ name: "${name}" });\n`;

async function loadError(promise: Promise<unknown>): Promise<DiagnosticError> {
  const error: unknown = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(DiagnosticError);
  return error as DiagnosticError;
}

describe("loadConfig", () => {
  test("finds image.config.ts in the folder", async () => {
    const folder = await writeFixture({ "image.config.ts": tsConfig("found") });
    const loaded = await loadConfig(undefined, { cwd: folder });
    expect(loaded.file).toBe(path.join(folder, "image.config.ts"));
    expect(loaded.config).toEqual({ name: "found" });
  });

  test("prefers .ts over .mjs and .json", async () => {
    const folder = await writeFixture({
      "image.config.json": '{ "name": "json" }',
      "image.config.mjs": 'export default { name: "mjs" };',
      "image.config.ts": tsConfig("ts"),
    });
    const loaded = await loadConfig(undefined, { cwd: folder });
    expect(loaded.config).toEqual({ name: "ts" });
  });

  test("searches parent folders up to package.json", async () => {
    const folder = await writeFixture({
      "package.json": "{}",
      "image.config.mjs": 'export default { name: "parent" };',
      "src/app/.keep": "",
    });
    const loaded = await loadConfig(undefined, { cwd: path.join(folder, "src/app") });
    expect(loaded.file).toBe(path.join(folder, "image.config.mjs"));
  });

  test("stops at the project root", async () => {
    const folder = await writeFixture({
      "image.config.mjs": 'export default { name: "outside" };',
      "project/package.json": "{}",
    });
    const error = await loadError(loadConfig(undefined, { cwd: path.join(folder, "project") }));
    expect(error.diagnostics[0]?.code).toBe("IMGC1001");
  });

  test("reports no config found", async () => {
    const folder = await writeFixture({ "package.json": "{}" });
    const error = await loadError(loadConfig(undefined, { cwd: folder }));
    const diagnostic = error.diagnostics[0];
    expect(diagnostic?.code).toBe("IMGC1001");
    expect(diagnostic?.message).toContain(folder);
    expect(diagnostic?.message).toContain("image.config.ts");
    expect(diagnostic?.fix).toContain("image.config.ts");
  });

  test("uses an explicit path as given", async () => {
    const folder = await writeFixture({
      "image.config.ts": tsConfig("default"),
      "other.config.ts": tsConfig("other"),
    });
    const loaded = await loadConfig("other.config.ts", { cwd: folder });
    expect(loaded.file).toBe(path.join(folder, "other.config.ts"));
    expect(loaded.config).toEqual({ name: "other" });
  });

  test("reports a missing explicit path", async () => {
    const folder = await writeFixture({ "image.config.ts": tsConfig("present") });
    const error = await loadError(loadConfig("./missing.config.ts", { cwd: folder }));
    const diagnostic = error.diagnostics[0];
    expect(diagnostic?.code).toBe("IMGC1001");
    expect(diagnostic?.message).toContain("./missing.config.ts");
    expect(diagnostic?.message).toContain(path.join(folder, "missing.config.ts"));
    expect(diagnostic?.fix).toBeDefined();
  });

  test("reports an unsupported extension", async () => {
    const folder = await writeFixture({ "image.config.toml": 'name = "app"\n' });
    const error = await loadError(loadConfig("image.config.toml", { cwd: folder }));
    expect(error).toBeInstanceOf(ConfigLoadError);
    expect(error.diagnostics[0]?.code).toBe("IMGC1002");
    expect(error.diagnostics[0]?.message).toContain('".toml"');
  });

  test("searches an explicit folder", async () => {
    const folder = await writeFixture({ "images/web/image.config.ts": tsConfig("web") });
    const loaded = await loadConfig("images/web", { cwd: folder });
    expect(loaded.config).toEqual({ name: "web" });
  });

  test("reads JSON and YAML configs", async () => {
    const folder = await writeFixture({
      "a/image.config.json": '{ "name": "from-json" }',
      "b/image.config.yaml": 'name: from-yaml\ntags: ["1"]\n',
    });
    const json = await loadConfig("a/image.config.json", { cwd: folder });
    const yaml = await loadConfig("b", { cwd: folder });
    expect(json).toEqual({
      config: { name: "from-json" },
      file: path.join(folder, "a/image.config.json"),
      inputs: [path.join(folder, "a/image.config.json")],
    });
    expect(yaml.config).toEqual({ name: "from-yaml", tags: ["1"] });
  });

  test("reports invalid JSON with its position", async () => {
    const folder = await writeFixture({ "image.config.json": '{\n  "name": "x",\n}\n' });
    const error = await loadError(loadConfig(undefined, { cwd: folder }));
    expect(error).toBeInstanceOf(ConfigLoadError);
    const diagnostic = error.diagnostics[0];
    expect(diagnostic?.code).toBe("IMGC1002");
    expect(diagnostic?.location).toEqual({
      file: path.join(folder, "image.config.json"),
      line: 3,
      column: 1,
    });
  });

  test("reports invalid YAML with its position", async () => {
    const folder = await writeFixture({ "image.config.yml": "name: [a\ntags: b\n" });
    const error = await loadError(loadConfig(undefined, { cwd: folder }));
    const diagnostic = error.diagnostics[0];
    expect(diagnostic?.code).toBe("IMGC1002");
    expect(diagnostic?.location?.file).toBe(path.join(folder, "image.config.yml"));
    expect(diagnostic?.location?.line).toBe(2);
  });

  test("reports an empty config file", async () => {
    const folder = await writeFixture({ "image.config.ts": "  \n" });
    const error = await loadError(loadConfig("image.config.ts", { cwd: folder }));
    expect(error).toBeInstanceOf(ConfigLoadError);
    expect(error.diagnostics[0]?.code).toBe("IMGC1003");
  });
});
