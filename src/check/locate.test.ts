import { describe, expect, test } from "vitest";

import { positionOf } from "../../test/helpers/config-fixture.js";
import { locateConfigPath, parseConfigSource } from "./locate.js";

const file = "/project/image.config.ts";

/** Locates `configPath` in `source` and returns the line and column, or undefined. */
function locate(source: string, configPath: string, target?: "key" | "value", name = file) {
  const located = locateConfigPath(parseConfigSource(name, source), configPath, { target });
  return located === undefined
    ? undefined
    : { line: located.location.line, column: located.location.column, exact: located.exact };
}

const config = `import { copy, debian, defineImage, dir, ociLayout, symlink, text } from "imgc";

export default defineImage({
  name: "app",
  base: ociLayout("./base", "1.0"),
  packages: debian({ suite: "trixie", packages: ["tzdata", "nodejs"] }),
  files: [
    copy("./public", "/srv/www", { mode: 0o644, owner: "app" }),
    text("/etc/motd", "hello\\n", { mode: 0o600 }),
    symlink("/usr/bin/app", "/app/bin/app"),
    dir("/data", { owner: "app" }),
  ],
  user: { name: "app", uid: 10001 },
  "stopSignal": "SIGTERM",
});
`;

describe("locateConfigPath", () => {
  test.each([
    ["name", '"app"'],
    ["base.path", '"./base"'],
    ["base.tag", '"1.0"'],
    ["packages.suite", '"trixie"'],
    ["packages.packages[1]", '"nodejs"'],
    ["files[0].src", '"./public"'],
    ["files[0].dest", '"/srv/www"'],
    ["files[0].mode", "0o644"],
    ["files[0].owner", '"app" }'],
    ["files[1].dest", '"/etc/motd"'],
    ["files[1].content", '"hello'],
    ["files[1].mode", "0o600"],
    ["files[2].target", '"/app/bin/app"'],
    ["files[3].dest", '"/data"'],
    ["files[3].kind", "dir("],
    ["user.uid", "10001"],
    ["stopSignal", '"SIGTERM"'],
  ])("finds %s", (configPath, needle) => {
    expect(locate(config, configPath)).toEqual({ ...positionOf(config, needle), exact: true });
  });

  test("points at the key for unknown keys", () => {
    expect(locate(config, "user.uid", "key")).toEqual({
      ...positionOf(config, "uid"),
      exact: true,
    });
  });

  test("falls back to the enclosing value", () => {
    expect(locate(config, "user.gid")).toEqual({
      ...positionOf(config, '{ name: "app", uid'),
      exact: false,
    });
    expect(locate(config, "files[1].owner")).toEqual({
      ...positionOf(config, "{ mode: 0o600 }"),
      exact: false,
    });
    expect(locate(config, "files[3].target")).toEqual({
      ...positionOf(config, '{ owner: "app" })'),
      exact: false,
    });
    expect(locate(config, "files[2].owner")).toEqual({
      ...positionOf(config, "symlink("),
      exact: false,
    });
    expect(locate(config, "files[9]")).toEqual({
      ...positionOf(config, "[\n    copy"),
      exact: false,
    });
  });

  test("follows constants, spreads, satisfies and as", () => {
    const source = `import { text, type ImageConfig } from "imgc";
const common = [text("/a", "a")];
const user = { name: "app", uid: 10001 } as const;
const config = {
  name: "app",
  files: [...common, text("/b", "b")],
  user,
} satisfies ImageConfig;
export default (config as ImageConfig);
`;
    expect(locate(source, "files[0].dest")).toEqual({ ...positionOf(source, '"/a"'), exact: true });
    expect(locate(source, "files[1].dest")).toEqual({ ...positionOf(source, '"/b"'), exact: true });
    expect(locate(source, "user.uid")).toEqual({ ...positionOf(source, "10001"), exact: true });
  });

  test("follows a spread of a constant object", () => {
    const source = `const defaults = { name: "app", ports: [8080] };
export default { ...defaults, ports: [9090] };
`;
    expect(locate(source, "name")).toEqual({ ...positionOf(source, '"app"'), exact: true });
    expect(locate(source, "ports[0]")).toEqual({ ...positionOf(source, "9090"), exact: true });
  });

  test("follows renamed and namespace imports", () => {
    const source = `import * as imgc from "imgc";
import { copy as cp } from "imgc";
export default imgc.defineImage({
  name: "app",
  files: [cp("./a", "/a"), imgc.text("/b", "b")],
});
`;
    expect(locate(source, "files[0].dest")).toEqual({ ...positionOf(source, '"/a"'), exact: true });
    expect(locate(source, "files[1].content")).toEqual({
      ...positionOf(source, '"b"'),
      exact: true,
    });
  });

  test("finds export { config as default }", () => {
    const source = `const config = { name: "app" };\nexport { config as default };\n`;
    expect(locate(source, "name")).toEqual({ ...positionOf(source, '"app"'), exact: true });
  });

  test("locates values in JSON", () => {
    const source = `{\n  "name": "app",\n  "files": [{ "kind": "text", "dest": "etc/motd", "content": "" }]\n}\n`;
    expect(locate(source, "files[0].dest", "value", "/p/image.config.json")).toEqual({
      ...positionOf(source, '"etc/motd"'),
      exact: true,
    });
  });

  test("returns undefined without a default export", () => {
    expect(locate('export const config = { name: "app" };', "name")).toBeUndefined();
  });

  test("gives the span of the whole property", () => {
    const source = 'export default { name: "app", tags: ["1"] };';
    const located = locateConfigPath(parseConfigSource(file, source), "name");
    expect(source.slice(located?.start, located?.end)).toBe('name: "app"');
  });
});
