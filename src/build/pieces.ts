// Where a layer's tar stream is cut into pieces. Each piece is compressed as its own gzip member
// and the members are concatenated: a multi-member gzip stream is valid gzip, and runtimes and
// registries read it as one stream. The rule below fixes every layer digest imgc writes, so a
// change to it (or to its constants) must change LAYER_FORMAT_VERSION in the layer writer.
//
// The rule. The tar stream is a sequence of records, one per entry (its PAX and ustar header
// blocks, its content and the padding to a whole block), then the 1,024-byte end-of-archive
// trailer. Records are taken in stream order, and an open run starts empty at offset 0:
//
//   1. A record larger than PIECE_SIZE (1 MiB) is large. It first closes the open run as a piece,
//      unless the run is empty. The record is then cut into pieces every PIECE_SIZE bytes from its
//      own start, and its remainder (1 byte to 1 MiB) is a piece of its own. A new empty run
//      starts after the record.
//   2. Any other record is appended to the open run. The run then closes as a piece when it
//      contains at least PIECE_SIZE bytes, or when it contains at least MIN_RUN_SIZE (256 KiB)
//      and the first byte of the sha256 of the record's path (UTF-8, as in LayerEntry.path,
//      without a trailing "/") has its low 5 bits zero.
//   3. The trailer is appended to the open run, which may be empty, and closes it as the last
//      piece.
//
// Boundaries depend only on the records' paths and sizes: never on the thread count, timing or
// content bytes. Because the path hash picks boundaries, an edit that changes one small file's
// size moves the boundaries of its own run, and the runs after it fall back onto the same
// boundaries at the next hashed path that closes a run in both versions. A large record is cut
// from its own start, so an edit in another record never changes the bytes of its pieces.

import { createHash } from "node:crypto";
import { assert } from "../util/errors.js";
import { END_OF_ARCHIVE_SIZE } from "./tar-header.js";

/** Target size of a piece, and the size of a large record's pieces. */
export const PIECE_SIZE = 1024 * 1024;

/**
 * Largest piece: an open run below PIECE_SIZE plus one record of at most PIECE_SIZE. The last
 * piece is an open run plus the 1,024-byte trailer, so it is smaller.
 */
export const MAX_PIECE_SIZE = 2 * PIECE_SIZE;

/** Smallest run of small records that a hashed path may close. */
export const MIN_RUN_SIZE = 256 * 1024;

/** Bits of the path hash that must be zero for a path to close a run: 1 path in 32. */
const BOUNDARY_MASK = 0x1f;

/** One entry's record in the tar stream. */
export interface TarRecord {
  /** The entry's path, which decides whether the record may close a run. */
  path: string;
  /** Bytes of the record: header blocks, content and padding. */
  size: number;
}

/** A byte range `[start, end)` of the tar stream that is compressed as one gzip member. */
export interface Piece {
  start: number;
  end: number;
}

/**
 * Cuts the tar stream made of `records` and the end-of-archive trailer into pieces, by the rule
 * at the top of this file. The pieces cover the whole stream in order, with no gaps.
 */
export function planPieces(records: readonly TarRecord[]): Piece[] {
  const pieces: Piece[] = [];
  let runStart = 0;
  let offset = 0;

  for (const record of records) {
    assert(Number.isSafeInteger(record.size) && record.size > 0, `record size of ${record.path}`);

    if (record.size > PIECE_SIZE) {
      if (offset > runStart) pieces.push({ start: runStart, end: offset });
      const recordEnd = offset + record.size;
      for (let start = offset; start < recordEnd; start += PIECE_SIZE) {
        pieces.push({ start, end: Math.min(start + PIECE_SIZE, recordEnd) });
      }
      offset = recordEnd;
      runStart = offset;
      continue;
    }

    offset += record.size;
    const runSize = offset - runStart;
    if (runSize >= PIECE_SIZE || (runSize >= MIN_RUN_SIZE && closesRun(record.path))) {
      pieces.push({ start: runStart, end: offset });
      runStart = offset;
    }
  }

  pieces.push({ start: runStart, end: offset + END_OF_ARCHIVE_SIZE });
  for (const piece of pieces)
    assert(piece.end - piece.start <= MAX_PIECE_SIZE, "a piece exceeds 2 MiB");
  return pieces;
}

/** Returns whether `path` is one of the 1 in 32 paths that may close a run. */
export function closesRun(path: string): boolean {
  const firstByte = createHash("sha256").update(path, "utf8").digest()[0] ?? 0;
  return (firstByte & BOUNDARY_MASK) === 0;
}
