import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";

import {
  type DebianFixture,
  endless,
  hang,
  startDebianFixture,
} from "../../../test/fixtures/debian-repo.js";
import { sha256Hex } from "../../util/digest.js";
import type { Reporter } from "../../util/reporter.js";
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
  for (const name of ["hello", "broken"]) fixture.respondWith(fixture.poolPath(name), undefined);
  delete process.env.IMGC_HTTP_TIMEOUT;
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
    const error = await fetchDeb(pkg, { cacheDir }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ name: "VerificationError", file: pkg.url });
    expect((error as Error).message).toMatch(/expected 1 bytes, the server announced \d+/);
    expect(await readdir(join(cacheDir, "blobs", "sha256"))).toEqual([]);
  });

  it("rejects a malformed sha256 before touching the cache", async () => {
    const pkg = { ...(await locked("hello")), sha256: "../../etc/passwd" };
    await expect(fetchDeb(pkg, { cacheDir })).rejects.toThrow(
      /invalid sha256 "\.\.\/\.\.\/etc\/passwd"/,
    );
  });

  it("reports a missing file as an HTTP error", async () => {
    const pkg = {
      ...(await locked("hello")),
      url: `${fixture.mirror}/pool/none.deb`,
      filename: "pool/none.deb",
    };
    await expect(fetchDeb(pkg, { cacheDir })).rejects.toThrow(/HTTP 404/);
  });
});

describe("fetchDeb cache", () => {
  it("downloads again when the cached .deb was edited", async () => {
    const pkg = await locked("hello");
    const path = await fetchDeb(pkg, { cacheDir });
    const edited = await readFile(path);
    const at = Math.floor(edited.length / 2);
    edited[at] = (edited[at] ?? 0) ^ 0x01;
    await writeFile(path, edited);

    const lines: string[] = [];
    const reporter: Reporter = {
      info: (line) => lines.push(line),
      debug: () => undefined,
      warn: () => undefined,
    };
    const start = fixture.requests.length;
    const again = await fetchDeb(pkg, { cacheDir, reporter });
    expect(again).toBe(path);
    expect(sha256Hex(await readFile(again))).toBe(pkg.sha256);
    expect(fixture.requests.slice(start)).toEqual([`/${pkg.filename}`]);
    expect(lines).toEqual([
      "debian: the cached hello_1.0-1_amd64.deb does not match the lock's sha256; " +
        "downloading it again",
    ]);
  });
});

describe("fetchDeb against a misbehaving mirror", () => {
  it("stops an endless response at the locked size", async () => {
    const pkg = await locked("hello");
    const stats = { sent: 0, closed: false };
    fixture.respondWith(pkg.filename, endless(stats));
    const error = await fetchDeb(pkg, { cacheDir }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ name: "VerificationError", file: pkg.url });
    expect((error as Error).message).toMatch(
      new RegExp(`expected ${pkg.size} bytes, got more; stopped after \\d+ bytes`),
    );
    expect(stats.sent).toBeLessThan(64 << 20);
    expect(await readdir(join(cacheDir, "blobs", "sha256"))).toEqual([]);
  }, 20_000);

  it("rejects a Content-Length above the locked size", async () => {
    const pkg = await locked("hello");
    const stats = { sent: 0, closed: false };
    fixture.respondWith(pkg.filename, endless(stats, 300 << 20));
    const error = await fetchDeb(pkg, { cacheDir }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ name: "VerificationError", file: pkg.url });
    expect((error as Error).message).toContain(
      `expected ${pkg.size} bytes, the server announced 314572800 (Content-Length)`,
    );
    expect(stats.sent).toBeLessThan(64 << 20);
  }, 20_000);

  it("rejects a response shorter than the locked size", async () => {
    const pkg = await locked("hello");
    fixture.respondWith(pkg.filename, (_request, response) => {
      response.writeHead(200);
      response.end(Buffer.alloc(10));
    });
    const error = await fetchDeb(pkg, { cacheDir }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ name: "VerificationError", file: pkg.url });
    expect((error as Error).message).toMatch(new RegExp(`expected ${pkg.size} bytes, got 10$`));
  });

  it("times out on a mirror that never answers", async () => {
    process.env.IMGC_HTTP_TIMEOUT = "0.1";
    const pkg = await locked("hello");
    fixture.respondWith(pkg.filename, hang());
    const start = fixture.requests.length;
    const error = await fetchDeb(pkg, { cacheDir }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ name: "HttpTimeoutError", url: pkg.url });
    expect((error as Error).message).toBe(
      `GET ${pkg.url} timed out after 0.1 s waiting for the response headers (4 attempts)`,
    );
    expect(fixture.requests.slice(start)).toHaveLength(4);
  }, 20_000);
});

describe("fetchDeb lock checks", () => {
  it("rejects a URL that is not on the pinned mirror", async () => {
    const pkg = await locked("hello");
    const data = await readFile(join(fixture.root, pkg.filename));
    const otherRequests: string[] = [];
    const other = createServer((request, response) => {
      otherRequests.push(request.url ?? "");
      response.writeHead(200, { "content-length": data.length }).end(data);
    });
    await new Promise<void>((resolve) => other.listen(0, "127.0.0.1", resolve));
    try {
      const address = other.address();
      if (address === null || typeof address === "string") throw new Error("no port");
      const elsewhere = `http://127.0.0.1:${address.port}/${pkg.filename}`;
      for (const url of [elsewhere, `${fixture.mirror}/mirror/${pkg.filename}`]) {
        await expect(
          fetchDeb({ ...pkg, url }, { cacheDir, mirror: fixture.mirror }),
        ).rejects.toThrow(
          `the lock's URL ${url} for package hello is not on the mirror the lock's Release ` +
            `pin names (expected ${fixture.mirror}/${pkg.filename})`,
        );
      }
      expect(otherRequests).toEqual([]);
    } finally {
      await new Promise((resolve) => other.close(resolve));
    }
  });

  it("accepts a URL on the pinned mirror", async () => {
    const pkg = await locked("hello");
    const path = await fetchDeb(pkg, { cacheDir, mirror: `${fixture.mirror}/` });
    expect(sha256Hex(await readFile(path))).toBe(pkg.sha256);
  });

  it("rejects a URL that does not end with the filename", async () => {
    const pkg = { ...(await locked("hello")), url: `${fixture.mirror}/pool/other.deb` };
    await expect(fetchDeb(pkg, { cacheDir })).rejects.toThrow(
      `the lock's URL ${fixture.mirror}/pool/other.deb for package hello does not end with ` +
        "its filename pool/main/h/hello/hello_1.0-1_amd64.deb",
    );
  });

  it.each(["/etc/passwd", "pool/../../x.deb", "pool/%2e%2e/x.deb", "pool//x.deb", "a b.deb", ""])(
    "rejects the filename %j",
    async (filename) => {
      const pkg = { ...(await locked("hello")), filename, url: `${fixture.mirror}/${filename}` };
      const start = fixture.requests.length;
      await expect(fetchDeb(pkg, { cacheDir, mirror: fixture.mirror })).rejects.toThrow(
        `invalid filename ${JSON.stringify(filename)} for package hello`,
      );
      expect(fixture.requests.slice(start)).toEqual([]);
    },
  );

  it("rejects an invalid size", async () => {
    const pkg = { ...(await locked("hello")), size: -1 };
    await expect(fetchDeb(pkg, { cacheDir })).rejects.toThrow("invalid size -1 for package hello");
  });
});
