import { readdir, readFile } from "node:fs/promises";
import path from "node:path";

import { afterEach, describe, expect, test } from "vitest";

import { positionOf, writeFixture } from "../../test/helpers/config-fixture.js";
import { ConfigLoadError } from "./config-load-error.js";
import { evaluateConfig, readConfigTimeout, type EvaluateOptions } from "./evaluate-config.js";

async function evaluationError(
  file: string,
  options: EvaluateOptions = {},
): Promise<ConfigLoadError> {
  const error: unknown = await evaluateConfig(file, options).then(
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

describe("evaluateConfig in a child process", () => {
  afterEach(() => {
    delete process.env["IMGC_CONFIG_TIMEOUT"];
  });

  test("reports process.exit at its call", async () => {
    const source = 'process.exit(0);\nexport default { name: "a" };\n';
    const folder = await writeFixture({ "image.config.ts": source });
    const file = path.join(folder, "image.config.ts");
    const error = await evaluationError(file);
    expect(error.diagnostics).toHaveLength(1);
    const diagnostic = error.diagnostics[0];
    expect(diagnostic?.code).toBe("IMGC1002");
    expect(diagnostic?.message).toContain("called process.exit(0)");
    expect(diagnostic?.location).toEqual({ file, ...positionOf(source, "exit(0)") });
    expect(await temporaryFiles(folder)).toEqual([]);
  });

  test("reports a top-level await that never settles", async () => {
    const folder = await writeFixture({
      "image.config.ts": 'await new Promise(() => {});\nexport default { name: "a" };\n',
    });
    const error = await evaluationError(path.join(folder, "image.config.ts"));
    expect(error.diagnostics[0]?.code).toBe("IMGC1002");
    expect(error.diagnostics[0]?.message).toContain("top-level await");
    expect(await temporaryFiles(folder)).toEqual([]);
  });

  test("kills a config that does not finish", async () => {
    const folder = await writeFixture({
      "image.config.ts": [
        'import { writeFileSync } from "node:fs";',
        'writeFileSync(new URL("./pid", import.meta.url), String(process.pid));',
        "while (true) {}",
        'export default { name: "a" };',
      ].join("\n"),
    });
    const started = Date.now();
    const error = await evaluationError(path.join(folder, "image.config.ts"), {
      timeoutSeconds: 1,
    });
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(error.diagnostics[0]?.code).toBe("IMGC1002");
    expect(error.diagnostics[0]?.message).toContain("did not finish evaluating within 1 s");
    expect(error.diagnostics[0]?.fix).toContain("IMGC_CONFIG_TIMEOUT");
    const pid = Number(await readFile(path.join(folder, "pid"), "utf8"));
    expect(() => process.kill(pid, 0)).toThrow(expect.objectContaining({ code: "ESRCH" }));
    expect(await temporaryFiles(folder)).toEqual([]);
  });

  test("takes the time limit from IMGC_CONFIG_TIMEOUT", async () => {
    const folder = await writeFixture({
      "image.config.ts":
        "await new Promise((resolve) => setTimeout(resolve, 60_000));\nexport default {};\n",
    });
    process.env["IMGC_CONFIG_TIMEOUT"] = "0.5";
    const error = await evaluationError(path.join(folder, "image.config.ts"));
    expect(error.diagnostics[0]?.message).toContain("within 0.5 s");
  });

  test("reports an uncaught callback error", async () => {
    const source =
      'setTimeout(() => {\n  throw new Error("later");\n}, 0);\nawait new Promise((resolve) => setTimeout(resolve, 1000));\nexport default { name: "a" };\n';
    const folder = await writeFixture({ "image.config.ts": source });
    const file = path.join(folder, "image.config.ts");
    const diagnostic = (await evaluationError(file)).diagnostics[0];
    expect(diagnostic?.code).toBe("IMGC1002");
    expect(diagnostic?.message).toContain("exited with code 1");
    expect(diagnostic?.message).toContain("Error: later");
    expect(diagnostic?.location).toEqual({ file, ...positionOf(source, "new Error") });
  });

  test("ends a config that leaves a timer running", async () => {
    const folder = await writeFixture({
      "image.config.ts": 'setInterval(() => {}, 1000);\nexport default { name: "a" };\n',
    });
    const evaluated = await evaluateConfig(path.join(folder, "image.config.ts"), {
      timeoutSeconds: 20,
    });
    expect(evaluated.config).toEqual({ name: "a" });
  });

  test("keeps the config's globals out of imgc", async () => {
    const folder = await writeFixture({
      "image.config.ts":
        '(globalThis as Record<string, unknown>)["imgcLeak"] = 1;\nexport default {};\n',
    });
    await evaluateConfig(path.join(folder, "image.config.ts"));
    expect((globalThis as Record<string, unknown>)["imgcLeak"]).toBeUndefined();
  });

  test("rejects a function as the default export", async () => {
    const folder = await writeFixture({
      "image.config.ts": 'export default () => ({ name: "a" });\n',
    });
    const diagnostic = (await evaluationError(path.join(folder, "image.config.ts"))).diagnostics[0];
    expect(diagnostic?.code).toBe("IMGC1003");
    expect(diagnostic?.message).toContain("is a function");
    expect(diagnostic?.fix).toContain("export default defineImage");
  });

  test("rejects values that are not plain data", async () => {
    const folder = await writeFixture({
      "image.config.ts": [
        "class Port {}",
        "const self: Record<string, unknown> = {};",
        "self.self = self;",
        'export default { name: "a", ports: [5n, new Port()], labels: new Map(), tags: [Symbol("t")], files: [() => 1], user: self };',
      ].join("\n"),
    });
    const { diagnostics } = await evaluationError(path.join(folder, "image.config.ts"));
    expect(diagnostics.map((d) => [d.code, d.path])).toEqual([
      ["IMGC1002", "ports[0]"],
      ["IMGC1002", "ports[1]"],
      ["IMGC1002", "labels"],
      ["IMGC1002", "tags[0]"],
      ["IMGC1002", "files[0]"],
      ["IMGC1002", "user.self"],
    ]);
    expect(diagnostics.map((d) => d.message)).toEqual([
      expect.stringContaining("is a bigint (5n)"),
      expect.stringContaining("is an instance of Port"),
      expect.stringContaining("is an instance of Map"),
      expect.stringContaining("is a symbol (Symbol(t))"),
      expect.stringContaining("is a function"),
      expect.stringContaining("contains it"),
    ]);
    expect(diagnostics[2]?.fix).toContain("Object.fromEntries");
  });

  test("keeps undefined, NaN and Infinity", async () => {
    const folder = await writeFixture({
      "image.config.ts":
        'export default { name: "a", ports: [NaN, Infinity, -Infinity, undefined], user: undefined };\n',
    });
    const { config } = await evaluateConfig(path.join(folder, "image.config.ts"));
    const { ports, ...rest } = config as { ports: unknown[] };
    expect(ports).toEqual([NaN, Infinity, -Infinity, undefined]);
    expect(ports).toHaveLength(4);
    expect(Object.keys(rest)).toEqual(["name", "user"]);
  });
});

describe("readConfigTimeout", () => {
  const file = "/project/image.config.ts";

  test("defaults to 30 seconds", () => {
    expect(readConfigTimeout(file, {})).toBe(30);
    expect(readConfigTimeout(file, { IMGC_CONFIG_TIMEOUT: "" })).toBe(30);
  });

  test("reads seconds", () => {
    expect(readConfigTimeout(file, { IMGC_CONFIG_TIMEOUT: "90" })).toBe(90);
    expect(readConfigTimeout(file, { IMGC_CONFIG_TIMEOUT: "2.5" })).toBe(2.5);
  });

  test.each(["abc", "0", "-5", "Infinity"])("rejects %j", (text) => {
    const read = () => readConfigTimeout(file, { IMGC_CONFIG_TIMEOUT: text });
    expect(read).toThrow(ConfigLoadError);
    expect(read).toThrow(`IMGC_CONFIG_TIMEOUT ${JSON.stringify(text)}`);
  });
});
