import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { LayerEntry } from "./layer-entry.js";
import { buildLayer, cacheBlobDir, layerCacheKey } from "./layer-cache.js";
import { writeLayer } from "./layer-writer.js";

const work = mkdtempSync(join(tmpdir(), "imgc-layer-cache-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const names = { user: (uid: number) => (uid === 0 ? "root" : ""), group: () => "" };
const base = { mode: 0o644, uid: 0, gid: 0, mtime: 0, size: 0 };
const sourceFile = join(work, "source.txt");
writeFileSync(sourceFile, "0123456789");

function layerEntries(): LayerEntry[] {
  return [
    { ...base, path: "etc", type: "dir", mode: 0o755 },
    {
      ...base,
      path: "etc/motd",
      type: "file",
      size: 6,
      content: { kind: "bytes", data: Buffer.from("hello\n") },
    },
    {
      ...base,
      path: "etc/range",
      type: "file",
      size: 4,
      content: { kind: "file", path: sourceFile, offset: 3, size: 4 },
    },
  ];
}

describe("buildLayer", () => {
  it("builds on a miss and returns the cached layer on a hit", async () => {
    const cacheDir = join(work, "hit");
    const first = await buildLayer(layerEntries(), { cacheDir, names });
    const inode = statSync(first.path).ino;

    const second = await buildLayer(layerEntries(), { cacheDir, names });
    expect(second).toEqual(first);
    // A rebuild would have renamed a new file over the blob.
    expect(statSync(second.path).ino).toBe(inode);
    expect(first.path).toBe(join(cacheBlobDir(cacheDir), first.digest.slice(7)));
  });

  it("gives what writeLayer gives", async () => {
    const cacheDir = join(work, "same");
    const cached = await buildLayer(layerEntries(), { cacheDir, names });
    const written = await writeLayer(layerEntries(), { names, blobDir: join(work, "direct") });
    expect(cached.digest).toBe(written.digest);
    expect(cached.diffId).toBe(written.diffId);
  });

  it("stores the record under layers/", async () => {
    const cacheDir = join(work, "record");
    const built = await buildLayer(layerEntries(), { cacheDir, names });
    const record = JSON.parse(
      readFileSync(
        join(cacheDir, "layers", `${layerCacheKey(layerEntries(), names)}.json`),
        "utf8",
      ),
    );
    expect(record).toEqual({
      digest: built.digest,
      diffId: built.diffId,
      size: built.size,
      uncompressedSize: built.uncompressedSize,
    });
  });

  it("rebuilds when the blob is gone", async () => {
    const cacheDir = join(work, "gone");
    const first = await buildLayer(layerEntries(), { cacheDir, names });
    rmSync(first.path);
    const second = await buildLayer(layerEntries(), { cacheDir, names });
    expect(second.digest).toBe(first.digest);
    expect(statSync(second.path).size).toBe(first.size);
  });

  it("rebuilds when the blob has the wrong size", async () => {
    const cacheDir = join(work, "truncated");
    const first = await buildLayer(layerEntries(), { cacheDir, names });
    writeFileSync(first.path, "short");
    const second = await buildLayer(layerEntries(), { cacheDir, names });
    expect(statSync(second.path).size).toBe(first.size);
  });

  it("rebuilds when the record is corrupt", async () => {
    const cacheDir = join(work, "corrupt");
    const first = await buildLayer(layerEntries(), { cacheDir, names });
    writeFileSync(
      join(cacheDir, "layers", `${layerCacheKey(layerEntries(), names)}.json`),
      "{not json",
    );
    const messages: string[] = [];
    const reporter = { info() {}, warn() {}, debug: (message: string) => messages.push(message) };
    const second = await buildLayer(layerEntries(), { cacheDir, names, reporter });
    expect(second.digest).toBe(first.digest);
    expect(messages.some((message) => message.includes("unreadable, rebuilding"))).toBe(true);
  });
});

describe("layerCacheKey", () => {
  const key = layerCacheKey(layerEntries(), names);

  it("ignores the input order", () => {
    expect(layerCacheKey([...layerEntries()].reverse(), names)).toBe(key);
  });

  it("changes with the content of a file range", () => {
    const changed = join(work, "changed.txt");
    writeFileSync(changed, "0123XXXX89");
    const entries = layerEntries().map((entry) =>
      entry.path === "etc/range"
        ? { ...entry, content: { kind: "file" as const, path: changed, offset: 3, size: 4 } }
        : entry,
    );
    expect(layerCacheKey(entries, names)).not.toBe(key);
  });

  it("does not change with the file a range comes from", () => {
    const copy = join(work, "copy.txt");
    writeFileSync(copy, "xx0123456789");
    const entries = layerEntries().map((entry) =>
      entry.path === "etc/range"
        ? { ...entry, content: { kind: "file" as const, path: copy, offset: 5, size: 4 } }
        : entry,
    );
    expect(layerCacheKey(entries, names)).toBe(key);
  });

  it("changes with a mode, an mtime or an owner name", () => {
    const withMode = layerEntries().map((entry) =>
      entry.path === "etc" ? { ...entry, mode: 0o700 } : entry,
    );
    const withMtime = layerEntries().map((entry) =>
      entry.path === "etc" ? { ...entry, mtime: 1 } : entry,
    );
    expect(layerCacheKey(withMode, names)).not.toBe(key);
    expect(layerCacheKey(withMtime, names)).not.toBe(key);
    expect(layerCacheKey(layerEntries(), { ...names, user: () => "admin" })).not.toBe(key);
  });

  it("trusts a given content sha256 without reading the file", () => {
    const entries = layerEntries().map((entry) =>
      entry.path === "etc/range"
        ? {
            ...entry,
            content: { kind: "file" as const, path: join(work, "missing"), offset: 0, size: 4 },
            contentSha256: "ab".repeat(32),
          }
        : entry,
    );
    expect(layerCacheKey(entries, names)).toMatch(/^[0-9a-f]{64}$/);
  });

  it("reports a file that is missing", () => {
    const entries = layerEntries().map((entry) =>
      entry.path === "etc/range"
        ? {
            ...entry,
            content: { kind: "file" as const, path: join(work, "missing"), offset: 0, size: 4 },
          }
        : entry,
    );
    expect(() => layerCacheKey(entries, names)).toThrow(/failed to open .*missing while hashing/);
  });
});
