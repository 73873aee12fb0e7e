// A content-addressed cache of built layers. The key is the sha256 of a canonical description of
// the entries (every header field, the owner names and each file's content sha256) and of
// LAYER_FORMAT_VERSION. A hit returns the stored digests without reading the entries or
// compressing anything, provided the blob is still in the cache and still has its digest.
//
//   <cacheDir>/layers/<key>.json      {"digest","diffId","size","uncompressedSize"}
//   <cacheDir>/blobs/sha256/<hex>     the layer blob, written by writeLayer

import { createHash } from "node:crypto";
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { readFile, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { digestHex, sha256File, type Digest } from "../util/digest.js";
import { ImgcError } from "../util/errors.js";
import { removeStaleTemporaries, writeFileAtomic } from "../util/fs.js";
import { silentReporter, type Reporter } from "../util/reporter.js";
import type { LayerEntry } from "./layer-entry.js";
import {
  LAYER_FORMAT_VERSION,
  writeLayer,
  type OwnerNames,
  type WrittenLayer,
} from "./layer-writer.js";
import { orderLayerEntries } from "./order-entries.js";
import { fileChangedError, isWholeFile } from "./tar-source.js";

export interface BuildLayerOptions {
  /** imgc's cache folder, with records under `layers/` and blobs under `blobs/sha256/`. */
  cacheDir: string;
  names: OwnerNames;
  reporter?: Reporter;
  /** Pieces compressed at once on a miss. Default: the number of CPUs. */
  concurrency?: number;
}

/** Contents of a cache record. The blob's path follows from the digest. */
interface LayerRecord {
  digest: Digest;
  diffId: Digest;
  size: number;
  uncompressedSize: number;
}

/** The cache key of a layer and the file hashes it was computed from. */
export interface LayerCacheKey {
  /** sha256 (hex) of the layer's canonical description. */
  key: string;
  /** sha256 (hex) of each file's content that was hashed for the key, by layer path. */
  contentSha256: ReadonlyMap<string, string>;
}

const HASH_READ_SIZE = 1024 * 1024;

/** Cache folders this process has already swept for temporaries of killed builds. */
const sweptFolders = new Set<string>();

/** Returns the folder `buildLayer` writes blobs to, `<cacheDir>/blobs/sha256`. */
export function cacheBlobDir(cacheDir: string): string {
  return join(cacheDir, "blobs", "sha256");
}

/**
 * Returns the layer built from `entries`: from the cache when an identical layer was built
 * before and its blob is still there, else written by `writeLayer` and recorded.
 */
export async function buildLayer(
  entries: readonly LayerEntry[],
  options: BuildLayerOptions,
): Promise<WrittenLayer> {
  const reporter = options.reporter ?? silentReporter;
  const blobDir = cacheBlobDir(options.cacheDir);
  const recordDir = join(options.cacheDir, "layers");
  await sweepOnce(blobDir, reporter);
  await sweepOnce(recordDir, reporter);

  const { key, contentSha256 } = layerCacheKey(entries, options.names);
  const recordPath = join(recordDir, `${key}.json`);

  const cached = await readRecord(recordPath, blobDir, reporter);
  if (cached !== undefined) {
    reporter.debug(`layer cache hit ${cached.digest} (key ${key})`);
    return cached;
  }

  // The writer checks each file against the hash the key used, so a file rewritten since then
  // fails the build before a record could pair this key with other content.
  const written = await writeLayer(entries, {
    names: options.names,
    blobDir,
    reporter,
    contentSha256,
    ...(options.concurrency === undefined ? {} : { concurrency: options.concurrency }),
  });
  const record: LayerRecord = {
    digest: written.digest,
    diffId: written.diffId,
    size: written.size,
    uncompressedSize: written.uncompressedSize,
  };
  await writeFileAtomic(recordPath, `${JSON.stringify(record)}\n`);
  reporter.debug(`layer cache stored ${written.digest} (key ${key})`);
  return written;
}

/**
 * Computes the cache key of a layer: the sha256 (hex) of the format version and one line per
 * entry, in tar order, with every field that reaches the tar. A file's content is named by its
 * `contentSha256`, or hashed here when that is absent. A whole file whose size differs from its
 * entry's fails with fileChangedError.
 */
export function layerCacheKey(entries: readonly LayerEntry[], names: OwnerNames): LayerCacheKey {
  const hash = createHash("sha256");
  hash.update(`${LAYER_FORMAT_VERSION}\n`);
  const hashed = new Map<string, string>();
  const reader = new ContentHasher();
  try {
    for (const entry of orderLayerEntries(entries)) {
      let contentSha256: string | null = null;
      if (entry.type === "file") {
        contentSha256 = entry.contentSha256 ?? reader.hash(entry);
        if (entry.contentSha256 === undefined) hashed.set(entry.path, contentSha256);
      }
      const line = [
        entry.path,
        entry.type,
        entry.mode,
        entry.uid,
        entry.gid,
        entry.mtime,
        entry.size,
        entry.linkname ?? null,
        names.user(entry.uid),
        names.group(entry.gid),
        contentSha256,
      ];
      hash.update(`${JSON.stringify(line)}\n`);
    }
  } finally {
    reader.close();
  }
  return { key: hash.digest("hex"), contentSha256: hashed };
}

/**
 * Removes temporaries that killed builds left in `dir`, the first time this process builds a
 * layer there. Failing to remove one costs only disk space, so it is reported, not thrown.
 */
async function sweepOnce(dir: string, reporter: Reporter): Promise<void> {
  if (sweptFolders.has(dir)) return;
  sweptFolders.add(dir);
  try {
    const { removed, failed } = await removeStaleTemporaries(dir);
    if (removed.length > 0) {
      const files = removed.length === 1 ? "file" : "files";
      reporter.debug(
        `layer cache: removed ${removed.length} temporary ${files} of ended builds in ${dir}`,
      );
    }
    for (const { path, error } of failed) {
      reporter.debug(`layer cache: failed to remove the stale temporary ${path}: ${String(error)}`);
    }
  } catch (error) {
    reporter.debug(`layer cache: failed to list ${dir} for stale temporaries: ${String(error)}`);
  }
}

async function readRecord(
  recordPath: string,
  blobDir: string,
  reporter: Reporter,
): Promise<WrittenLayer | undefined> {
  let record: LayerRecord;
  try {
    record = JSON.parse(await readFile(recordPath, "utf8")) as LayerRecord;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") {
      reporter.debug(
        `layer cache record ${recordPath} is unreadable, rebuilding: ${String(error)}`,
      );
    }
    return undefined;
  }

  try {
    const path = join(blobDir, digestHex(record.digest));
    digestHex(record.diffId);
    const blob = await stat(path);
    if (blob.size !== record.size) {
      reporter.debug(
        `layer cache blob ${path} has ${blob.size} bytes, expected ${record.size}; rebuilding`,
      );
      return undefined;
    }
    // A blob of the right size can still be damaged, and a layout hard-links the cache's blobs,
    // so an edit there reaches here. Hashing reads the blob once, far less work than a rebuild.
    const { hex } = await sha256File(path);
    if (hex !== digestHex(record.digest)) {
      reporter.info(
        `layer cache blob ${path} does not match its digest (its sha256 is ${hex}), so imgc removes and rebuilds it`,
      );
      await rm(path, { force: true });
      return undefined;
    }
    return { ...record, path };
  } catch (error) {
    reporter.debug(
      `layer cache record ${recordPath} has no usable blob, rebuilding: ${String(error)}`,
    );
    return undefined;
  }
}

