import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { temporarySibling } from "../util/fs.js";
import type { Reporter } from "../util/reporter.js";
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
        join(cacheDir, "layers", `${layerCacheKey(layerEntries(), names).key}.json`),
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
      join(cacheDir, "layers", `${layerCacheKey(layerEntries(), names).key}.json`),
      "{not json",
    );
    const messages: string[] = [];
    const reporter = { info() {}, warn() {}, debug: (message: string) => messages.push(message) };
    const second = await buildLayer(layerEntries(), { cacheDir, names, reporter });
    expect(second.digest).toBe(first.digest);
    expect(messages.some((message) => message.includes("unreadable, rebuilding"))).toBe(true);
  });
});

/** A reporter that keeps every info and debug message. */
function recordingReporter(onDebug: (message: string) => void = () => {}): {
  reporter: Reporter;
  messages: string[];
} {
  const messages: string[] = [];
  const reporter = {
    info: (message: string) => messages.push(message),
    warn() {},
    debug: (message: string) => {
      messages.push(message);
      onDebug(message);
    },
  };
  return { reporter, messages };
}

/** A whole source file with `text` as its content, and the layer that copies it to `/app/x`. */
function wholeFileLayer(name: string, text: string): { source: string; entries: LayerEntry[] } {
  const source = join(work, name);
  writeFileSync(source, text);
  const size = Buffer.byteLength(text);
  const entries: LayerEntry[] = [
    { ...base, path: "app", type: "dir", mode: 0o755 },
    {
      ...base,
      path: "app/x",
      type: "file",
      size,
      content: { kind: "file", path: source, offset: 0, size },
    },
  ];
  return { source, entries };
}

/** Files in `<cacheDir>/layers`, or none when the folder is missing. */
function records(cacheDir: string): string[] {
  const folder = join(cacheDir, "layers");
  return existsSync(folder) ? readdirSync(folder) : [];
}

describe("buildLayer blob check", () => {
  it("rebuilds a blob with a flipped byte", async () => {
    const cacheDir = join(work, "flipped");
    const first = await buildLayer(layerEntries(), { cacheDir, names });
    const damaged = readFileSync(first.path);
    const middle = damaged.length >> 1;
    damaged.writeUInt8(damaged.readUInt8(middle) ^ 0xff, middle);
    writeFileSync(first.path, damaged);

    const { reporter, messages } = recordingReporter();
    const second = await buildLayer(layerEntries(), { cacheDir, names, reporter });
    const hash = createHash("sha256").update(readFileSync(second.path)).digest("hex");
    expect(second.digest).toBe(first.digest);
    expect(`sha256:${hash}`).toBe(first.digest);
    expect(messages.some((message) => message.includes("does not match its digest"))).toBe(true);
    expect(messages.some((message) => message.startsWith("layer cache hit"))).toBe(false);
  });
});

describe("buildLayer source changes", () => {
  it("rejects a file rewritten during the build", async () => {
    const cacheDir = join(work, "rewritten");
    const { source, entries } = wholeFileLayer("rewritten.txt", "version 1\n");
    // The writer reports its plan after the key is computed and before it reads any file.
    const { reporter } = recordingReporter((message) => {
      if (message.startsWith("layer:")) writeFileSync(source, "version 2\n");
    });
    await expect(buildLayer(entries, { cacheDir, names, reporter })).rejects.toMatchObject({
      name: "ImgcError",
      message: `${source} changed while imgc was reading it; build again`,
    });
    expect(records(cacheDir)).toEqual([]);
    expect(readdirSync(cacheBlobDir(cacheDir))).toEqual([]);
  });

  it("rejects a file that grew during the build", async () => {
    const cacheDir = join(work, "grew");
    const { source, entries } = wholeFileLayer("grew.txt", "0123456789");
    const { reporter } = recordingReporter((message) => {
      if (message.startsWith("layer:")) appendFileSync(source, "more");
    });
    await expect(buildLayer(entries, { cacheDir, names, reporter })).rejects.toMatchObject({
      message: `${source} changed while imgc was reading it; build again`,
      hint: expect.stringMatching(/has 14 bytes now, but had 10/),
    });
    expect(records(cacheDir)).toEqual([]);
  });

  it("rejects a grown file instead of a cache hit", async () => {
    const cacheDir = join(work, "grew-after");
    const { source, entries } = wholeFileLayer("grew-after.txt", "0123456789");
    await buildLayer(entries, { cacheDir, names });
    appendFileSync(source, "more");
    await expect(buildLayer(entries, { cacheDir, names })).rejects.toThrow(
      `${source} changed while imgc was reading it; build again`,
    );
  });

  it("checks a producer's content sha256", async () => {
    const cacheDir = join(work, "producer");
    const entries = layerEntries().map((entry) =>
      entry.path === "etc/range" ? { ...entry, contentSha256: "ab".repeat(32) } : entry,
    );
    await expect(buildLayer(entries, { cacheDir, names })).rejects.toMatchObject({
      message: `${sourceFile} changed while imgc was reading it; build again`,
      hint: expect.stringMatching(/not the (ab){32} recorded/),
    });
    expect(records(cacheDir)).toEqual([]);
  });
});

