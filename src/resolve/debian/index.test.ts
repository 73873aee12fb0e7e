import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";

import {
  type DebianFixture,
  endless,
  type FixturePackage,
  startDebianFixture,
} from "../../../test/fixtures/debian-repo.js";
import { type DebianIndexOptions, loadDebianIndex } from "./index.js";

const packages: FixturePackage[] = [
  { name: "app", version: "1.0-1", depends: "libapp (>= 1.0)", source: "app-src" },
  { name: "libapp", version: "1.2-1", multiArch: "same", provides: "libapp-abi (= 1)" },
  { name: "docs", version: "3", architecture: "all", priority: "standard" },
];

let fixture: DebianFixture;
let cacheDir: string;

beforeAll(async () => {
  fixture = await startDebianFixture(packages);
});

afterAll(async () => {
  await fixture.close();
});

beforeEach(async () => {
  cacheDir = await mkdtemp(join(tmpdir(), "imgc-index-"));
});

afterEach(async () => {
  await rm(cacheDir, { recursive: true, force: true });
});

function options(
  target: DebianFixture,
  extra: Partial<DebianIndexOptions> = {},
): DebianIndexOptions {
  return {
    mirror: target.mirror,
    suite: target.suite,
    components: [target.component],
    architecture: target.architecture,
    keyringPath: target.keyringPath,
    cacheDir,
    ...extra,
  };
}

function requestsSince(target: DebianFixture, start: number): string[] {
  return target.requests.slice(start);
}

