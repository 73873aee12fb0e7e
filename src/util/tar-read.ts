// Reads tar streams (base image layers). tar-stream is imported here only.

import type { Readable } from "node:stream";
import { extract, type Header } from "tar-stream";

/** Header fields of an entry being read. */
export interface TarEntryHeader {
  name: string;
  type: string;
  mode: number;
  uid: number;
  gid: number;
  mtime: number;
  size: number;
  linkname: string | undefined;
}

function toHeader(header: Header): TarEntryHeader {
  return {
    name: header.name,
    type: header.type ?? "file",
    mode: header.mode ?? 0o644,
    uid: header.uid ?? 0,
    gid: header.gid ?? 0,
    mtime: header.mtime ? Math.floor(header.mtime.getTime() / 1000) : 0,
    size: header.size ?? 0,
    linkname: header.linkname ?? undefined,
  };
}

/**
 * Calls `onEntry` for each entry of the tar stream `input`, in order. `onEntry` gets the entry's
 * content as a stream and must consume or drain it before returning.
 */
export async function readTar(
  input: Readable,
  onEntry: (header: TarEntryHeader, content: Readable) => Promise<void>,
): Promise<void> {
  const extractor = extract();
  input.on("error", (error) => extractor.destroy(error));
  input.pipe(extractor);
  for await (const entry of extractor) {
    const content = entry as unknown as Readable;
    await onEntry(toHeader(entry.header), content);
    content.resume();
  }
}

/** Reads a whole entry's content into memory; for small files only. */
export async function readAll(content: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of content) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
