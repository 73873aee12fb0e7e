import { describe, expect, test } from "vitest";

import { validateConfig } from "../validate.js";

const configFile = "/project/image.config.ts";

function check(packages: object) {
  const debian = { kind: "debian", suite: "trixie", packages: ["tzdata"], ...packages };
  return validateConfig({ name: "app", packages: debian }, { configFile });
}

function codesOf(packages: object) {
  return check(packages).diagnostics.map((d) => [d.code, d.path]);
}

describe("debian packages", () => {
  test("fills defaults", () => {
    expect(check({}).spec?.debian).toEqual({
      suite: "trixie",
      packages: ["tzdata"],
      mirror: undefined,
      components: ["main"],
      keyring: "/usr/share/keyrings/debian-archive-keyring.gpg",
    });
  });

  test("resolves a relative keyring and trims the mirror", () => {
    const spec = check({ keyring: "keys/debian.gpg", mirror: "https://mirror.example/debian//" })
      .spec?.debian;
    expect(spec?.keyring).toBe("/project/keys/debian.gpg");
    expect(spec?.mirror).toBe("https://mirror.example/debian");
  });

  test("accepts valid package names", () => {
    expect(codesOf({ packages: ["libstdc++6", "ca-certificates", "python3.11", "g++"] })).toEqual(
      [],
    );
  });

  test("rejects invalid package names with fixes", () => {
    const { diagnostics } = check({
      packages: ["nodejs=20.19.2", "libc6:amd64", "Node", "a", "x y"],
    });
    expect(diagnostics.map((d) => [d.code, d.path])).toEqual([
      ["IMGC2010", "packages.packages[0]"],
      ["IMGC2010", "packages.packages[1]"],
      ["IMGC2010", "packages.packages[2]"],
      ["IMGC2010", "packages.packages[3]"],
      ["IMGC2010", "packages.packages[4]"],
    ]);
    expect(diagnostics[0]?.fix).toContain("image.lock.json");
    expect(diagnostics[1]?.fix).toContain('"libc6"');
    expect(diagnostics[2]?.fix).toContain('"node"');
  });

  test("rejects a mirror that is not http or https", () => {
    expect(codesOf({ mirror: "ftp://mirror.example/debian" })).toEqual([
      ["IMGC2010", "packages.mirror"],
    ]);
    expect(codesOf({ mirror: "mirror.example/debian" })).toEqual([["IMGC2010", "packages.mirror"]]);
  });

  test("rejects invalid suites and components", () => {
    expect(codesOf({ suite: "Trixie Main", components: ["main", "non free"] })).toEqual([
      ["IMGC2010", "packages.suite"],
      ["IMGC2010", "packages.components[1]"],
    ]);
    expect(codesOf({ components: [] })).toEqual([["IMGC2010", "packages.components"]]);
  });

  test("reports missing fields and unknown keys", () => {
    const { diagnostics } = validateConfig(
      { name: "app", packages: { kind: "debian", suit: "trixie", packages: ["tzdata"] } },
      { configFile },
    );
    expect(diagnostics.map((d) => [d.code, d.path])).toEqual([
      ["IMGC2002", "packages.suit"],
      ["IMGC2004", "packages.suite"],
    ]);
  });

  test("rejects a plain list of packages", () => {
    expect(
      validateConfig({ name: "app", packages: ["tzdata"] }, { configFile }).diagnostics.map((d) => [
        d.code,
        d.path,
      ]),
    ).toEqual([["IMGC2003", "packages"]]);
  });
});
