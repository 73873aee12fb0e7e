import { readdir } from "node:fs/promises";
import path from "node:path";

import { describe, expect, test } from "vitest";

import { positionOf, writeFixture } from "../../test/helpers/config-fixture.js";
import { ConfigLoadError } from "./config-load-error.js";
import { evaluateConfig } from "./evaluate-config.js";

async function evaluationError(file: string): Promise<ConfigLoadError> {
  const error: unknown = await evaluateConfig(file).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(ConfigLoadError);
  return error as ConfigLoadError;
}

async function temporaryFiles(folder: string): Promise<string[]> {
  return (await readdir(folder)).filter((name) => name.startsWith(".imgc-tmp-"));
}

describe("evaluateConfig", () => {
  test("evaluates a config with imgc's helpers", async () => {
    const folder = await writeFixture({
      "image.config.ts": [
        'import { copy, defineImage, ociLayout } from "imgc";',
        "export default defineImage({",
        '  name: "app",',
        '  base: ociLayout("./base", "1.0"),',
        '  files: [copy("./src", "/app", { mode: 0o644 })],',
        "});",
      ].join("\n"),
    });
    const evaluated = await evaluateConfig(path.join(folder, "image.config.ts"));
    expect(evaluated.config).toEqual({
      name: "app",
      base: { kind: "oci-layout", path: "./base", tag: "1.0" },
      files: [{ kind: "copy", src: "./src", dest: "/app", mode: 0o644 }],
    });
  });

  test("bundles a local import and lists it", async () => {
    const folder = await writeFixture({
      "image.config.ts": [
        'import { defineImage } from "imgc";',
        'import { port } from "./settings.ts";',
        'export default defineImage({ name: "app", ports: [port] });',
      ].join("\n"),
      "settings.ts": "export const port: number = 8080;\n",
    });
    const evaluated = await evaluateConfig(path.join(folder, "image.config.ts"));
    expect(evaluated.config).toEqual({ name: "app", ports: [8080] });
    expect(evaluated.inputs).toEqual([
      path.join(folder, "image.config.ts"),
      path.join(folder, "settings.ts"),
    ]);
  });

  test("uses this imgc over node_modules/imgc", async () => {
    const folder = await writeFixture({
      "image.config.ts":
        'import { text } from "imgc";\nexport default { name: "a", files: [text("/a", "b")] };',
      "node_modules/imgc/package.json": '{ "name": "imgc", "type": "module", "main": "index.js" }',
      "node_modules/imgc/index.js": 'export const text = () => "from node_modules";\n',
    });
    const evaluated = await evaluateConfig(path.join(folder, "image.config.ts"));
    expect(evaluated.config).toEqual({
      name: "a",
      files: [{ kind: "text", dest: "/a", content: "b" }],
    });
  });

  test("leaves npm packages to the config's node_modules", async () => {
    const folder = await writeFixture({
      "image.config.ts":
        'import { version } from "settings-package";\nexport default { name: version };',
      "node_modules/settings-package/package.json":
        '{ "name": "settings-package", "type": "module", "main": "index.js" }',
      "node_modules/settings-package/index.js": 'export const version = "from-package";\n',
    });
    const evaluated = await evaluateConfig(path.join(folder, "image.config.ts"));
    expect(evaluated.config).toEqual({ name: "from-package" });
    expect(evaluated.inputs).toEqual([path.join(folder, "image.config.ts")]);
  });

  test("deletes the temporary bundle", async () => {
    const folder = await writeFixture({ "image.config.ts": 'export default { name: "a" };' });
    await evaluateConfig(path.join(folder, "image.config.ts"));
    expect(await temporaryFiles(folder)).toEqual([]);
  });

  test("reports a throw at its source line", async () => {
    const settings = 'export const port = 8080;\nthrow new Error("settings are broken");\n';
    const folder = await writeFixture({
      "image.config.ts":
        'import { port } from "./settings.ts";\nexport default { name: "a", ports: [port] };',
      "settings.ts": settings,
    });
    const file = path.join(folder, "image.config.ts");
    const error = await evaluationError(file);
    expect(error.file).toBe(file);
    expect(error.diagnostics).toHaveLength(1);
    const diagnostic = error.diagnostics[0];
    expect(diagnostic?.code).toBe("IMGC1002");
    expect(diagnostic?.message).toContain("Error: settings are broken");
    expect(diagnostic?.location).toEqual({
      file: path.join(folder, "settings.ts"),
      ...positionOf(settings, "new Error"),
    });
    expect(await temporaryFiles(folder)).toEqual([]);
  });

  test("reports a syntax error at its position", async () => {
    const source = 'export default {\n  name: "a",,\n};\n';
    const folder = await writeFixture({ "image.config.ts": source });
    const file = path.join(folder, "image.config.ts");
    const diagnostic = (await evaluationError(file)).diagnostics[0];
    expect(diagnostic?.code).toBe("IMGC1002");
    expect(diagnostic?.location).toEqual({ file, ...positionOf(source, ",\n};") });
  });

  test("reports an unresolved local import", async () => {
    const source =
      'import { port } from "./missing.ts";\nexport default { name: "a", ports: [port] };\n';
    const folder = await writeFixture({ "image.config.ts": source });
    const file = path.join(folder, "image.config.ts");
    const diagnostic = (await evaluationError(file)).diagnostics[0];
    expect(diagnostic?.code).toBe("IMGC1002");
    expect(diagnostic?.message).toContain("./missing.ts");
    expect(diagnostic?.location).toEqual({ file, ...positionOf(source, '"./missing.ts"') });
  });

  test("reports a missing default export", async () => {
    const folder = await writeFixture({ "image.config.ts": 'export const image = { name: "a" };' });
    const file = path.join(folder, "image.config.ts");
    const diagnostic = (await evaluationError(file)).diagnostics[0];
    expect(diagnostic?.code).toBe("IMGC1003");
    expect(diagnostic?.message).toContain("image.config.ts");
    expect(diagnostic?.fix).toContain("export default");
  });

  test("gives the config its folder's import.meta.url", async () => {
    const folder = await writeFixture({
      "image.config.mjs": 'export default { name: new URL(".", import.meta.url).pathname };\n',
    });
    const evaluated = await evaluateConfig(path.join(folder, "image.config.mjs"));
    expect(evaluated.config).toEqual({ name: `${folder}/` });
  });
});
