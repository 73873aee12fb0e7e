import { describe, expect, it } from "vitest";

import { buildDebianIndex } from "./package-index.js";
import { resolveDebianPackages, toLockedPackage } from "./resolver.js";
import type { PackageRecord } from "./types.js";

function pkg(name: string, version: string, fields: Partial<PackageRecord> = {}): PackageRecord {
  return {
    name,
    version,
    architecture: "amd64",
    multiArch: "no",
    source: name,
    sourceVersion: version,
    depends: "",
    preDepends: "",
    provides: "",
    conflicts: "",
    breaks: "",
    essential: false,
    priority: "optional",
    filename: `pool/main/${name}_${version}_amd64.deb`,
    size: 100,
    sha256: "0".repeat(64),
    installedSize: 1,
    maintainer: "",
    description: "",
    homepage: "",
    section: "",
    ...fields,
  };
}

function resolve(records: PackageRecord[], requested: string[], preferred?: Map<string, string>) {
  const index = buildDebianIndex(
    { mirror: "http://mirror.test/debian", suite: "testing", date: "", sha256: "" },
    "amd64",
    records,
  );
  return resolveDebianPackages(index, requested, { architecture: "amd64", preferred });
}

function selected(result: ReturnType<typeof resolve>): string[] {
  return result.packages.map((record) => `${record.name}=${record.version}`);
}

