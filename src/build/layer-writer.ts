// Writes one layer blob: a deterministic tar stream of the entries, cut into pieces (see
// pieces.ts), each piece compressed as its own gzip member in a worker thread, the members
// written in order. The same entries give the same bytes whatever the machine, Node version,
// concurrency or timing.

import { createHash } from "node:crypto";
import { mkdir, open, rename, rm } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import type { Digest } from "../util/digest.js";
import { assert, ImgcError } from "../util/errors.js";
import { temporarySibling } from "../util/fs.js";
import { silentReporter, type Reporter } from "../util/reporter.js";
import { deflateEngine, gzipMember } from "./deflate.js";
import type { LayerEntry } from "./layer-entry.js";
import { orderLayerEntries } from "./order-entries.js";
import { OrderedQueue } from "./ordered-queue.js";
import { MAX_PIECE_SIZE, planPieces } from "./pieces.js";
import { planRecords, TarSource, type OwnerNames } from "./tar-source.js";

export type { OwnerNames } from "./tar-source.js";

/**
 * Version of everything that decides a layer's bytes: the tar encoding, the piece rule and the
 * gzip settings. The layer cache keys on it, so change it whenever any of those changes.
 */
export const LAYER_FORMAT_VERSION =
  "imgc-layer-1 ustar+pax pieces=1MiB/256KiB/sha256&0x1f gzip=6/pako-3.0.3";

interface CompressedPiece {
  member: Uint8Array;
  /** The buffer the piece was read into, free again once the member is written. */
  input: Buffer;
}

/** Pieces per compression thread that may be running or waiting to be written. */
const QUEUED_PER_THREAD = 4;

export interface WriteLayerOptions {
  /** User and group names for the tar headers, from the image's passwd and group files. */
  names: OwnerNames;
  /** Folder the blob is written to, as `<blobDir>/<hex of digest>`. */
  blobDir: string;
  /** Worker threads that compress pieces, at most one piece each at a time. Default: the CPUs. */
  concurrency?: number;
  reporter?: Reporter;
  /**
   * sha256 (hex) of file contents by layer path, as the layer cache key used them. The writer
   * hashes each file as it reads it and fails with fileChangedError when the bytes differ from
   * these or from an entry's own contentSha256.
   */
  contentSha256?: ReadonlyMap<string, string>;
}

/** A layer blob written to disk. */
export interface WrittenLayer {
  /** sha256 of the compressed blob, as in the manifest. */
  digest: Digest;
  /** sha256 of the uncompressed tar, as in the image config's `rootfs.diff_ids`. */
  diffId: Digest;
  /** Bytes of the compressed blob. */
  size: number;
  /** Bytes of the uncompressed tar. */
  uncompressedSize: number;
  /** Where the blob is: `<blobDir>/<hex of digest>`. */
  path: string;
}

/**
 * Writes the layer made of `entries` to `<blobDir>/<hex>` and returns its digests and sizes.
 * The entries must include every parent directory and no path twice. A violation is an internal
 * error. A source file that changes while it is read fails the write, and nothing is left in
 * `blobDir`. Memory use depends on the concurrency, not on the layer's size: per worker, at most 4
 * pieces of at most 2 MiB wait to be compressed or written, besides the worker's own buffers.
 */
export async function writeLayer(
  entries: readonly LayerEntry[],
  options: WriteLayerOptions,
): Promise<WrittenLayer> {
  const reporter = options.reporter ?? silentReporter;
  const concurrency = options.concurrency ?? availableParallelism();
  assert(Number.isInteger(concurrency) && concurrency >= 1, `layer concurrency ${concurrency}`);

  // The compression self-test runs on other threads while the main thread plans the tar.
  const engine = deflateEngine();
  // Awaited below. The handler keeps a failure from counting as unhandled if planning throws.
  engine.catch(() => {});
  const ordered = orderLayerEntries(entries);
  const records = planRecords(ordered, options.names);
  const pieces = planPieces(
    records.map((record) => ({ path: record.entry.path, size: record.size })),
  );
  reporter.debug(
    `layer: ${ordered.length} entries in ${pieces.length} gzip members (${await engine}, ${concurrency} at once)`,
  );

  await mkdir(options.blobDir, { recursive: true });
  const temporary = temporarySibling(join(options.blobDir, "layer"));
  const output = await open(temporary, "wx");
  const source = new TarSource(records, options.contentSha256);
  const tarHash = createHash("sha256");
  const blobHash = createHash("sha256");
  let size = 0;
  let uncompressedSize = 0;

  // Piece buffers are reused once their member is written: allocating a fresh one per piece
  // made the garbage collector a visible share of the main thread's time. fill() writes every
  // byte, so a reused buffer never leaks an earlier piece.
  const freeBuffers: Buffer[] = [];
  const writeMember = async ({ member, input }: CompressedPiece): Promise<void> => {
    blobHash.update(member);
    size += member.length;
    await output.write(member);
    freeBuffers.push(input);
  };

  try {
    // Each worker gets a second piece to start as soon as it finishes one. Members finish out of
    // order but are written in piece order.
    const maxRunning = concurrency * 2;
    const queue = new OrderedQueue(maxRunning, concurrency * QUEUED_PER_THREAD, writeMember);
    for (const piece of pieces) {
      const input = freeBuffers.pop() ?? Buffer.allocUnsafeSlow(MAX_PIECE_SIZE);
      const data = input.subarray(0, piece.end - piece.start);
      source.fill(data);
      tarHash.update(data);
      uncompressedSize += data.length;
      await queue.submit(async () => ({ member: await gzipMember(data, concurrency), input }));
    }
    await queue.drain();

    // Blobs are world-readable whatever the umask, so any user's runtime can read the layout.
    await output.chmod(0o644);
    await output.close();
  } catch (error) {
    source.close();
    await output.close().catch(() => {});
    await rm(temporary, { force: true });
    // File system errors become operational errors. ImgcErrors and internal assertions pass as is.
    const systemError = (error as NodeJS.ErrnoException).code !== undefined;
    if (!systemError) throw error;
    throw new ImgcError(`failed to write a layer blob in ${options.blobDir}`, { cause: error });
  }

  const hex = blobHash.digest("hex");
  const path = join(options.blobDir, hex);
  try {
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw new ImgcError(`failed to move a layer blob into ${options.blobDir}`, { cause: error });
  }
  return {
    digest: `sha256:${hex}`,
    diffId: `sha256:${tarHash.digest("hex")}`,
    size,
    uncompressedSize,
    path,
  };
}
