// Encodes tar headers: POSIX ustar, with a PAX extended header (`x`) in front only when a value
// does not fit ustar. imgc writes headers itself because tar-stream 3.3.0 writes uid and gid in
// 6 octal digits with no PAX record, so an id above 262,143 is silently corrupted.

import { assert } from "../util/errors.js";
import type { EntryType } from "./layer-entry.js";

export const BLOCK_SIZE = 512;

/** The end-of-archive marker: two zero blocks, with no record padding after them. */
export const END_OF_ARCHIVE_SIZE = 2 * BLOCK_SIZE;

/** One tar header as imgc writes it. */
export interface TarHeader {
  /** Relative path without `./` or a trailing `/`. The encoder adds a directory's `/`. */
  path: string;
  type: EntryType;
  /** Permission bits, `0o7777` at most. */
  mode: number;
  uid: number;
  gid: number;
  /** Whole seconds since the epoch. */
  mtime: number;
  /** Content size in bytes, 0 for every type but a regular file. */
  size: number;
  /** Symlink target, or the path of a hardlink's target entry. */
  linkname?: string;
  /** User name for `uid` from the image's passwd, empty when unknown. */
  uname: string;
  /** Group name for `gid` from the image's group, empty when unknown. */
  gname: string;
}

/** Type flag bytes: "0" regular file, "1" hardlink, "2" symlink, "5" directory. */
const TYPE_FLAGS: Record<EntryType, number> = {
  file: 0x30,
  hardlink: 0x31,
  symlink: 0x32,
  dir: 0x35,
};

/** "ustar\0" then version "00": the POSIX ustar magic. */
const USTAR_MAGIC = new Uint8Array([0x75, 0x73, 0x74, 0x61, 0x72, 0x00, 0x30, 0x30]);

// Largest values of the ustar numeric fields: 7 octal digits for ids, 11 for size and mtime.
const MAX_ID_OCTAL = 0o7777777;
const MAX_SIZE_OCTAL = 0o77777777777;
const MAX_ID = 0xffffffff;

// One fixed name for every PAX header entry, the one Python's tarfile writes, so the name does not
// depend on where the entry is. Readers that honour PAX never extract it.
const PAX_ENTRY_NAME = "././@PaxHeader";

const encoder = new TextEncoder();

/**
 * Encodes the header blocks of one entry: a PAX `x` header and its records when a value needs
 * them, then the ustar header. Throws an internal error on a value that no tar header can contain.
 */
export function encodeTarHeader(header: TarHeader): Uint8Array {
  checkHeader(header);

  const name = header.type === "dir" ? `${header.path}/` : header.path;
  const nameBytes = encodeText(name);
  const linkBytes = encodeText(header.linkname ?? "");
  const unameBytes = encodeText(header.uname);
  const gnameBytes = encodeText(header.gname);
  const split = isAscii(nameBytes) ? splitUstarName(nameBytes) : undefined;

  // PAX records, by key in byte order, as Go's archive/tar writes them, so the order is fixed.
  const records: [string, string][] = [];
  if (header.gid > MAX_ID_OCTAL) records.push(["gid", String(header.gid)]);
  if (!fitsUstarString(gnameBytes, 32)) records.push(["gname", header.gname]);
  if (!fitsUstarString(linkBytes, 100)) records.push(["linkpath", header.linkname ?? ""]);
  if (split === undefined) records.push(["path", name]);
  if (header.size > MAX_SIZE_OCTAL) records.push(["size", String(header.size)]);
  if (header.uid > MAX_ID_OCTAL) records.push(["uid", String(header.uid)]);
  if (!fitsUstarString(unameBytes, 32)) records.push(["uname", header.uname]);

  const paxEntry = records.length === 0 ? undefined : encodePaxEntry(records);
  const block = new Uint8Array((paxEntry?.length ?? 0) + BLOCK_SIZE);
  if (paxEntry !== undefined) block.set(paxEntry, 0);
  const ustar = block.subarray(block.length - BLOCK_SIZE);

  const { prefix, base } = split ?? fallbackName(nameBytes);
  ustar.set(base, 0);
  writeOctal(ustar, 100, 8, header.mode);
  writeOctal(ustar, 108, 8, header.uid > MAX_ID_OCTAL ? 0 : header.uid);
  writeOctal(ustar, 116, 8, header.gid > MAX_ID_OCTAL ? 0 : header.gid);
  writeOctal(ustar, 124, 12, header.size > MAX_SIZE_OCTAL ? 0 : header.size);
  writeOctal(ustar, 136, 12, header.mtime);
  ustar[156] = TYPE_FLAGS[header.type];
  if (fitsUstarString(linkBytes, 100)) ustar.set(linkBytes, 157);
  ustar.set(USTAR_MAGIC, 257);
  if (fitsUstarString(unameBytes, 32)) ustar.set(unameBytes, 265);
  if (fitsUstarString(gnameBytes, 32)) ustar.set(gnameBytes, 297);
  writeOctal(ustar, 329, 8, 0);
  writeOctal(ustar, 337, 8, 0);
  ustar.set(prefix, 345);
  writeChecksum(ustar);
  return block;
}

/** Returns the number of header bytes `encodeTarHeader` writes for `header`. */
export function tarHeaderSize(header: TarHeader): number {
  return encodeTarHeader(header).length;
}

/** Returns the zero bytes that pad `size` bytes of content to a whole block. */
export function paddingSize(size: number): number {
  const remainder = size % BLOCK_SIZE;
  return remainder === 0 ? 0 : BLOCK_SIZE - remainder;
}

function checkHeader(header: TarHeader): void {
  // The problem is named only on failure: building messages for every header showed in profiles.
  const problem = headerProblem(header);
  assert(
    problem === undefined,
    `${problem ?? ""} in the tar header of ${JSON.stringify(header.path)}`,
  );
}