describe("resolveDebianPackages", () => {
  it("pulls Depends and Pre-Depends transitively, sorted by name", () => {
    const result = resolve(
      [
        pkg("app", "1", { depends: "zlib", preDepends: "loader" }),
        pkg("zlib", "1", { depends: "libc" }),
        pkg("loader", "1"),
        pkg("libc", "2"),
        pkg("unrelated", "1"),
      ],
      ["app"],
    );
    expect(selected(result)).toEqual(["app=1", "libc=2", "loader=1", "zlib=1"]);
    expect(result.diagnostics).toEqual([]);
  });

  it("takes the highest version that meets the constraint", () => {
    const records = [pkg("lib", "1.0"), pkg("lib", "2.0"), pkg("lib", "1.5")];
    expect(selected(resolve([...records, pkg("a", "1", { depends: "lib" })], ["a"]))).toContain(
      "lib=2.0",
    );
    expect(
      selected(resolve([...records, pkg("a", "1", { depends: "lib (<< 2)" })], ["a"])),
    ).toContain("lib=1.5");
  });

  it("meets every constraint a package puts on one name", () => {
    const records = [
      pkg("a", "1", { depends: "lib (>= 1.5), lib (<< 2.0~)" }),
      pkg("lib", "1.6"),
      pkg("lib", "2.0~rc1"),
    ];
    expect(selected(resolve(records, ["a"]))).toEqual(["a=1", "lib=1.6"]);
  });

  it("takes the first satisfiable alternative", () => {
    const records = [
      pkg("a", "1", { depends: "missing | c (>= 2) | d | e" }),
      pkg("c", "1"),
      pkg("d", "1"),
      pkg("e", "1"),
    ];
    expect(selected(resolve(records, ["a"]))).toEqual(["a=1", "d=1"]);
  });

  it("takes an alternative already selected, whatever the request order", () => {
    const records = [pkg("a", "1", { depends: "c | d" }), pkg("c", "1"), pkg("d", "1")];
    expect(selected(resolve(records, ["a", "d"]))).toEqual(["a=1", "d=1"]);
    expect(selected(resolve(records, ["d", "a"]))).toEqual(["a=1", "d=1"]);
  });

  it("prefers a real package to a virtual one", () => {
    const records = [
      pkg("a", "1", { depends: "mta" }),
      pkg("mta", "1"),
      pkg("postfix", "1", { provides: "mta", priority: "required" }),
    ];
    expect(selected(resolve(records, ["a"]))).toEqual(["a=1", "mta=1"]);
  });

  it("picks a provider by Priority, then by name", () => {
    const providers = [
      pkg("b-mta", "1", { provides: "mta" }),
      pkg("a-mta", "1", { provides: "mta" }),
      pkg("z-mta", "1", { provides: "mta", priority: "important" }),
    ];
    const app = pkg("app", "1", { depends: "mta" });
    expect(selected(resolve([app, ...providers], ["app"]))).toEqual(["app=1", "z-mta=1"]);
    expect(selected(resolve([app, ...providers.slice(0, 2)], ["app"]))).toEqual([
      "a-mta=1",
      "app=1",
    ]);
  });

  it("keeps a provider that is already selected", () => {
    const records = [
      pkg("app", "1", { depends: "mta" }),
      pkg("a-mta", "1", { provides: "mta" }),
      pkg("b-mta", "1", { provides: "mta" }),
    ];
    expect(selected(resolve(records, ["app", "b-mta"]))).toEqual(["app=1", "b-mta=1"]);
  });

  it("matches versioned Provides only to versioned entries that fit", () => {
    const records = [
      pkg("app", "1", { depends: "abi (= 2)" }),
      pkg("p1", "1", { provides: "abi (= 1)" }),
      pkg("p2", "1", { provides: "abi (= 2)" }),
      pkg("p0", "1", { provides: "abi" }),
    ];
    expect(selected(resolve(records, ["app"]))).toEqual(["app=1", "p2=1"]);
  });

  it("resolves a requested virtual name to a provider", () => {
    const records = [pkg("lynx", "1", { provides: "www-browser" })];
    expect(selected(resolve(records, ["www-browser"]))).toEqual(["lynx=1"]);
  });

  it("installs architecture all packages", () => {
    const records = [
      pkg("app", "1", { depends: "data" }),
      pkg("data", "1", { architecture: "all" }),
    ];
    expect(selected(resolve(records, ["app"]))).toEqual(["app=1", "data=1"]);
  });

  it("drops packages of other architectures from the index", () => {
    const records = [pkg("tool", "1", { architecture: "arm64" })];
    expect(resolve(records, ["tool"]).diagnostics[0]?.code).toBe("IMGC3001");
  });

  it("honours :any only for Multi-Arch allowed", () => {
    const records = [
      pkg("a", "1", { depends: "python3:any" }),
      pkg("python3", "3", { multiArch: "allowed" }),
      pkg("b", "1", { depends: "tool:any" }),
      pkg("tool", "1"),
    ];
    expect(selected(resolve(records, ["a"]))).toEqual(["a=1", "python3=3"]);
    const result = resolve(records, ["b"]);
    expect(result.diagnostics.map((d) => d.code)).toEqual(["IMGC3002"]);
    expect(result.diagnostics[0]?.message).toContain("b → tool:any");
  });

  it("reads :native and the native architecture as plain names", () => {
    const records = [
      pkg("a", "1", { depends: "perl:native, gcc:amd64" }),
      pkg("perl", "5"),
      pkg("gcc", "14"),
    ];
    expect(selected(resolve(records, ["a"]))).toEqual(["a=1", "gcc=14", "perl=5"]);
  });

  it("skips dependencies restricted to other architectures", () => {
    const records = [pkg("a", "1", { depends: "winlib [!amd64], libc [amd64]" }), pkg("libc", "1")];
    expect(selected(resolve(records, ["a"]))).toEqual(["a=1", "libc=1"]);
  });

  it("treats Essential packages as present unless named", () => {
    const records = [
      pkg("app", "1", { depends: "coreutils (>= 9), awk, libc" }),
      pkg("coreutils", "9.4", { essential: true, depends: "libacl" }),
      pkg("mawk", "1", { essential: true, provides: "awk" }),
      pkg("libacl", "1"),
      pkg("libc", "1"),
    ];
    expect(selected(resolve(records, ["app"]))).toEqual(["app=1", "libc=1"]);
    expect(selected(resolve(records, ["app", "coreutils"]))).toEqual([
      "app=1",
      "coreutils=9.4",
      "libacl=1",
      "libc=1",
    ]);
  });

  it("pulls a package when no Essential version fits", () => {
    const records = [
      pkg("app", "1", { depends: "coreutils (>= 10)" }),
      pkg("coreutils", "9.4", { essential: true }),
      pkg("coreutils", "10.1"),
    ];
    expect(selected(resolve(records, ["app"]))).toEqual(["app=1", "coreutils=10.1"]);
  });

  it("keeps preferred versions that exist and fit", () => {
    const records = [
      pkg("a", "1", { depends: "lib (>= 1.5)" }),
      pkg("lib", "1.0"),
      pkg("lib", "1.5"),
      pkg("lib", "2.0"),
    ];
    expect(selected(resolve(records, ["a"], new Map([["lib", "1.5"]])))).toContain("lib=1.5");
    expect(selected(resolve(records, ["a"], new Map([["lib", "3.0"]])))).toContain("lib=2.0");
    expect(selected(resolve(records, ["a"], new Map([["lib", "1.0"]])))).toContain("lib=2.0");
    expect(selected(resolve(records, ["lib"], new Map([["lib", "1.0"]])))).toEqual(["lib=1.0"]);
  });

  it("selects a name requested twice once", () => {
    expect(selected(resolve([pkg("a", "1")], ["a", " a "]))).toEqual(["a=1"]);
  });
});

