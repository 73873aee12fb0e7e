import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";

import { type DebianFixture, startDebianFixture } from "../../../test/fixtures/debian-repo.js";
import { sha256Hex } from "../../util/digest.js";
import { fetchDeb } from "./fetch-deb.js";
import type { LockedPackage } from "./types.js";

let fixture: DebianFixture;
let cacheDir: string;

beforeAll(async () => {
  fixture = await startDebianFixture([
    { name: "hello", version: "1.0-1", files: { "/usr/share/hello/greeting": "hello\n" } },
    { name: "broken", version: "1.0-1", files: { "/usr/share/broken/x": "x".repeat(1000) } },
  ]);
});

afterAll(async () => {
  await fixture.close();
});

beforeEach(async () => {
  cacheDir = await mkdtemp(join(tmpdir(), "imgc-fetch-"));
});

afterEach(async () => {
  await rm(cacheDir, { recursive: true, force: true });
});

async function locked(name: string): Promise<LockedPackage> {
  const filename = fixture.poolPath(name);
  const data = await readFile(join(fixture.root, filename));
  return {
    name,
    version: "1.0-1",
    architecture: "amd64",
    source: name,
    sourceVersion: "1.0-1",
    url: `${fixture.mirror}/${filename}`,
    filename,
    size: data.length,
    sha256: sha256Hex(data),
  };
}

describe("fetchDeb", () => {
  it("downloads into the content-addressed cache", async () => {
    const pkg = await locked("hello");
    const path = await fetchDeb(pkg, { cacheDir });
    expect(path).toBe(join(cacheDir, "blobs", "sha256", pkg.sha256));
    expect(sha256Hex(await readFile(path))).toBe(pkg.sha256);
    expect(await readdir(join(cacheDir, "blobs", "sha256"))).toEqual([pkg.sha256]);
  });

  it("downloads nothing on a cache hit", async () => {
    const pkg = await locked("hello");
    await fetchDeb(pkg, { cacheDir });
    const start = fixture.requests.length;
    const again = await fetchDeb(pkg, { cacheDir });
    expect(fixture.requests.slice(start)).toEqual([]);
    expect(again).toBe(join(cacheDir, "blobs", "sha256", pkg.sha256));
  });

  it("rejects a download whose sha256 differs, naming the file and both hashes", async () => {
    const pkg = await locked("broken");
    fixture.corrupt(pkg.filename);
    const error = await fetchDeb(pkg, { cacheDir }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ name: "VerificationError", file: "broken_1.0-1_amd64.deb" });
    const message = (error as Error).message;
    expect(message).toMatch(/^verification failed for broken_1\.0-1_amd64\.deb: /);
    expect(message).toContain(`expected sha256 ${pkg.sha256}`);
    const got = /got sha256 ([0-9a-f]{64})/.exec(message)?.[1];
    expect(got).toMatch(/^[0-9a-f]{64}$/);
    expect(got).not.toBe(pkg.sha256);
    expect(await readdir(join(cacheDir, "blobs", "sha256"))).toEqual([]);
  });

  it("rejects a download whose size differs", async () => {
    const pkg = { ...(await locked("hello")), size: 1 };
    await expect(fetchDeb(pkg, { cacheDir })).rejects.toThrow(
      /expected sha256 [0-9a-f]{64} \(1 bytes\)/,
    );
  });

  it("rejects a malformed sha256 before touching the cache", async () => {
    const pkg = { ...(await locked("hello")), sha256: "../../etc/passwd" };
    await expect(fetchDeb(pkg, { cacheDir })).rejects.toThrow(
      /invalid sha256 "\.\.\/\.\.\/etc\/passwd"/,
    );
  });

  it("reports a missing file as an HTTP error", async () => {
    const pkg = { ...(await locked("hello")), url: `${fixture.mirror}/pool/none.deb` };
    await expect(fetchDeb(pkg, { cacheDir })).rejects.toThrow(/HTTP 404/);
  });
});