/** Hashes file contents, keeping one file open across consecutive ranges of it. */
class ContentHasher {
  private file: { descriptor: number; path: string } | undefined;
  private buffer: Buffer | undefined;

  hash(entry: LayerEntry): string {
    const hash = createHash("sha256");
    const content = entry.content;
    if (content === undefined) return hash.digest("hex");
    if (content.kind === "bytes") return hash.update(content.data).digest("hex");

    // Synchronous reads: a layer's files are read one after another, and thousands of small
    // async reads cost more in round trips than the reading itself.
    const descriptor = this.open(content.path);
    this.buffer ??= Buffer.allocUnsafe(HASH_READ_SIZE);
    for (let done = 0; done < content.size; ) {
      const length = Math.min(HASH_READ_SIZE, content.size - done);
      const position = content.offset + done;
      const bytesRead = readSync(descriptor, this.buffer, 0, length, position);
      if (bytesRead === 0) {
        const end = content.offset + content.size;
        const detail = `It ends at byte ${position}, before byte ${end} where the content of /${entry.path} ends`;
        throw fileChangedError(entry, content.path, detail);
      }
      hash.update(this.buffer.subarray(0, bytesRead));
      done += bytesRead;
    }
    // A file that grew before it was hashed would hash as its first `size` bytes: the key would
    // match an earlier build's and the cache would return the file cut short.
    if (isWholeFile(entry)) {
      const size = fstatSync(descriptor).size;
      if (size !== content.size) {
        const detail = `It has ${size} bytes now, but had ${content.size} when the build listed it for /${entry.path}`;
        throw fileChangedError(entry, content.path, detail);
      }
    }
    return hash.digest("hex");
  }

  close(): void {
    if (this.file !== undefined) closeSync(this.file.descriptor);
    this.file = undefined;
  }

  private open(path: string): number {
    if (this.file?.path === path) return this.file.descriptor;
    this.close();
    try {
      this.file = { descriptor: openSync(path, "r"), path };
    } catch (error) {
      throw new ImgcError(`failed to open ${path} while hashing a layer's files`, { cause: error });
    }
    return this.file.descriptor;
  }
}