describe("resolveDebianPackages diagnostics", () => {
  it("reports an unknown name with suggestions, virtual names included", () => {
    const records = [pkg("nodejs", "20"), pkg("exim4", "4", { provides: "mail-transport-agent" })];
    const result = resolve(records, ["nodejs", "nodjs", "mail-transport-agnt", "zzzzzzzz"]);
    expect(result.diagnostics).toEqual([
      {
        code: "IMGC3001",
        severity: "error",
        message: 'package "nodjs" not found in testing (amd64)',
        path: "packages.packages[1]",
        fix: 'did you mean "nodejs"?',
      },
      expect.objectContaining({
        path: "packages.packages[2]",
        fix: 'did you mean "mail-transport-agent"?',
      }),
      expect.objectContaining({
        path: "packages.packages[3]",
        fix: "check the package name, the suite and `components` in debian({...})",
      }),
    ]);
    expect(selected(result)).toEqual(["nodejs=20"]);
  });

  it("names the chain of an unsatisfiable dependency", () => {
    const records = [
      pkg("nodejs", "20.19.2-1", { depends: "libnode115 (= 20.19.2-1)" }),
      pkg("libnode115", "20.19.2-1", { depends: "libc6, libfoo (>= 3)" }),
      pkg("libc6", "2.41"),
      pkg("libfoo", "2.1-1"),
    ];
    const [diagnostic] = resolve(records, ["nodejs"]).diagnostics;
    expect(diagnostic).toMatchObject({
      code: "IMGC3002",
      severity: "error",
      path: "packages.packages[0]",
    });
    expect(diagnostic?.message).toContain("nodejs → libnode115 (= 20.19.2-1) → libfoo (>= 3)");
    expect(diagnostic?.message).toContain("libfoo is available only as 2.1-1");
    expect(diagnostic?.fix).toMatch(/imgc lock --update/);
  });

  it("reports a dependency on a missing name", () => {
    const [diagnostic] = resolve(
      [pkg("a", "1", { depends: "ghost | phantom" })],
      ["a"],
    ).diagnostics;
    expect(diagnostic?.message).toContain(
      "no package ghost in testing; no package phantom in testing",
    );
  });

  it("reports a selected version that does not fit a later dependency", () => {
    const records = [
      pkg("a", "1", { depends: "lib (= 2)" }),
      pkg("c", "1", { depends: "lib (= 1)" }),
      pkg("lib", "1"),
      pkg("lib", "2"),
    ];
    const [diagnostic] = resolve(records, ["a", "c"]).diagnostics;
    expect(diagnostic?.code).toBe("IMGC3002");
    expect(diagnostic?.message).toContain("lib 2 is already selected (a → lib (= 2))");
    expect(diagnostic?.path).toBe("packages.packages[1]");
  });

  it("reports Conflicts between selected packages", () => {
    const records = [
      pkg("exim", "4", { conflicts: "postfix", depends: "exim-config" }),
      pkg("exim-config", "4"),
      pkg("postfix", "3"),
    ];
    const result = resolve(records, ["exim", "postfix"]);
    expect(result.diagnostics).toHaveLength(1);
    expect(result.diagnostics[0]).toMatchObject({ code: "IMGC3003", severity: "error" });
    expect(result.diagnostics[0]?.message).toMatch(
      /^exim 4 and postfix 3 cannot be installed together: exim has "Conflicts: postfix"/,
    );
    expect(selected(result)).toEqual(["exim=4", "exim-config=4", "postfix=3"]);
  });

  it("reports versioned Breaks only when the version matches", () => {
    const records = [pkg("new", "2", { breaks: "old (<< 2)" }), pkg("old", "1"), pkg("old", "2")];
    const broken = resolve(records, ["new", "old"], new Map([["old", "1"]]));
    expect(broken.diagnostics.map((d) => d.message)).toEqual([
      expect.stringContaining('new has "Breaks: old (<< 2)"'),
    ]);
    expect(resolve(records, ["new", "old"]).diagnostics).toEqual([]);
  });

  it("reports a conflict through a virtual name but not with itself", () => {
    const records = [
      pkg("exim", "4", { provides: "mta", conflicts: "mta" }),
      pkg("postfix", "3", { provides: "mta", conflicts: "mta" }),
    ];
    expect(resolve(records, ["exim"]).diagnostics).toEqual([]);
    const both = resolve(records, ["exim", "postfix"]).diagnostics;
    expect(both.map((d) => d.code)).toEqual(["IMGC3003"]);
  });
});

describe("toLockedPackage", () => {
  it("records the download URL and hashes", () => {
    const record = pkg("zlib1g", "1:1.3", {
      source: "zlib",
      sourceVersion: "1:1.3",
      sha256: "ab".repeat(32),
    });
    expect(toLockedPackage(record, "http://mirror.test/debian/")).toEqual({
      name: "zlib1g",
      version: "1:1.3",
      architecture: "amd64",
      source: "zlib",
      sourceVersion: "1:1.3",
      url: "http://mirror.test/debian/pool/main/zlib1g_1:1.3_amd64.deb",
      filename: "pool/main/zlib1g_1:1.3_amd64.deb",
      size: 100,
      sha256: "ab".repeat(32),
    });
  });
});
