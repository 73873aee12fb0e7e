import path from "node:path";

import { describe, expect, test } from "vitest";

import { positionOf, writeFixture } from "../../test/helpers/config-fixture.js";
import { checkConfig } from "./check-config.js";

describe("checkConfig", () => {
  test("returns the spec and inputs of a valid config", async () => {
    const folder = await writeFixture({
      "image.config.ts":
        'import { defineImage } from "imgc";\nimport { port } from "./port.ts";\nexport default defineImage({ name: "app", ports: [port] });\n',
      "port.ts": "export const port = 8080;\n",
    });
    const result = await checkConfig(undefined, { typecheck: true, cwd: folder });
    expect(result.diagnostics).toEqual([]);
    expect(result.file).toBe(path.join(folder, "image.config.ts"));
    expect(result.spec?.ports).toEqual(["8080/tcp"]);
    expect(result.inputs).toEqual([
      path.join(folder, "image.config.ts"),
      path.join(folder, "port.ts"),
    ]);
  });

  test("reports type and validation errors together", async () => {
    const source = `import { defineImage, text } from "imgc";
const replicas: number = "3";
export default defineImage({ name: "app", files: [text("etc/motd", "hi")] });
`;
    const folder = await writeFixture({ "image.config.ts": source });
    const file = path.join(folder, "image.config.ts");
    const result = await checkConfig(file, { typecheck: true });
    expect(result.spec).toBeUndefined();
    expect(result.diagnostics.map((d) => [d.code, d.location])).toEqual([
      ["IMGC2001", { file, ...positionOf(source, "replicas") }],
      ["IMGC2005", { file, ...positionOf(source, '"etc/motd"') }],
    ]);
  });

  test("skips the type-checker when asked", async () => {
    const source = 'const replicas: number = "3";\nexport default { name: "app" };\n';
    const folder = await writeFixture({ "image.config.ts": source });
    const result = await checkConfig("image.config.ts", { typecheck: false, cwd: folder });
    expect(result.diagnostics).toEqual([]);
    expect(result.spec?.name).toBe("app");
  });

  test("fails on type errors alone", async () => {
    const source = 'const replicas: number = "3";\nexport default { name: "app" };\n';
    const folder = await writeFixture({ "image.config.ts": source });
    const result = await checkConfig("image.config.ts", { typecheck: true, cwd: folder });
    expect(result.diagnostics.map((d) => d.code)).toEqual(["IMGC2001"]);
    expect(result.spec).toBeUndefined();
  });

  test("reports one mistake once", async () => {
    const source = `import { defineImage } from "imgc";
export default defineImage({
  name: "app",
  user: { name: "app", uid: "1000" },
});
`;
    const folder = await writeFixture({ "image.config.ts": source });
    const result = await checkConfig("image.config.ts", { typecheck: true, cwd: folder });
    expect(result.diagnostics.map((d) => [d.code, d.path])).toEqual([["IMGC2003", "user.uid"]]);
  });

  test("type-checks a config that throws", async () => {
    const source = `const port: number = "80";
throw new Error("no port");
export default { name: "app", ports: [port] };
`;
    const folder = await writeFixture({ "image.config.ts": source });
    const file = path.join(folder, "image.config.ts");
    const result = await checkConfig(file, { typecheck: true });
    expect(result.file).toBe(file);
    expect(result.inputs).toEqual([file]);
    expect(result.diagnostics.map((d) => [d.code, d.location])).toEqual([
      ["IMGC2001", { file, ...positionOf(source, "port:") }],
      ["IMGC1002", { file, ...positionOf(source, "new Error") }],
    ]);
  });

  test("reports a syntax error once", async () => {
    const source =
      'import { defineImage } from "imgc";\nexport default defineImage({ name: "a" };\n';
    const folder = await writeFixture({ "image.config.ts": source });
    const file = path.join(folder, "image.config.ts");
    const result = await checkConfig(file, { typecheck: true });
    expect(result.diagnostics.map((d) => [d.code, d.location])).toEqual([
      ["IMGC1002", { file, ...positionOf(source, ";\n", 2) }],
    ]);
  });

  test("reports an unresolved import once", async () => {
    const source =
      'import { port } from "./missing.ts";\nexport default { name: "a", ports: [port] };\n';
    const folder = await writeFixture({ "image.config.ts": source });
    const result = await checkConfig("image.config.ts", { typecheck: true, cwd: folder });
    expect(result.diagnostics.map((d) => d.code)).toEqual(["IMGC1002"]);
  });

  test("keeps a second syntax error", async () => {
    const source = 'export default {\n  name: "a",,\n  tags: ["x" "y"],\n};\n';
    const folder = await writeFixture({ "image.config.ts": source });
    const result = await checkConfig("image.config.ts", { typecheck: true, cwd: folder });
    expect(result.diagnostics.map((d) => [d.code, d.location?.line])).toEqual([
      ["IMGC1002", 2],
      ["IMGC2001", 3],
    ]);
  });

  test("locates a value that is not plain data once", async () => {
    const source = `import { defineImage } from "imgc";
export default defineImage({ name: "app", labels: { built: new Date(0) } });
`;
    const folder = await writeFixture({ "image.config.ts": source });
    const file = path.join(folder, "image.config.ts");
    const result = await checkConfig(file, { typecheck: true });
    expect(result.diagnostics.map((d) => [d.code, d.path, d.location])).toEqual([
      ["IMGC1002", "labels.built", { file, ...positionOf(source, "new Date") }],
    ]);
  });

  test("reports a missing config", async () => {
    const folder = await writeFixture({ "package.json": "{}" });
    const result = await checkConfig(undefined, { typecheck: true, cwd: folder });
    expect(result.file).toBeUndefined();
    expect(result.diagnostics.map((d) => d.code)).toEqual(["IMGC1001"]);
  });

  test("validates a JSON config without type-checking", async () => {
    const folder = await writeFixture({ "image.config.json": '{ "name": "app", "tags": [1] }' });
    const result = await checkConfig(undefined, { typecheck: true, cwd: folder });
    expect(result.diagnostics.map((d) => [d.code, d.path])).toEqual([["IMGC2003", "tags[0]"]]);
  });
});
