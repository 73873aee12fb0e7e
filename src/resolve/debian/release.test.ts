import { describe, expect, it } from "vitest";

import { checkRelease, parseRelease } from "./release.js";

const hash = "a".repeat(64);
const text = `Origin: Debian
Suite: stable
Codename: trixie
Date: Sat, 21 Nov 2026 09:15:44 UTC
Acquire-By-Hash: yes
Architectures: all amd64 arm64
Components: main contrib
SHA256:
 ${hash}  9679304 main/binary-amd64/Packages.xz
 ${"b".repeat(64)}      12 main/binary-amd64/Release
`;

describe("parseRelease", () => {
  it("reads the fields and the SHA256 list", () => {
    const release = parseRelease(text, "InRelease");
    expect(release).toMatchObject({
      suite: "stable",
      codename: "trixie",
      date: "Sat, 21 Nov 2026 09:15:44 UTC",
      validUntil: undefined,
      acquireByHash: true,
      architectures: ["all", "amd64", "arm64"],
      components: ["main", "contrib"],
    });
    expect(release.sha256.get("main/binary-amd64/Packages.xz")).toEqual({
      path: "main/binary-amd64/Packages.xz",
      sha256: hash,
      size: 9679304,
    });
    expect(release.sha256.size).toBe(2);
  });

  it("rejects a malformed SHA256 line", () => {
    expect(() => parseRelease("Date: x\nSHA256:\n zz 1 p\n", "InRelease")).toThrow(
      /verification failed for InRelease: invalid SHA256 line "zz 1 p"/,
    );
  });

  it("rejects a Release without Date", () => {
    expect(() => parseRelease(`SHA256:\n ${hash} 1 p\n`, "InRelease")).toThrow(
      /no Date or no SHA256/,
    );
  });
});

describe("checkRelease", () => {
  const now = new Date("2026-12-01T00:00:00Z");

  it("accepts the suite or the codename", () => {
    const release = parseRelease(text, "InRelease");
    expect(() => checkRelease(release, "stable", "InRelease", now)).not.toThrow();
    expect(() => checkRelease(release, "trixie", "InRelease", now)).not.toThrow();
    expect(() => checkRelease(release, "bookworm", "InRelease", now)).toThrow(/not "bookworm"/);
  });

  it("compares Valid-Until with now", () => {
    const release = parseRelease(
      `${text}Valid-Until: Tue, 01 Dec 2026 00:00:01 UTC\n`,
      "InRelease",
    );
    expect(() => checkRelease(release, "trixie", "InRelease", now)).not.toThrow();
    const later = new Date("2026-12-01T00:00:02Z");
    expect(() => checkRelease(release, "trixie", "InRelease", later)).toThrow(
      /expired on Tue, 01 Dec 2026/,
    );
  });

  it("rejects an unreadable Valid-Until", () => {
    const release = parseRelease(`${text}Valid-Until: someday\n`, "InRelease");
    expect(() => checkRelease(release, "trixie", "InRelease", now)).toThrow(
      /invalid Valid-Until "someday"/,
    );
  });
});
