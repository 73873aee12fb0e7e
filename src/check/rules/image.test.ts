import { describe, expect, test } from "vitest";

import { validateConfig } from "../validate.js";

const configFile = "/project/image.config.ts";

function check(config: object) {
  return validateConfig({ name: "app", ...config }, { configFile });
}

function codesOf(config: object) {
  return check(config).diagnostics.map((d) => [d.code, d.path]);
}

describe("name", () => {
  test.each(["app", "my-app", "my_app", "my__app", "my.app", "app2", "a--b"])(
    "accepts %s",
    (name) => {
      expect(codesOf({ name })).toEqual([]);
    },
  );

  test.each(["App", "my app", "-app", "app-", "my/app", "a..b", ""])("rejects %j", (name) => {
    expect(codesOf({ name })).toEqual([["IMGC2010", "name"]]);
  });

  test("suggests a valid name", () => {
    expect(check({ name: "My App" }).diagnostics[0]?.fix).toContain('"my-app"');
  });

  test("rejects a name that is not a string", () => {
    expect(codesOf({ name: 1 })).toEqual([["IMGC2003", "name"]]);
  });

  test("accepts 128 characters", () => {
    expect(codesOf({ name: "a".repeat(128) })).toEqual([]);
  });

  test("rejects 129 characters", () => {
    const { diagnostics } = check({ name: "a".repeat(129) });
    expect(diagnostics.map((d) => [d.code, d.path])).toEqual([["IMGC2010", "name"]]);
    expect(diagnostics[0]?.message).toContain("129 characters");
    expect(diagnostics[0]?.fix).toContain("at most 128 characters");
  });

  test("suggests a name of at most 128 characters", () => {
    const fix = check({ name: `${"A".repeat(127)} B` }).diagnostics[0]?.fix;
    expect(fix).toContain(`"${"a".repeat(127)}"`);
  });
});

describe("tags", () => {
  test("accepts OCI tags and drops duplicates", () => {
    const tags = ["1.0.0", "latest", "_x", "A-b.c", "1.0.0", "t".repeat(128)];
    expect(check({ tags }).spec?.tags).toEqual(["1.0.0", "latest", "_x", "A-b.c", "t".repeat(128)]);
  });

  test("rejects invalid tags", () => {
    expect(codesOf({ tags: ["-x", ".x", "a/b", "a+b", "t".repeat(129), ""] })).toEqual([
      ["IMGC2010", "tags[0]"],
      ["IMGC2010", "tags[1]"],
      ["IMGC2010", "tags[2]"],
      ["IMGC2010", "tags[3]"],
      ["IMGC2010", "tags[4]"],
      ["IMGC2010", "tags[5]"],
    ]);
  });

  test("rejects an empty list", () => {
    expect(codesOf({ tags: [] })).toEqual([["IMGC2010", "tags"]]);
  });
});

describe("platforms", () => {
  test("accepts linux/amd64 and linux/arm64 without duplicates", () => {
    const platforms = ["linux/arm64", "linux/amd64", "linux/arm64"];
    expect(check({ platforms }).spec?.platforms).toEqual(["linux/arm64", "linux/amd64"]);
  });

  test("rejects others with a suggestion", () => {
    const { diagnostics } = check({
      platforms: ["linux/aarch64", "windows/amd64", "linux/arm/v7"],
    });
    expect(diagnostics.map((d) => [d.code, d.path])).toEqual([
      ["IMGC2012", "platforms[0]"],
      ["IMGC2012", "platforms[1]"],
      ["IMGC2012", "platforms[2]"],
    ]);
    expect(diagnostics[0]?.fix).toContain('Did you mean "linux/arm64"?');
  });

  test("rejects an empty list", () => {
    expect(codesOf({ platforms: [] })).toEqual([["IMGC2010", "platforms"]]);
  });
});

describe("base", () => {
  test.each([
    ["scratch", { kind: "scratch" }],
    ["oci:./base:1.0", { kind: "oci-layout", path: "/project/base", tag: "1.0" }],
    ["oci:../layouts/base", { kind: "oci-layout", path: "/layouts/base", tag: undefined }],
    ["oci:/abs/base:v2", { kind: "oci-layout", path: "/abs/base", tag: "v2" }],
    [
      { kind: "oci-layout", path: "base" },
      { kind: "oci-layout", path: "/project/base", tag: undefined },
    ],
    [
      { kind: "oci-layout", path: "base", tag: "x" },
      { kind: "oci-layout", path: "/project/base", tag: "x" },
    ],
  ])("parses %j", (base, expected) => {
    const { spec, diagnostics } = check({ base });
    expect(diagnostics).toEqual([]);
    expect(spec?.base).toEqual(expected);
  });

  test("rejects registry references", () => {
    expect(codesOf({ base: "debian:trixie" })).toEqual([["IMGC2010", "base"]]);
  });

  test("rejects an invalid tag or an empty path", () => {
    expect(codesOf({ base: "oci:./base:-x" })).toEqual([["IMGC2010", "base"]]);
    expect(codesOf({ base: "oci::1.0" })).toEqual([["IMGC2010", "base"]]);
    expect(codesOf({ base: { kind: "oci-layout", path: "", tag: "a b" } })).toEqual([
      ["IMGC2010", "base.path"],
      ["IMGC2010", "base.tag"],
    ]);
  });

  test("rejects other objects", () => {
    expect(codesOf({ base: { path: "./base" } })).toEqual([["IMGC2003", "base"]]);
  });
});
