import { execFileSync } from "node:child_process";
import { lstatSync, mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { extract, type Header } from "tar-stream";
import { afterAll, describe, expect, it } from "vitest";
import {
  BLOCK_SIZE,
  END_OF_ARCHIVE_SIZE,
  encodeTarHeader,
  paddingSize,
  tarHeaderSize,
  type TarHeader,
} from "./tar-header.js";

const work = mkdtempSync(join(tmpdir(), "imgc-tar-header-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const base = { mode: 0o644, uid: 0, gid: 0, mtime: 1_700_000_000, size: 0, uname: "", gname: "" };
const longDir = `${"d".repeat(60)}/${"e".repeat(60)}`;
const path150 = `${longDir}/${"f".repeat(150 - longDir.length - 1)}`;

interface Case {
  header: TarHeader;
  content?: string;
}

const cases: Case[] = [
  { header: { ...base, path: "app", type: "dir", mode: 0o755, uname: "root", gname: "root" } },
  {
    header: {
      ...base,
      path: "app/hello.txt",
      type: "file",
      size: 6,
      uid: 1000,
      gid: 1000,
      uname: "app",
      gname: "app",
    },
    content: "hello\n",
  },
  { header: { ...base, path: "app/link", type: "symlink", mode: 0o777, linkname: "hello.txt" } },
  {
    header: {
      ...base,
      path: "app/hard",
      type: "hardlink",
      linkname: "app/hello.txt",
      uid: 1000,
      gid: 1000,
    },
  },
  {
    header: { ...base, path: "big-uid", type: "file", size: 1, uid: 300_000, gid: 300_001 },
    content: "x",
  },
  {
    header: {
      ...base,
      path: "max-uid",
      type: "file",
      size: 1,
      uid: 2_147_483_647,
      gid: 2_147_483_646,
    },
    content: "y",
  },
  { header: { ...base, path: "d".repeat(60), type: "dir", mode: 0o755 } },
  { header: { ...base, path: longDir, type: "dir", mode: 0o755 } },
  { header: { ...base, path: path150, type: "file", size: 2 }, content: "ok" },
  { header: { ...base, path: "n".repeat(150), type: "file", size: 0 } },
  { header: { ...base, path: "café-ñ.txt", type: "file", size: 3, mode: 0o4755 }, content: "abc" },
  {
    header: {
      ...base,
      path: "long-link",
      type: "symlink",
      mode: 0o777,
      linkname: `/${"t".repeat(120)}`,
    },
  },
];

function caseAt(index: number): Case {
  const found = cases[index];
  if (found === undefined) throw new Error(`no case ${index}`);
  return found;
}

/** Writes a tar of the cases: each header, its content padded to a block, then the trailer. */
function writeTar(file: string, entries: readonly Case[]): Buffer {
  const parts: Buffer[] = [];
  for (const entry of entries) {
    parts.push(Buffer.from(encodeTarHeader(entry.header)));
    const content = Buffer.from(entry.content ?? "");
    parts.push(content, Buffer.alloc(paddingSize(content.length)));
  }
  parts.push(Buffer.alloc(END_OF_ARCHIVE_SIZE));
  const tar = Buffer.concat(parts);
  writeFileSync(file, tar);
  return tar;
}

async function readWithTarStream(tar: Buffer): Promise<{ header: Header; content: string }[]> {
  const entries: { header: Header; content: string }[] = [];
  const reader = extract();
  reader.end(tar);
  for await (const entry of reader) {
    const chunks: Buffer[] = [];
    for await (const chunk of entry) chunks.push(chunk as Buffer);
    entries.push({ header: entry.header, content: Buffer.concat(chunks).toString() });
  }
  return entries;
}

/** Splits a header block at its ustar fields, returning the named field as text. */
function field(block: Buffer, offset: number, size: number): string {
  return block.subarray(offset, offset + size).toString("latin1");
}

describe("encodeTarHeader", () => {
  const tarFile = join(work, "cases.tar");
  const tar = writeTar(tarFile, cases);

  it("lists every field with GNU tar", () => {
    const listing = execFileSync(
      "tar",
      ["--numeric-owner", "--quoting-style=literal", "--full-time", "-tvf", tarFile],
      { env: { ...process.env, TZ: "UTC", LC_ALL: "C.UTF-8" }, encoding: "utf8" },
    )
      .replace(/ +/g, " ")
      .split("\n");
    expect(listing[0]).toBe("drwxr-xr-x 0/0 0 2023-11-14 22:13:20 app/");
    expect(listing[1]).toBe("-rw-r--r-- 1000/1000 6 2023-11-14 22:13:20 app/hello.txt");
    expect(listing[2]).toBe("lrwxrwxrwx 0/0 0 2023-11-14 22:13:20 app/link -> hello.txt");
    expect(listing[3]).toBe(
      "hrw-r--r-- 1000/1000 0 2023-11-14 22:13:20 app/hard link to app/hello.txt",
    );
    expect(listing[4]).toBe("-rw-r--r-- 300000/300001 1 2023-11-14 22:13:20 big-uid");
    expect(listing[5]).toBe("-rw-r--r-- 2147483647/2147483646 1 2023-11-14 22:13:20 max-uid");
    expect(listing[8]).toContain(` 2 2023-11-14 22:13:20 ${path150}`);
    expect(listing[9]).toContain(` ${"n".repeat(150)}`);
    expect(listing[10]).toBe("-rwsr-xr-x 0/0 3 2023-11-14 22:13:20 café-ñ.txt");
    expect(listing[11]).toContain(`long-link -> /${"t".repeat(120)}`);
  });

  it("shows user and group names to GNU tar", () => {
    const listing = execFileSync("tar", ["-tvf", tarFile], {
      env: { ...process.env, TZ: "UTC" },
      encoding: "utf8",
    });
    expect(listing).toContain("drwxr-xr-x root/root");
    expect(listing).toContain("-rw-r--r-- app/app");
  });

  it("extracts owners, modes and links with GNU tar", () => {
    const target = join(work, "extracted");
    execFileSync("mkdir", ["-p", target]);
    execFileSync("tar", ["--numeric-owner", "--same-owner", "-xpf", tarFile, "-C", target]);

    const maxUid = lstatSync(join(target, "max-uid"));
    expect(maxUid.uid).toBe(2_147_483_647);
    expect(maxUid.gid).toBe(2_147_483_646);
    const bigUid = lstatSync(join(target, "big-uid"));
    expect(bigUid.uid).toBe(300_000);
    expect(bigUid.gid).toBe(300_001);
    expect(lstatSync(join(target, "café-ñ.txt")).mode & 0o7777).toBe(0o4755);
    expect(lstatSync(join(target, "app/hello.txt")).mtimeMs).toBe(1_700_000_000_000);
    expect(readlinkSync(join(target, "app/link"))).toBe("hello.txt");
    expect(lstatSync(join(target, "app/hard")).ino).toBe(
      lstatSync(join(target, "app/hello.txt")).ino,
    );
    expect(readFileSync(join(target, path150), "utf8")).toBe("ok");
  });

  it("reads back every field with tar-stream", async () => {
    const entries = await readWithTarStream(tar);
    expect(entries.map((entry) => entry.header.name)).toEqual(
      cases.map((entry) =>
        entry.header.type === "dir" ? `${entry.header.path}/` : entry.header.path,
      ),
    );
    for (const [index, entry] of entries.entries()) {
      const expected = caseAt(index).header;
      const pax = (entry.header.pax ?? {}) as Record<string, string>;
      expect(Number(pax.uid ?? entry.header.uid), expected.path).toBe(expected.uid);
      expect(Number(pax.gid ?? entry.header.gid), expected.path).toBe(expected.gid);
      expect(entry.header.mode, expected.path).toBe(expected.mode);
      expect(entry.header.size, expected.path).toBe(expected.size);
      expect(entry.header.mtime?.getTime(), expected.path).toBe(expected.mtime * 1000);
      expect(entry.header.linkname ?? undefined, expected.path).toBe(expected.linkname);
      expect(entry.header.uname, expected.path).toBe(expected.uname);
      expect(entry.header.gname, expected.path).toBe(expected.gname);
      expect(entry.header.devmajor, expected.path).toBe(0);
      expect(entry.header.devminor, expected.path).toBe(0);
      expect(entry.content, expected.path).toBe(caseAt(index).content ?? "");
    }
  });

  it("keeps uid 300000 in ustar without PAX", () => {
    const block = Buffer.from(encodeTarHeader(caseAt(4).header));
    expect(block.length).toBe(BLOCK_SIZE);
    expect(field(block, 108, 8)).toBe("1111740\0");
  });

  it("splits a 150-byte path at its first fitting slash", () => {
    const block = Buffer.from(encodeTarHeader(caseAt(8).header));
    expect(block.length).toBe(BLOCK_SIZE);
    expect(field(block, 345, 155).replace(/\0+$/, "")).toBe("d".repeat(60));
    expect(field(block, 0, 100).replace(/\0+$/, "")).toBe(path150.slice(61));
  });

  it("writes PAX records only where needed", () => {
    const paxKeys = (header: TarHeader): string[] => {
      const bytes = Buffer.from(encodeTarHeader(header));
      if (bytes.length === BLOCK_SIZE) return [];
      const size = parseInt(field(bytes, 124, 11), 8);
      const body = bytes.subarray(BLOCK_SIZE, BLOCK_SIZE + size).toString("utf8");
      return [...body.matchAll(/^\d+ ([^=]+)=/gm)].map((match) => match[1] ?? "");
    };
    expect(paxKeys(caseAt(1).header)).toEqual([]);
    expect(paxKeys(caseAt(5).header)).toEqual(["gid", "uid"]);
    expect(paxKeys(caseAt(9).header)).toEqual(["path"]);
    expect(paxKeys(caseAt(10).header)).toEqual(["path"]);
    expect(paxKeys(caseAt(11).header)).toEqual(["linkpath"]);
    expect(paxKeys({ ...base, path: "u", type: "file", uname: "ü".repeat(3) })).toEqual(["uname"]);
    expect(paxKeys({ ...base, path: "g", type: "file", gname: "g".repeat(33) })).toEqual(["gname"]);
    expect(paxKeys({ ...base, path: "huge", type: "file", size: 8 * 1024 ** 3 })).toEqual(["size"]);
    expect(paxKeys({ ...base, path: "almost", type: "file", size: 8 * 1024 ** 3 - 1 })).toEqual([]);
  });

  it("writes a PAX record length that counts its own digits", () => {
    // " path=" + 91 bytes + "\n" is 98 bytes, so the record is 101 bytes long.
    const header: TarHeader = { ...base, path: `é${"p".repeat(89)}`, type: "file" };
    const bytes = Buffer.from(encodeTarHeader(header));
    const body = bytes.subarray(BLOCK_SIZE).toString("utf8");
    expect(body.startsWith(`101 path=é${"p".repeat(89)}\n`)).toBe(true);
  });

  it("writes the fixed fields of a ustar header", () => {
    const block = Buffer.from(encodeTarHeader(caseAt(1).header));
    expect(field(block, 100, 8)).toBe("0000644\0");
    expect(field(block, 124, 12)).toBe("00000000006\0");
    expect(field(block, 257, 8)).toBe("ustar\x0000");
    expect(field(block, 329, 16)).toBe("0000000\x000000000\0");
    expect(field(block, 148, 8)).toMatch(/^[0-7]{6}\0 $/);
  });

  it("uses a fixed name for the PAX entry", () => {
    const first = Buffer.from(encodeTarHeader(caseAt(5).header));
    expect(field(first, 0, 15)).toBe("././@PaxHeader\0");
    expect(field(first, 156, 1)).toBe("x");
    expect(field(first, 136, 12)).toBe("00000000000\0");
  });

  it("rejects values no header can hold", () => {
    expect(() => encodeTarHeader({ ...base, path: "x", type: "file", uid: -1 })).toThrow(
      /bug in imgc/,
    );
    expect(() => encodeTarHeader({ ...base, path: "x", type: "file", mode: 0o10000 })).toThrow(
      /mode/,
    );
    expect(() => encodeTarHeader({ ...base, path: "x", type: "symlink" })).toThrow(/linkname/);
    expect(() => encodeTarHeader({ ...base, path: "x", type: "dir", size: 1 })).toThrow(/size/);
    expect(() => encodeTarHeader({ ...base, path: "x\0", type: "file" })).toThrow(/NUL/);
  });

  it("sizes a header as it encodes it", () => {
    for (const entry of cases) {
      expect(tarHeaderSize(entry.header)).toBe(encodeTarHeader(entry.header).length);
    }
  });
});