describe("buildLayer temporaries", () => {
  it("removes only temporaries of ended processes", async () => {
    const cacheDir = join(work, "temporaries");
    const blobDir = cacheBlobDir(cacheDir);
    mkdirSync(blobDir, { recursive: true });
    const ended = spawnSync(process.execPath, ["-e", ""]).pid;
    const ownName = basename(temporarySibling(join(blobDir, "layer")));
    const endedName = ownName.replace(`-${process.pid}-`, `-${ended}-`);
    const parentName = ownName.replace(`-${process.pid}-`, `-${process.ppid}-`);
    for (const name of [ownName, endedName, parentName, "unrelated"])
      writeFileSync(join(blobDir, name), "partial");

    const { reporter, messages } = recordingReporter();
    const built = await buildLayer(layerEntries(), { cacheDir, names, reporter });
    expect(readdirSync(blobDir).sort()).toEqual(
      [ownName, parentName, "unrelated", built.digest.slice(7)].sort(),
    );
    expect(messages).toContain(
      `layer cache: removed 1 temporary file of ended builds in ${blobDir}`,
    );
  });

  it("sweeps a folder once per process", async () => {
    const cacheDir = join(work, "swept-once");
    await buildLayer(layerEntries(), { cacheDir, names });
    const ended = spawnSync(process.execPath, ["-e", ""]).pid;
    const name = basename(temporarySibling(join(cacheBlobDir(cacheDir), "layer")));
    const endedName = name.replace(`-${process.pid}-`, `-${ended}-`);
    writeFileSync(join(cacheBlobDir(cacheDir), endedName), "partial");
    await buildLayer(layerEntries(), { cacheDir, names });
    expect(readdirSync(cacheBlobDir(cacheDir))).toContain(endedName);
  });
});

describe("layerCacheKey", () => {
  const key = layerCacheKey(layerEntries(), names).key;

  it("ignores the input order", () => {
    expect(layerCacheKey([...layerEntries()].reverse(), names).key).toBe(key);
  });

  it("changes with the content of a file range", () => {
    const changed = join(work, "changed.txt");
    writeFileSync(changed, "0123XXXX89");
    const entries = layerEntries().map((entry) =>
      entry.path === "etc/range"
        ? { ...entry, content: { kind: "file" as const, path: changed, offset: 3, size: 4 } }
        : entry,
    );
    expect(layerCacheKey(entries, names).key).not.toBe(key);
  });

  it("does not change with the file a range comes from", () => {
    const copy = join(work, "copy.txt");
    writeFileSync(copy, "xx0123456789");
    const entries = layerEntries().map((entry) =>
      entry.path === "etc/range"
        ? { ...entry, content: { kind: "file" as const, path: copy, offset: 5, size: 4 } }
        : entry,
    );
    expect(layerCacheKey(entries, names).key).toBe(key);
  });

  it("changes with a mode, an mtime or an owner name", () => {
    const withMode = layerEntries().map((entry) =>
      entry.path === "etc" ? { ...entry, mode: 0o700 } : entry,
    );
    const withMtime = layerEntries().map((entry) =>
      entry.path === "etc" ? { ...entry, mtime: 1 } : entry,
    );
    expect(layerCacheKey(withMode, names).key).not.toBe(key);
    expect(layerCacheKey(withMtime, names).key).not.toBe(key);
    expect(layerCacheKey(layerEntries(), { ...names, user: () => "admin" }).key).not.toBe(key);
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
    expect(layerCacheKey(entries, names).key).toMatch(/^[0-9a-f]{64}$/);
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
    expect(() => layerCacheKey(entries, names).key).toThrow(
      /failed to open .*missing while hashing/,
    );
  });
});
