// Produces a layer's tar stream in order, piece by piece, without holding more than the piece
// being filled: headers are encoded when reached and file content is read in ranges of at most
// 1 MiB straight into the piece's buffer.
//
// Reads are synchronous on purpose. A layer has thousands of small files, and each async read
// costs a thread-pool round trip and a scheduler turn while the cores are busy compressing. On 2
// cores, with compression then on libuv's pool, filling the pieces of a 200 MB tree of 5,000
// files took 2.4 s with async reads and about 0.2 s with sync ones. A read blocks the event loop
// for at most one 1 MiB range.

import { closeSync, openSync, readSync } from "node:fs";
import { assert, ImgcError } from "../util/errors.js";
import type { LayerEntry } from "./layer-entry.js";
import {
  encodeTarHeader,
  END_OF_ARCHIVE_SIZE,
  paddingSize,
  tarHeaderSize,
  type TarHeader,
} from "./tar-header.js";

/** Largest single read from a source file. */
const MAX_READ_SIZE = 1024 * 1024;

/** One entry's place in the tar stream. */
export interface PlannedRecord {
  entry: LayerEntry;
  header: TarHeader;
  headerSize: number;
  /** Header size plus content plus padding. */
  size: number;
}

/** Maps uids and gids to the names in the image's passwd and group files. */
export interface OwnerNames {
  user(uid: number): string;
  group(gid: number): string;
}

/** Returns the tar header of an entry, whose order and form `orderLayerEntries` fixed. */
export function headerOf(entry: LayerEntry, names: OwnerNames): TarHeader {
  return {
    path: entry.path,
    type: entry.type,
    mode: entry.mode,
    uid: entry.uid,
    gid: entry.gid,
    mtime: entry.mtime,
    size: entry.type === "file" ? entry.size : 0,
    ...(entry.linkname === undefined ? {} : { linkname: entry.linkname }),
    uname: names.user(entry.uid),
    gname: names.group(entry.gid),
  };
}

/** Reads the tar stream of planned records, then the end-of-archive trailer, in order. */
export class TarSource {
  private recordIndex = 0;
  /** Offset inside the current record, or inside the trailer once every record is done. */
  private offset = 0;
  private headerBytes: Uint8Array | undefined;
  private file: { descriptor: number; path: string } | undefined;

  constructor(private readonly records: readonly PlannedRecord[]) {}

  /** Fills `buffer` with the next `buffer.length` bytes of the stream. */
  fill(buffer: Uint8Array): void {
    let filled = 0;
    while (filled < buffer.length) {
      const record = this.records[this.recordIndex];
      if (record === undefined) {
        const length = Math.min(buffer.length - filled, END_OF_ARCHIVE_SIZE - this.offset);
        assert(length > 0, "a piece extends past the end of the tar stream");
        buffer.fill(0, filled, filled + length);
        this.offset += length;
        filled += length;
        continue;
      }
      filled += this.fillFromRecord(record, buffer, filled);
      if (this.offset === record.size) this.nextRecord();
    }
  }

  /** Closes the file being read, if any; call it when the stream is abandoned. */
  close(): void {
    const file = this.file;
    this.file = undefined;
    if (file !== undefined) closeSync(file.descriptor);
  }

  private fillFromRecord(record: PlannedRecord, buffer: Uint8Array, at: number): number {
    const room = buffer.length - at;
    const contentStart = record.headerSize;
    const contentEnd = contentStart + record.header.size;

    if (this.offset < contentStart) {
      this.headerBytes ??= encodeTarHeader(record.header);
      assert(
        this.headerBytes.length === record.headerSize,
        `header size of ${record.header.path} changed`,
      );
      const length = Math.min(room, contentStart - this.offset);
      buffer.set(this.headerBytes.subarray(this.offset, this.offset + length), at);
      this.offset += length;
      return length;
    }
    if (this.offset < contentEnd) {
      const length = Math.min(room, contentEnd - this.offset, MAX_READ_SIZE);
      this.readContent(record.entry, this.offset - contentStart, buffer.subarray(at, at + length));
      this.offset += length;
      return length;
    }
    const length = Math.min(room, record.size - this.offset);
    buffer.fill(0, at, at + length);
    this.offset += length;
    return length;
  }

  private readContent(entry: LayerEntry, position: number, target: Uint8Array): void {
    const content = entry.content;
    assert(content !== undefined, `${entry.path} has a size but no content`);
    if (content.kind === "bytes") {
      target.set(content.data.subarray(position, position + target.length));
      return;
    }

    const descriptor = this.openFile(content.path);
    let done = 0;
    while (done < target.length) {
      const fileOffset = content.offset + position + done;
      const bytesRead = readSync(descriptor, target, done, target.length - done, fileOffset);
      if (bytesRead === 0) {
        throw new ImgcError(
          `failed to read ${content.path} for layer path /${entry.path}: the file ended before byte ${content.offset + content.size}`,
          { hint: "the file changed while the layer was being written; run the build again" },
        );
      }
      done += bytesRead;
    }
  }

  private openFile(path: string): number {
    if (this.file?.path === path) return this.file.descriptor;
    this.close();
    try {
      this.file = { descriptor: openSync(path, "r"), path };
    } catch (error) {
      throw new ImgcError(`failed to open ${path} while writing a layer`, { cause: error });
    }
    return this.file.descriptor;
  }

  private nextRecord(): void {
    const current = this.records[this.recordIndex];
    const next = this.records[this.recordIndex + 1];
    this.recordIndex++;
    this.offset = 0;
    this.headerBytes = undefined;
    // Consecutive ranges of one file (a package's data, say) reuse its open handle.
    const nextPath = next?.entry.content?.kind === "file" ? next.entry.content.path : undefined;
    if (current?.entry.content?.kind === "file" && nextPath !== this.file?.path) this.close();
  }
}

/** Returns each entry's header and record size, in stream order. */
export function planRecords(entries: readonly LayerEntry[], names: OwnerNames): PlannedRecord[] {
  return entries.map((entry) => {
    const header = headerOf(entry, names);
    const headerSize = tarHeaderSize(header);
    return { entry, header, headerSize, size: headerSize + header.size + paddingSize(header.size) };
  });
}