describe("loadDebianIndex", () => {
  it("reads the records of a verified index", async () => {
    const index = await loadDebianIndex(options(fixture));
    expect(index.packages.map((record) => record.name)).toEqual(["app", "docs", "libapp"]);
    const app = index.byName.get("app")?.[0];
    expect(app).toMatchObject({
      version: "1.0-1",
      architecture: "amd64",
      source: "app-src",
      sourceVersion: "1.0-1",
      depends: "libapp (>= 1.0)",
      filename: fixture.poolPath("app"),
    });
    expect(app?.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(index.byName.get("docs")?.[0]).toMatchObject({
      architecture: "all",
      priority: "standard",
    });
    expect(index.providers.get("libapp-abi")?.[0]?.version).toBe("1");
  });

  it("pins the Release it read", async () => {
    const index = await loadDebianIndex(options(fixture));
    expect(index.release).toMatchObject({ mirror: fixture.mirror, suite: fixture.suite });
    expect(index.release.date).toMatch(/^\w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d /);
    expect(index.release.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it("fetches Packages.xz by hash and caches it", async () => {
    const start = fixture.requests.length;
    await loadDebianIndex(options(fixture));
    const first = requestsSince(fixture, start);
    expect(first).toHaveLength(2);
    expect(first[0]).toBe(`/dists/${fixture.suite}/InRelease`);
    expect(first[1]).toMatch(/\/main\/binary-amd64\/by-hash\/SHA256\/[0-9a-f]{64}$/);
    const cached = await readdir(join(cacheDir, "blobs", "sha256"));
    expect(cached).toEqual([first[1]?.split("/").pop()]);

    const again = fixture.requests.length;
    const index = await loadDebianIndex(options(fixture));
    expect(requestsSince(fixture, again)).toEqual([`/dists/${fixture.suite}/InRelease`]);
    expect(index.packages).toHaveLength(3);
  });

  it("reads parsed records without the Packages file", async () => {
    const first = await loadDebianIndex(options(fixture));
    await rm(join(cacheDir, "blobs"), { recursive: true });
    const start = fixture.requests.length;
    const again = await loadDebianIndex(options(fixture));
    expect(requestsSince(fixture, start)).toEqual([`/dists/${fixture.suite}/InRelease`]);
    expect(again.packages).toEqual(first.packages);
  });

  it("accepts a mirror with a trailing slash", async () => {
    const index = await loadDebianIndex(options(fixture, { mirror: `${fixture.mirror}/` }));
    expect(index.release.mirror).toBe(fixture.mirror);
    expect(fixture.requests.at(-1)).not.toContain("//");
  });

  it("accepts an armored keyring", async () => {
    const index = await loadDebianIndex(
      options(fixture, { keyringPath: fixture.armoredKeyringPath }),
    );
    expect(index.packages).toHaveLength(3);
  });

  it("rejects a missing component or architecture", async () => {
    await expect(loadDebianIndex(options(fixture, { components: ["contrib"] }))).rejects.toThrow(
      /component "contrib" is not in .*InRelease \(it has main\)/,
    );
    await expect(loadDebianIndex(options(fixture, { architecture: "arm64" }))).rejects.toThrow(
      /architecture arm64 is not in .*InRelease/,
    );
  });

  it("fails on an unreadable keyring", async () => {
    await expect(
      loadDebianIndex(options(fixture, { keyringPath: "/nonexistent.gpg" })),
    ).rejects.toThrow(/reading the OpenPGP keyring \/nonexistent\.gpg failed/);
  });
});

describe("loadDebianIndex verification", () => {
  let target: DebianFixture;

  beforeEach(async () => {
    target = await startDebianFixture(packages.slice(0, 1));
  });

  afterEach(async () => {
    await target.close();
  });

  it("rejects a signature by a key outside the keyring", async () => {
    await target.swapSignature();
    const error = await loadDebianIndex(options(target)).catch((caught: unknown) => caught);
    expect(error).toMatchObject({
      name: "VerificationError",
      file: `${target.mirror}/dists/${target.suite}/InRelease`,
    });
    expect((error as Error).message).toMatch(
      /InRelease: no valid signature by a key in .*keyring\.gpg/,
    );
  });

  it("rejects an InRelease whose text was changed", async () => {
    target.corrupt(`dists/${target.suite}/InRelease`);
    await expect(loadDebianIndex(options(target))).rejects.toMatchObject({
      name: "VerificationError",
      file: `${target.mirror}/dists/${target.suite}/InRelease`,
    });
  });

  it("rejects a Packages file whose hash differs, naming it", async () => {
    target.corrupt(`dists/${target.suite}/main/binary-amd64/Packages.xz`);
    const error = await loadDebianIndex(options(target)).catch((caught: unknown) => caught);
    expect(error).toMatchObject({
      name: "VerificationError",
      file: `${target.mirror}/dists/${target.suite}/main/binary-amd64/Packages.xz`,
    });
    expect((error as Error).message).toMatch(
      /expected sha256 [0-9a-f]{64} .* got sha256 [0-9a-f]{64}/,
    );
    expect(await readdir(join(cacheDir, "blobs", "sha256"))).toEqual([]);
  });

  it("stops an endless Packages file at the size the Release file gives", async () => {
    const stats = { sent: 0, closed: false };
    target.respondWith(`dists/${target.suite}/main/binary-amd64/Packages.xz`, endless(stats));
    const error = await loadDebianIndex(options(target)).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ name: "VerificationError" });
    expect((error as { file: string }).file).toMatch(
      new RegExp(`^${target.mirror}/dists/${target.suite}/main/binary-amd64/by-hash/SHA256/`),
    );
    expect((error as Error).message).toMatch(/expected \d+ bytes, got more; stopped after/);
    expect(stats.sent).toBeLessThan(64 << 20);
    expect(await readdir(join(cacheDir, "blobs", "sha256"))).toEqual([]);
  }, 20_000);

  it("rejects a signature checked at a time before the key existed", async () => {
    await expect(
      loadDebianIndex(options(target, { now: new Date("2001-01-01T00:00:00Z") })),
    ).rejects.toThrow(/no valid signature/);
  });
});

describe("loadDebianIndex record checks", () => {
  it("rejects a record whose Version is invalid, naming it and the index", async () => {
    const target = await startDebianFixture([
      { name: "odd", version: "1.0-1 (>= 2)", rawData: [{ name: "./", type: "directory" }] },
    ]);
    try {
      const error = await loadDebianIndex(options(target)).catch((caught: unknown) => caught);
      expect(error).toMatchObject({ name: "ImgcError" });
      expect((error as Error).message).toBe(
        `package odd in ${target.mirror}/dists/${target.suite}/main/binary-amd64/Packages.xz ` +
          'has an invalid Version "1.0-1 (>= 2)": version string has embedded spaces',
      );
    } finally {
      await target.close();
    }
  });
});

describe("loadDebianIndex Release checks", () => {
  it("rejects an expired Valid-Until", async () => {
    const target = await startDebianFixture([], { validUntil: "Sat, 01 Jan 2000 00:00:00 UTC" });
    try {
      const error = await loadDebianIndex(options(target)).catch((caught: unknown) => caught);
      expect(error).toMatchObject({ name: "VerificationError" });
      expect((error as Error).message).toMatch(
        /InRelease: the Release file expired on Sat, 01 Jan 2000/,
      );
    } finally {
      await target.close();
    }
  });

  it("accepts a Valid-Until in the future", async () => {
    const target = await startDebianFixture([], { validUntil: "Fri, 01 Jan 2100 00:00:00 UTC" });
    try {
      expect((await loadDebianIndex(options(target))).packages).toEqual([]);
    } finally {
      await target.close();
    }
  });

  it("rejects a Release signed for another suite", async () => {
    const target = await startDebianFixture([], { releaseName: "other" });
    try {
      await expect(loadDebianIndex(options(target))).rejects.toThrow(
        /the Release file is for suite "other" \(codename "other"\), not "imgc-test"/,
      );
    } finally {
      await target.close();
    }
  });

  it("fetches the plain path without Acquire-By-Hash", async () => {
    const target = await startDebianFixture(packages.slice(0, 1), { byHash: false });
    try {
      await loadDebianIndex(options(target));
      expect(target.requests).toContain(`/dists/${target.suite}/main/binary-amd64/Packages.xz`);
    } finally {
      await target.close();
    }
  });
});
