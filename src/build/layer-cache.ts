// A content-addressed cache of built layers. The key is the sha256 of a canonical description of
// the entries (every header field, the owner names and each file's content sha256) and of
// LAYER_FORMAT_VERSION. A hit returns the stored digests without reading or compressing anything,
// provided the blob is still in the cache.
//
//   <cacheDir>/layers/<key>.json      {"digest","diffId","size","uncompressedSize"}
//   <cacheDir>/blobs/sha256/<hex>     the layer blob, written by writeLayer

import { createHash } from "node:crypto";
import { closeSync, openSync, readSync } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { digestHex, type Digest } from "../util/digest.js";
import { ImgcError } from "../util/errors.js";
import { writeFileAtomic } from "../util/fs.js";
import { silentReporter, type Reporter } from "../util/reporter.js";
import type { LayerEntry } from "./layer-entry.js";
import {
  LAYER_FORMAT_VERSION,
  writeLayer,
  type OwnerNames,
  type WrittenLayer,
} from "./layer-writer.js";
import { orderLayerEntries } from "./order-entries.js";

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

const HASH_READ_SIZE = 1024 * 1024;

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
  const key = layerCacheKey(entries, options.names);
  const recordPath = join(options.cacheDir, "layers", `${key}.json`);

  const cached = await readRecord(recordPath, blobDir, reporter);
  if (cached !== undefined) {
    reporter.debug(`layer cache hit ${cached.digest} (key ${key})`);
    return cached;
  }

  const written = await writeLayer(entries, {
    names: options.names,
    blobDir,
    reporter,
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
 * Returns the cache key of a layer: the sha256 (hex) of the format version and one line per
 * entry, in tar order, with every field that reaches the tar. A file's content is named by its
 * `contentSha256`, or hashed here when that is absent.
 */
export function layerCacheKey(entries: readonly LayerEntry[], names: OwnerNames): string {
  const hash = createHash("sha256");
  hash.update(`${LAYER_FORMAT_VERSION}\n`);
  const reader = new ContentHasher();
  try {
    for (const entry of orderLayerEntries(entries)) {
      const contentSha256 =
        entry.type === "file" ? (entry.contentSha256 ?? reader.hash(entry)) : null;
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
  return hash.digest("hex");
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
      const bytesRead = readSync(descriptor, this.buffer, 0, length, content.offset + done);
      if (bytesRead === 0) {
        throw new ImgcError(
          `failed to hash ${content.path} for layer path /${entry.path}: the file ended before byte ${content.offset + content.size}`,
        );
      }
      hash.update(this.buffer.subarray(0, bytesRead));
      done += bytesRead;
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
