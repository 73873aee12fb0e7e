import { describe, expect, it } from "vitest";

import {
  compareVersions,
  formatDependency,
  invalidVersionReason,
  parseRelations,
  parseVersion,
  relationApplies,
  satisfies,
  versionSatisfies,
} from "./version.js";

// Rows from dpkg's own comparison table (scripts/t/100_Dpkg_Version.t), plus the "~" ordering
// that deb-version(7) spells out.
const comparisons: [string, string, -1 | 0 | 1][] = [
  ["1.0-1", "2.0-2", -1],
  ["2.2~rc-4", "2.2-1", -1],
  ["2.2-1", "2.2~rc-4", 1],
  ["1.0000-1", "1.0-1", 0],
  ["1", "0:1", 0],
  ["0", "0:0-0", 0],
  ["2:2.5", "1:7.5", 1],
  ["1:foo", "foo", 1],
  ["0:foo", "foo", 0],
  ["foo", "foo", 0],
  ["foo-", "foo", 0],
  ["foo-", "foo-0", 0],
  ["foo", "fo", 1],
  ["foo-", "foo+", -1],
  ["foo~1", "foo", -1],
  ["foo~foo+Bar", "foo~foo+bar", -1],
  ["foo~~", "foo~", -1],
  ["1~", "1", -1],
  ["12345+that-really-is-some-ver-0", "12345+that-really-is-some-ver-10", -1],
  ["foo-0", "foo-01", -1],
  ["foo.bar", "foobar", 1],
  ["foo.bar", "foo1bar", 1],
  ["foo.bar", "foo0bar", 1],
  ["1foo-1", "foo-1", -1],
  ["foo2.0", "foo2", 1],
  ["foo2.0.0", "foo2.10.0", -1],
  ["foo2.0", "foo2.0.0", -1],
  ["foo2.0", "foo2.10", -1],
  ["foo2.1", "foo2.10", -1],
  ["1.09", "1.9", 0],
  ["1.0.8+nmu1", "1.0.8", 1],
  ["3.11", "3.10+nmu1", 1],
  ["0.9j-20080306-4", "0.9i-20070324-2", 1],
  ["1.2.0~b7-1", "1.2.0~b6-1", 1],
  ["1.011-1", "1.06-2", 1],
  ["0.0.9+dfsg1-1", "0.0.8+dfsg1-3", 1],
  ["4.6.99+svn6582-1", "4.6.99+svn6496-1", 1],
  ["53", "52", 1],
  ["0.9.9~pre122-1", "0.9.9~pre111-1", 1],
  ["2:2.3.2-2+lenny2", "2:2.3.2-2", 1],
  ["1:3.8.1-1", "3.8.GA-1", 1],
  ["1.0.1+gpl-1", "1.0.1-2", 1],
  ["1a", "1000a", -1],
  ["1.0~~", "1.0~~a", -1],
  ["1.0~~a", "1.0~", -1],
  ["1.0~", "1.0", -1],
  ["1.0", "1.0a", -1],
  ["1.0a", "1.0+", -1],
  ["20.19.2+dfsg-1+deb13u3", "20.19.2+dfsg-1", 1],
  ["16.13.2+really14.19.1~dfsg~", "16.13.2+really14.19.1~dfsg", -1],
];

describe("compareVersions", () => {
  it.each(comparisons)("%s vs %s is %i", (a, b, expected) => {
    expect(Math.sign(compareVersions(a, b))).toBe(expected);
    expect(Math.sign(compareVersions(b, a))).toBe(expected === 0 ? 0 : -expected);
  });
});

describe("parseVersion", () => {
  it("splits epoch, upstream and revision", () => {
    expect(parseVersion("1:2.3-4-5")).toEqual({ epoch: 1, upstream: "2.3-4", revision: "5" });
    expect(parseVersion("0:0:0-0")).toEqual({ epoch: 0, upstream: "0:0", revision: "0" });
    expect(parseVersion("  0:0-1\t")).toEqual({ epoch: 0, upstream: "0", revision: "1" });
  });

  it.each(["", "  ", "0:", "-0", "0:-0", "a:0-0", "-1:0-1", "0:0 0-1"])("rejects %j", (text) => {
    expect(() => parseVersion(text)).toThrow(/invalid Debian version/);
  });
});

