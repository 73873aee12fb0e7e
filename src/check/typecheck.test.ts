import { symlink, utimes, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { describe, expect, test } from "vitest";

import { positionOf, writeFixture } from "../../test/helpers/config-fixture.js";
import { typecheckConfig } from "./typecheck.js";

const repositoryRoot = fileURLToPath(new URL("../../", import.meta.url));

describe("typecheckConfig", () => {
  test("passes a valid config", async () => {
    const folder = await writeFixture({
      "image.config.ts": [
        'import { copy, debian, defineImage, dir, ociLayout, symlink, text } from "imgc";',
        "export default defineImage({",
        '  name: "app",',
        '  base: ociLayout("./base"),',
        '  packages: debian({ suite: "trixie", packages: ["tzdata"] }),',
        '  files: [copy("./a", "/a"), text("/b", "c"), symlink("/d", "/a"), dir("/e")],',
        '  user: { name: "app", uid: 10001 },',
        '  ports: [8080, "53/udp"],',
        "});",
      ].join("\n"),
    });
    expect(typecheckConfig(path.join(folder, "image.config.ts"))).toEqual([]);
  });

  test("reports an unknown key with its position", async () => {
    const source =
      'import { defineImage } from "imgc";\nexport default defineImage({\n  name: "a",\n  nmae: "b",\n});\n';
    const folder = await writeFixture({ "image.config.ts": source });
    const file = path.join(folder, "image.config.ts");
    const diagnostics = typecheckConfig(file);
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]?.code).toBe("IMGC2001");
    expect(diagnostics[0]?.message).toContain("'nmae' does not exist in type 'ImageConfig'");
    expect(diagnostics[0]?.location).toEqual({ file, ...positionOf(source, "nmae") });
  });

  test("reports an unknown helper option", async () => {
    const source =
      'import { copy, defineImage } from "imgc";\nexport default defineImage({ name: "a", files: [copy("./a", "/a", { mdoe: 0o644 })] });\n';
    const folder = await writeFixture({ "image.config.ts": source });
    const file = path.join(folder, "image.config.ts");
    const diagnostics = typecheckConfig(file);
    expect(diagnostics.map((d) => d.location)).toEqual([{ file, ...positionOf(source, "mdoe") }]);
  });

  test("flattens a nested message", async () => {
    const source =
      'import { defineImage } from "imgc";\nexport default defineImage({ name: "a", user: { name: "app", uid: "1" } });\n';
    const folder = await writeFixture({ "image.config.ts": source });
    const [diagnostic] = typecheckConfig(path.join(folder, "image.config.ts"));
    expect(diagnostic?.message).toBe("Type 'string' is not assignable to type 'number'. (TS2322)");
    expect(diagnostic?.location?.line).toBe(2);
  });

  test("reports errors in local imports", async () => {
    const settings = 'export const port: number = "8080";\n';
    const folder = await writeFixture({
      "image.config.ts":
        'import { defineImage } from "imgc";\nimport { port } from "./settings.ts";\nexport default defineImage({ name: "a", ports: [port] });\n',
      "settings.ts": settings,
    });
    const diagnostics = typecheckConfig(path.join(folder, "image.config.ts"));
    expect(diagnostics.map((d) => d.location)).toEqual([
      { file: path.join(folder, "settings.ts"), ...positionOf(settings, "port:") },
    ]);
  });

  test("checks against this imgc's types", async () => {
    const folder = await writeFixture({
      "image.config.ts":
        'import { defineImage } from "imgc";\nexport default defineImage({ name: "a", tags: ["1"] });\n',
      "node_modules/imgc/package.json": '{ "name": "imgc", "types": "index.d.ts" }',
      "node_modules/imgc/index.d.ts":
        "export declare function defineImage(config: { other: number }): void;\n",
    });
    expect(typecheckConfig(path.join(folder, "image.config.ts"))).toEqual([]);
  });

  test("types process only with @types/node", async () => {
    const source = 'export default { name: process.env["NAME"] ?? "a" };\n';
    const without = await writeFixture({ "image.config.ts": source });
    const withTypes = await writeFixture({ "image.config.ts": source });
    await symlink(
      path.join(repositoryRoot, "node_modules"),
      path.join(withTypes, "node_modules"),
      "dir",
    );
    const [missing] = typecheckConfig(path.join(without, "image.config.ts"));
    expect(missing?.message).toContain("Cannot find name 'process'");
    expect(typecheckConfig(path.join(withTypes, "image.config.ts"))).toEqual([]);
  });

  test("rereads an edited declaration file", async () => {
    const folder = await writeFixture({
      "image.config.ts":
        'import type { Port } from "./port.js";\nconst port: Port = 8080;\nexport default { name: "a", ports: [port] };\n',
      "port.d.ts": "export type Port = number;\n",
    });
    const file = path.join(folder, "image.config.ts");
    expect(typecheckConfig(file)).toEqual([]);

    await writeFile(path.join(folder, "port.d.ts"), "export type Port = string;\n");
    const later = new Date(Date.now() + 10_000);
    await utimes(path.join(folder, "port.d.ts"), later, later);
    const [diagnostic] = typecheckConfig(file);
    expect(diagnostic?.message).toContain("not assignable to type 'string'");
  });

  test("reports syntax errors", async () => {
    const source = 'export default { name: "a",, };\n';
    const folder = await writeFixture({ "image.config.ts": source });
    const file = path.join(folder, "image.config.ts");
    const diagnostics = typecheckConfig(file);
    expect(diagnostics[0]?.location).toEqual({ file, ...positionOf(source, ", }") });
  });
});