function headerProblem(header: TarHeader): string | undefined {
  const inRange = (value: number, max: number) =>
    Number.isInteger(value) && value >= 0 && value <= max;
  if (header.path.length === 0) return "an empty path";
  if (!inRange(header.mode, 0o7777)) return `invalid mode ${header.mode}`;
  if (!inRange(header.uid, MAX_ID)) return `invalid uid ${header.uid}`;
  if (!inRange(header.gid, MAX_ID)) return `invalid gid ${header.gid}`;
  // mtime stays within ustar's 11 octal digits (until the year 2242), so it never needs PAX.
  if (!inRange(header.mtime, MAX_SIZE_OCTAL)) return `invalid mtime ${header.mtime}`;
  if (!Number.isSafeInteger(header.size) || header.size < 0) return `invalid size ${header.size}`;
  if (header.type !== "file" && header.size !== 0) return `a size on a ${header.type}`;
  const needsLink = header.type === "symlink" || header.type === "hardlink";
  if (needsLink !== (header.linkname !== undefined))
    return `a linkname that does not match type ${header.type}`;
  // A NUL ends a ustar string and is invalid in a PAX record value.
  for (const value of [header.path, header.linkname ?? "", header.uname, header.gname]) {
    if (value.includes("\0")) return "a NUL character in a name";
  }
  return undefined;
}

function isAscii(bytes: Uint8Array): boolean {
  return bytes.every((byte) => byte < 0x80);
}

function fitsUstarString(bytes: Uint8Array, fieldSize: number): boolean {
  return bytes.length <= fieldSize && isAscii(bytes);
}

/**
 * Splits an ASCII name into ustar's prefix (155 bytes) and name (100 bytes) at a `/`, or returns
 * undefined when it cannot. The split takes the first `/` that leaves at most 100 bytes after it.
 */
function splitUstarName(bytes: Uint8Array): { prefix: Uint8Array; base: Uint8Array } | undefined {
  if (bytes.length <= 100) return { prefix: new Uint8Array(0), base: bytes };
  const slash = 0x2f;
  for (let index = bytes.length - 101; index < bytes.length - 1; index++) {
    if (bytes[index] !== slash) continue;
    if (index > 155 || index === 0) return undefined;
    return { prefix: bytes.subarray(0, index), base: bytes.subarray(index + 1) };
  }
  return undefined;
}

/**
 * Returns the ustar name written beside a PAX `path` record: the name's bytes with every
 * non-ASCII byte replaced by `_`, cut to 100 bytes. Readers that honour PAX never use it.
 */
function fallbackName(bytes: Uint8Array): { prefix: Uint8Array; base: Uint8Array } {
  const ascii = bytes.map((byte) => (byte < 0x80 ? byte : 0x5f));
  return splitUstarName(ascii) ?? { prefix: new Uint8Array(0), base: ascii.subarray(0, 100) };
}

/** Encodes an `x` entry: its own ustar header, then the records padded to a whole block. */
function encodePaxEntry(records: readonly [string, string][]): Uint8Array {
  const body = encodeText(records.map(([key, value]) => paxRecord(key, value)).join(""));
  const header = new Uint8Array(BLOCK_SIZE);
  header.set(encodeText(PAX_ENTRY_NAME), 0);
  writeOctal(header, 100, 8, 0o644);
  writeOctal(header, 108, 8, 0);
  writeOctal(header, 116, 8, 0);
  writeOctal(header, 124, 12, body.length);
  writeOctal(header, 136, 12, 0);
  header[156] = 0x78; // "x": PAX extended header for the next entry
  header.set(USTAR_MAGIC, 257);
  writeOctal(header, 329, 8, 0);
  writeOctal(header, 337, 8, 0);
  writeChecksum(header);

  const entry = new Uint8Array(BLOCK_SIZE + body.length + paddingSize(body.length));
  entry.set(header, 0);
  entry.set(body, BLOCK_SIZE);
  return entry;
}

/** Formats `"<length> <key>=<value>\n"`, where the length counts the whole record in bytes. */
function paxRecord(key: string, value: string): string {
  const rest = encoder.encode(` ${key}=${value}\n`).length;
  let length = rest + String(rest).length;
  // Counting the length's own digits can add a digit (98 + 2 = 100, so the length is 101).
  if (String(length).length !== String(rest).length) length = rest + String(length).length;
  return `${length} ${key}=${value}\n`;
}

/** Writes `value` as zero-padded octal digits filling the field, then a NUL. */
function writeOctal(block: Uint8Array, offset: number, fieldSize: number, value: number): void {
  const digits = value.toString(8);
  const padding = fieldSize - 1 - digits.length;
  assert(padding >= 0, `${value} does not fit a ${fieldSize}-byte tar field`);
  block.fill(0x30, offset, offset + padding);
  for (let index = 0; index < digits.length; index++) {
    block[offset + padding + index] = digits.charCodeAt(index);
  }
  block[offset + fieldSize - 1] = 0;
}

/** Writes the checksum: the byte sum with the field as spaces, in 6 octal digits, NUL, space. */
function writeChecksum(block: Uint8Array): void {
  block.fill(0x20, 148, 156);
  let sum = 0;
  for (let index = 0; index < BLOCK_SIZE; index++) sum += block[index] as number;
  writeOctal(block, 148, 7, sum);
  block[155] = 0x20;
}

/** Returns the UTF-8 bytes of `text`, without TextEncoder for the common all-ASCII case. */
function encodeText(text: string): Uint8Array {
  const bytes = new Uint8Array(text.length);
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code >= 0x80) return encoder.encode(text);
    bytes[index] = code;
  }
  return bytes;
}