describe("invalidVersionReason", () => {
  it.each(["1.0-1", "1:2.41-12", "2:1.0~rc1+dfsg-1+deb13u1", "1:2:3-4-5", "0", "20.19.2+dfsg-1"])(
    "accepts %j",
    (text) => {
      expect(invalidVersionReason(text)).toBeUndefined();
    },
  );

  // The reasons are dpkg's own messages (lib/dpkg/parsehelp.c).
  it.each([
    ["", "version string is empty"],
    ["1.0-1 (>= 2)", "version string has embedded spaces"],
    [":1.0", "epoch in version is empty"],
    ["a:1.0", "epoch in version is not number"],
    ["-1:1.0", "epoch in version is not number"],
    ["2147483648:1.0", "epoch in version is too big"],
    ["1:", "nothing after colon in version number"],
    ["1.0-", "revision number is empty"],
    ["-1", "version number is empty"],
    ["foo", "version number does not start with digit"],
    ["1.0(", "invalid character in version number"],
    ["1.0_2", "invalid character in version number"],
    ["1:1.0-1/2", "invalid character in revision number"],
    ["1.0-1_2", "invalid character in revision number"],
  ])("rejects %j: %s", (text, reason) => {
    expect(invalidVersionReason(text)).toBe(reason);
  });
});

describe("versionSatisfies", () => {
  it.each([
    ["1-1", "<<", "1-1", false],
    ["1-1", "<=", "1-1", true],
    ["1-1", "=", "1-1", true],
    ["1-1", ">=", "1-1", true],
    ["1-1", ">>", "1-1", false],
    ["1-1", "<<", "2-1", true],
    ["2-1", ">>", "1-1", true],
    ["2.2~rc-4", ">=", "2.2", false],
  ] as const)("%s %s %s is %s", (version, operator, constraint, expected) => {
    expect(versionSatisfies(version, operator, constraint)).toBe(expected);
  });
});

describe("parseRelations", () => {
  it("parses alternatives, qualifiers and restrictions", () => {
    const parsed = parseRelations("a (>= 1.0) | b:any, c [amd64] <!nocheck>");
    expect(parsed).toEqual([
      [
        { name: "a", operator: ">=", version: "1.0" },
        { name: "b", archQualifier: "any" },
      ],
      [{ name: "c", architectures: ["amd64"], profiles: [["!nocheck"]] }],
    ]);
  });

  it("reads obsolete < and > as <= and >=", () => {
    expect(parseRelations("a (< 2), b (> 1)")).toEqual([
      [{ name: "a", operator: "<=", version: "2" }],
      [{ name: "b", operator: ">=", version: "1" }],
    ]);
  });

  it("skips empty items and tolerates spacing", () => {
    const parsed = parseRelations(" libc6(>=2.34) ,, python3:any\n , ");
    expect(formatDependency(parsed[0] ?? [])).toBe("libc6 (>= 2.34)");
    expect(formatDependency(parsed[1] ?? [])).toBe("python3:any");
    expect(parsed).toHaveLength(2);
  });

  it("rejects malformed relations naming them", () => {
    expect(() => parseRelations("a (>= 1.0")).toThrow(/invalid package relation "a \(>= 1.0"/);
    expect(() => parseRelations("a | | b")).toThrow(/invalid package relation ""/);
  });
});

describe("satisfies", () => {
  it("checks the version constraint of a relation", () => {
    const [[relation]] = parseRelations("libnode115 (= 20.19.2+dfsg-1)") as [[never]];
    expect(satisfies("20.19.2+dfsg-1", relation)).toBe(true);
    expect(satisfies("20.19.2+dfsg-1+b1", relation)).toBe(false);
  });

  it("accepts any version without a constraint", () => {
    const [[relation]] = parseRelations("libc6") as [[never]];
    expect(satisfies("0.1", relation)).toBe(true);
  });
});

describe("relationApplies", () => {
  const relation = (text: string) => parseRelations(text)[0]?.[0] ?? { name: "" };

  it.each([
    ["a [amd64]", "amd64", true],
    ["a [amd64]", "arm64", false],
    ["a [!amd64]", "amd64", false],
    ["a [!amd64]", "arm64", true],
    ["a [linux-any]", "arm64", true],
    ["a [any-arm64]", "arm64", true],
    ["a <!nocheck>", "amd64", true],
    ["a <stage1>", "amd64", false],
    ["a <stage1> <!nocheck>", "amd64", true],
    ["a <!nocheck stage1>", "amd64", false],
  ])("%s on %s is %s", (text, architecture, expected) => {
    expect(relationApplies(relation(text), architecture)).toBe(expected);
  });
});
