// Reads the member table of an ar archive, the container of a .deb (deb(5)): an 8-byte magic,
// then per member a 60-byte header and the data, padded to an even length.

import { createReadStream } from "node:fs";
import { open } from "node:fs/promises";
import { Readable } from "node:stream";

const magic = "!<arch>\n";
const headerSize = 60;

/** One member of an ar archive. */
export interface ArMember {
  name: string;
  /** Byte offset of the member's data in the archive. */
  offset: number;
  size: number;
}

/** A malformed ar archive. The caller adds which file it was. */
export class ArFormatError extends Error {
  override name = "ArFormatError";
}

function parseHeader(header: Buffer, position: number): { name: string; size: number } {
  if (header.toString("latin1", 58, 60) !== "`\n") {
    throw new ArFormatError(`invalid ar member header at byte ${position}`);
  }
  // GNU ar ends names with "/", and dpkg-deb pads them with spaces.
  const name = header.toString("latin1", 0, 16).trimEnd().replace(/\/$/, "");
  const sizeText = header.toString("latin1", 48, 58).trim();
  if (!/^\d+$/.test(sizeText)) {
    throw new ArFormatError(`invalid size ${JSON.stringify(sizeText)} of ar member ${name}`);
  }
  return { name, size: Number(sizeText) };
}

/** Returns the members of the ar archive at `path`, reading only their headers. */
export async function readArMembers(path: string): Promise<ArMember[]> {
  const handle = await open(path, "r");
  try {
    const { size: fileSize } = await handle.stat();
    const head = Buffer.alloc(magic.length);
    await handle.read(head, 0, magic.length, 0);
    if (head.toString("latin1") !== magic) throw new ArFormatError("not an ar archive");

    const members: ArMember[] = [];
    const header = Buffer.alloc(headerSize);
    let position = magic.length;
    while (position < fileSize) {
      const { bytesRead } = await handle.read(header, 0, headerSize, position);
      if (bytesRead < headerSize)
        throw new ArFormatError(`truncated ar header at byte ${position}`);
      const { name, size } = parseHeader(header, position);
      const offset = position + headerSize;
      if (offset + size > fileSize) throw new ArFormatError(`ar member ${name} is truncated`);
      members.push({ name, offset, size });
      position = offset + size + (size % 2);
    }
    return members;
  } finally {
    await handle.close();
  }
}

/** Returns a stream of one member's data. */
export function readArMember(path: string, member: ArMember): Readable {
  if (member.size === 0) return Readable.from([]);
  return createReadStream(path, {
    start: member.offset,
    end: member.offset + member.size - 1,
    highWaterMark: 1 << 20,
  });
}
