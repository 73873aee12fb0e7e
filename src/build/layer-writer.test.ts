import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  lstatSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { extract, type Header } from "tar-stream";
import { afterAll, describe, expect, it } from "vitest";
import { gzipMember } from "./deflate.js";
import type { LayerEntry } from "./layer-entry.js";
import { writeLayer, type WriteLayerOptions } from "./layer-writer.js";
import { planPieces } from "./pieces.js";
import { planRecords } from "./tar-source.js";
import { orderLayerEntries } from "./order-entries.js";

const work = mkdtempSync(join(tmpdir(), "imgc-layer-writer-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const names = {
  user: (uid: number) => (uid === 0 ? "root" : uid === 1000 ? "app" : ""),
  group: (gid: number) => (gid === 0 ? "root" : ""),
};

/** A 5 MiB source file, so that one entry is cut into several pieces. */
const bigFile = join(work, "big.bin");
const bigData = Buffer.alloc(5 * 1024 * 1024 + 123);
for (let index = 0; index < bigData.length; index++)
  bigData[index] = (index * 31 + (index >> 12)) & 0xff;
writeFileSync(bigFile, bigData);

/** A package-like file whose middle range is one entry's content. */
const packFile = join(work, "pack.bin");
writeFileSync(packFile, Buffer.from("HEADERcontent of a range in a larger fileTRAILER"));

const base = { mode: 0o644, uid: 0, gid: 0, mtime: 0, size: 0 };
const text = (path: string, value: string, extra: Partial<LayerEntry> = {}): LayerEntry => ({
  ...base,
  path,
  type: "file",
  size: Buffer.byteLength(value),
  content: { kind: "bytes", data: Buffer.from(value) },
  ...extra,
});
const dir = (path: string, extra: Partial<LayerEntry> = {}): LayerEntry => ({
  ...base,
  path,
  type: "dir",
  mode: 0o755,
  ...extra,
});

const longDir = `usr/share/${"long-folder-name-".repeat(6)}x`;
const entries: LayerEntry[] = [
  dir("usr"),
  dir("usr/bin"),
  dir("usr/share"),
  dir(longDir),
  text(`${longDir}/${"file-".repeat(12)}end.txt`, "long path\n"),
  dir("usr/share/café"),
  text("usr/share/café/ñandú.txt", "non-ASCII\n"),
  // UTF-8 bytes put U+FF01 (EF BC 81) before U+1F600 (F0 9F 98 80); UTF-16 order is the reverse.
  text("usr/share/\u{1F600}", "emoji\n"),
  text("usr/share/\uFF01", "fullwidth\n"),
  dir("app", { uid: 1000, gid: 1000 }),
  text("app/server.js", "console.log('hi')\n", {
    uid: 1000,
    gid: 1000,
    mode: 0o755,
    mtime: 1_700_000_000,
  }),
  text("app/empty", "", { content: undefined }),
  {
    ...base,
    path: "app/big.bin",
    type: "file",
    size: bigData.length,
    content: { kind: "file", path: bigFile, offset: 0, size: bigData.length },
  },
  {
    ...base,
    path: "app/range.txt",
    type: "file",
    size: 35,
    content: { kind: "file", path: packFile, offset: 6, size: 35 },
  },
  text("app/high-ids", "ids\n", { uid: 300_000, gid: 2_147_483_647 }),
  { ...base, path: "usr/bin/nodejs", type: "symlink", mode: 0o777, linkname: "node" },
  text("usr/bin/node", "#!binary\n", { mode: 0o755 }),
  // A hardlink that sorts before its target: "usr/bin/a-node" must carry the data.
  { ...base, path: "usr/bin/a-node", type: "hardlink", linkname: "usr/bin/node" },
  { ...base, path: "usr/bin/z-node", type: "hardlink", linkname: "usr/bin/a-node" },
];

async function write(input: readonly LayerEntry[], options: Partial<WriteLayerOptions> = {}) {
  return writeLayer(input, { names, blobDir: join(work, "blobs"), ...options });
}

async function readTar(tar: Buffer): Promise<{ header: Header; content: Buffer }[]> {
  const result: { header: Header; content: Buffer }[] = [];
  const reader = extract();
  reader.end(tar);
  for await (const entry of reader) {
    const chunks: Buffer[] = [];
    for await (const chunk of entry) chunks.push(chunk as Buffer);
    result.push({ header: entry.header, content: Buffer.concat(chunks) });
  }
  return result;
}

describe("writeLayer", async () => {
  const layer = await write(entries);
  const blob = readFileSync(layer.path);
  const tar = gunzipSync(blob);

  it("names the blob by its digest", () => {
    expect(layer.path).toBe(join(work, "blobs", layer.digest.slice("sha256:".length)));
    expect(`sha256:${createHash("sha256").update(blob).digest("hex")}`).toBe(layer.digest);
    expect(layer.size).toBe(blob.length);
  });

  it("returns the diff ID of the uncompressed tar", () => {
    expect(`sha256:${createHash("sha256").update(tar).digest("hex")}`).toBe(layer.diffId);
    expect(layer.uncompressedSize).toBe(tar.length);
  });

  it("decompresses with gzip -dc", () => {
    const output = execFileSync("gzip", ["-dc", layer.path], { maxBuffer: 1 << 26 });
    expect(output.equals(tar)).toBe(true);
  });

  it("writes the blob world-readable", () => {
    expect(statSync(layer.path).mode & 0o777).toBe(0o644);
  });

  it("leaves no temporary file", () => {
    expect(readdirSync(join(work, "blobs")).filter((name) => name.startsWith("."))).toEqual([]);
  });

  it("sorts entries by path bytes", async () => {
    const paths = (await readTar(tar)).map((entry) => entry.header.name);
    const expected = entries
      .map((entry) => (entry.type === "dir" ? `${entry.path}/` : entry.path))
      .sort((left, right) =>
        Buffer.compare(Buffer.from(left.replace(/\/$/, "")), Buffer.from(right.replace(/\/$/, ""))),
      );
    expect(paths).toEqual(expected);
    expect(paths.indexOf("usr/share/\uFF01")).toBeLessThan(paths.indexOf("usr/share/\u{1F600}"));
  });

  it("ends with exactly two zero blocks", async () => {
    const records = planRecords(orderLayerEntries(entries), names);
    const end = records.reduce((sum, record) => sum + record.size, 0);
    expect(tar.length).toBe(end + 1024);
    expect(tar.subarray(end).every((byte) => byte === 0)).toBe(true);
  });

  it("stores contents, modes and owners", async () => {
    const read = new Map((await readTar(tar)).map((entry) => [entry.header.name, entry]));
    expect(read.get("app/big.bin")?.content.equals(bigData)).toBe(true);
    expect(read.get("app/range.txt")?.content.toString()).toBe(
      "content of a range in a larger file",
    );
    expect(read.get("usr/share/café/ñandú.txt")?.content.toString()).toBe("non-ASCII\n");
    expect(read.get(`${longDir}/${"file-".repeat(12)}end.txt`)?.content.toString()).toBe(
      "long path\n",
    );
    expect(read.get("app/empty")?.header.size).toBe(0);
    const server = read.get("app/server.js")?.header;
    expect(server?.mode).toBe(0o755);
    expect(server?.uid).toBe(1000);
    expect(server?.uname).toBe("app");
    expect(server?.mtime.getTime()).toBe(1_700_000_000_000);
    const highIds = read.get("app/high-ids")?.header.pax as Record<string, string>;
    expect(highIds.gid).toBe("2147483647");
    expect(read.get("app/high-ids")?.header.uid).toBe(300_000);
    expect(read.get("usr/bin/nodejs")?.header.linkname).toBe("node");
  });

  it("puts a hardlink's data on its first path", async () => {
    const read = new Map((await readTar(tar)).map((entry) => [entry.header.name, entry]));
    expect(read.get("usr/bin/a-node")?.header.type).toBe("file");
    expect(read.get("usr/bin/a-node")?.header.mode).toBe(0o755);
    expect(read.get("usr/bin/a-node")?.content.toString()).toBe("#!binary\n");
    expect(read.get("usr/bin/node")?.header.type).toBe("link");
    expect(read.get("usr/bin/node")?.header.linkname).toBe("usr/bin/a-node");
    expect(read.get("usr/bin/z-node")?.header.linkname).toBe("usr/bin/a-node");
  });

  it("extracts with GNU tar", () => {
    const target = join(work, "extracted");
    execFileSync("mkdir", ["-p", target]);
    execFileSync("tar", ["--numeric-owner", "--same-owner", "-xpzf", layer.path, "-C", target]);
    expect(readFileSync(join(target, "app/big.bin")).equals(bigData)).toBe(true);
    expect(lstatSync(join(target, "usr/bin/z-node")).ino).toBe(
      lstatSync(join(target, "usr/bin/node")).ino,
    );
    expect(lstatSync(join(target, "usr/bin/node")).nlink).toBe(3);
    expect(readlinkSync(join(target, "usr/bin/nodejs"))).toBe("node");
    expect(lstatSync(join(target, "app/high-ids")).gid).toBe(2_147_483_647);
    expect(lstatSync(join(target, "app")).uid).toBe(1000);
  });

  it("compresses each piece as its own gzip member", async () => {
    const records = planRecords(orderLayerEntries(entries), names);
    const pieces = planPieces(
      records.map((record) => ({ path: record.entry.path, size: record.size })),
    );
    expect(pieces.length).toBeGreaterThan(5);
    const members = await Promise.all(
      pieces.map((piece) => gzipMember(tar.subarray(piece.start, piece.end))),
    );
    expect(Buffer.concat(members.map((member) => Buffer.from(member))).equals(blob)).toBe(true);
  });

  it("gives the same bytes whatever the input order", async () => {
    const again = await write([...entries].reverse(), { blobDir: join(work, "reversed") });
    expect(again.digest).toBe(layer.digest);
    expect(again.diffId).toBe(layer.diffId);
  });

  it("gives the same bytes whatever the concurrency", async () => {
    for (const concurrency of [1, 3, 8]) {
      const again = await write(entries, {
        blobDir: join(work, `concurrency-${concurrency}`),
        concurrency,
      });
      expect(again.digest, `concurrency ${concurrency}`).toBe(layer.digest);
    }
  });

  it("ignores TZ, locale and umask", async () => {
    const saved = { TZ: process.env.TZ, LC_ALL: process.env.LC_ALL };
    const umask = process.umask(0o077);
    process.env.TZ = "Pacific/Chatham";
    process.env.LC_ALL = "tr_TR.UTF-8";
    try {
      const again = await write(entries, { blobDir: join(work, "environment") });
      expect(again.digest).toBe(layer.digest);
      expect(statSync(again.path).mode & 0o777).toBe(0o644);
    } finally {
      process.umask(umask);
      for (const [name, value] of Object.entries(saved)) {
        if (value === undefined) Reflect.deleteProperty(process.env, name);
        else process.env[name] = value;
      }
    }
  });

  it("writes an empty layer as the trailer alone", async () => {
    const empty = await write([], { blobDir: join(work, "empty") });
    const emptyTar = gunzipSync(readFileSync(empty.path));
    expect(emptyTar.length).toBe(1024);
    expect(emptyTar.every((byte) => byte === 0)).toBe(true);
  });
});

describe("writeLayer checks", () => {
  it("rejects a duplicate path as a bug", async () => {
    await expect(write([dir("etc"), dir("etc")])).rejects.toThrow(
      /bug in imgc.*duplicate layer path "etc"/,
    );
  });

  it("rejects a missing parent as a bug", async () => {
    await expect(write([text("etc/hosts", "x")])).rejects.toThrow(/parent directory "etc"/);
  });

  it("rejects a hardlink to a missing path", async () => {
    await expect(write([{ ...base, path: "a", type: "hardlink", linkname: "b" }])).rejects.toThrow(
      /not in the layer/,
    );
  });

  it("rejects a path with a dot segment", async () => {
    await expect(write([dir("."), dir("a")])).rejects.toThrow(
      /layer entry "." is not a relative path/,
    );
  });

  it("rejects a size that differs from the content", async () => {
    const entry = { ...text("a", "abc"), size: 4 };
    await expect(write([entry])).rejects.toThrow(/layer entry "a" has a size of 4 but 3 bytes/);
  });

  it("rejects a hardlink to a directory", async () => {
    const link: LayerEntry = { ...base, path: "b", type: "hardlink", linkname: "a" };
    await expect(write([dir("a"), link])).rejects.toThrow(/points to a dir, not a regular file/);
  });

  it("rejects a hardlink cycle", async () => {
    const first: LayerEntry = { ...base, path: "a", type: "hardlink", linkname: "b" };
    const second: LayerEntry = { ...base, path: "b", type: "hardlink", linkname: "a" };
    await expect(write([first, second])).rejects.toThrow(/part of a cycle/);
  });

  it("reports a source file that shrank", async () => {
    const blobDir = join(work, "short");
    const shortFile = join(work, "short.bin");
    writeFileSync(shortFile, "12345");
    const short: LayerEntry = {
      ...base,
      path: "short",
      type: "file",
      size: 10,
      content: { kind: "file", path: shortFile, offset: 0, size: 10 },
    };
    await expect(write([short], { blobDir })).rejects.toMatchObject({
      message: `${shortFile} changed while imgc was reading it; build again`,
      hint: expect.stringMatching(/ends at byte 5, before byte 10 where the content of \/short/),
    });
    expect(readdirSync(blobDir)).toEqual([]);
  });
});

describe("writeLayer source checks", () => {
  /** A whole source file with `text` as its content, and its entry at `path`. */
  const sourceEntry = (name: string, value: string): LayerEntry => {
    const path = join(work, name);
    writeFileSync(path, value);
    const size = Buffer.byteLength(value);
    return {
      ...base,
      path: name,
      type: "file",
      size,
      content: { kind: "file", path, offset: 0, size },
    };
  };
  const sha256 = (value: string) => createHash("sha256").update(value).digest("hex");

  it("accepts content that matches its hash", async () => {
    const entry = sourceEntry("same.txt", "unchanged\n");
    const contentSha256 = new Map([["same.txt", sha256("unchanged\n")]]);
    const written = await write([entry], { blobDir: join(work, "same"), contentSha256 });
    expect(written.digest).toBe((await write([entry], { blobDir: join(work, "same") })).digest);
  });

  it("rejects content rewritten since it was hashed", async () => {
    const blobDir = join(work, "rewritten");
    const entry = sourceEntry("rewritten.txt", "first version\n");
    const contentSha256 = new Map([["rewritten.txt", sha256("first version\n")]]);
    writeFileSync(join(work, "rewritten.txt"), "other version\n");
    await expect(write([entry], { blobDir, contentSha256 })).rejects.toMatchObject({
      name: "ImgcError",
      message: `${join(work, "rewritten.txt")} changed while imgc was reading it; build again`,
      hint: expect.stringMatching(/bytes read for \/rewritten\.txt have sha256 [0-9a-f]{64}, not/),
    });
    expect(readdirSync(blobDir)).toEqual([]);
  });

  it("rejects a whole file that grew", async () => {
    const blobDir = join(work, "grown");
    const entry = sourceEntry("grown.txt", "0123456789");
    writeFileSync(join(work, "grown.txt"), "0123456789 and more");
    await expect(write([entry], { blobDir })).rejects.toMatchObject({
      message: `${join(work, "grown.txt")} changed while imgc was reading it; build again`,
      hint: expect.stringMatching(/has 19 bytes now, but had 10 when the build listed it/),
    });
    expect(readdirSync(blobDir)).toEqual([]);
  });

  it("accepts a range of a larger file", async () => {
    const range: LayerEntry = {
      ...base,
      path: "range",
      type: "file",
      size: 6,
      content: { kind: "file", path: packFile, offset: 0, size: 6 },
      contentSha256: sha256("HEADER"),
    };
    const written = await write([range], { blobDir: join(work, "range") });
    expect(written.size).toBeGreaterThan(0);
  });

  it("rejects a producer's range whose hash differs", async () => {
    const blobDir = join(work, "damaged-range");
    const range: LayerEntry = {
      ...base,
      path: "range",
      type: "file",
      size: 7,
      content: { kind: "file", path: packFile, offset: 6, size: 7 },
      contentSha256: sha256("CONTENT"),
    };
    await expect(write([range], { blobDir })).rejects.toMatchObject({
      message: `${packFile} changed while imgc was reading it; build again`,
      hint: expect.stringMatching(/If this repeats, the file is damaged/),
    });
    expect(readdirSync(blobDir)).toEqual([]);
  });

  it("checks a file that spans several pieces", async () => {
    const blobDir = join(work, "big-changed");
    const size = bigData.length;
    const entry: LayerEntry = {
      ...base,
      path: "big.bin",
      type: "file",
      size,
      content: { kind: "file", path: bigFile, offset: 0, size },
    };
    const good = createHash("sha256").update(bigData).digest("hex");
    const written = await write([entry], { blobDir, contentSha256: new Map([["big.bin", good]]) });
    expect(written.uncompressedSize).toBeGreaterThan(size);

    const wrong = new Map([["big.bin", sha256("something else")]]);
    await expect(write([entry], { blobDir, contentSha256: wrong })).rejects.toThrow(
      /big\.bin changed while imgc was reading it/,
    );
    expect(readdirSync(blobDir)).toEqual([written.digest.slice(7)]);
  });
});
