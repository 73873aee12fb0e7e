import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { gzip as pakoGzip } from "pako";
import { afterAll, describe, expect, it } from "vitest";
import {
  deflateEngine,
  gzipMember,
  gzipMemberWith,
  selectEngine,
  selfTestInputs,
} from "./deflate.js";

const work = mkdtempSync(join(tmpdir(), "imgc-deflate-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function sampleInputs(): Uint8Array[] {
  const text = Buffer.from(
    Array.from(
      { length: 40_000 },
      (_, index) => `usr/lib/node_modules/pkg-${index % 97}/index.js\n`,
    ).join(""),
  );
  return [
    new Uint8Array(0),
    Buffer.from("x"),
    text,
    randomBytes(600_000),
    Buffer.alloc(2 * 1024 * 1024),
    Buffer.concat([text.subarray(0, 300_000), randomBytes(70_000), text.subarray(0, 500_000)]),
    ...selfTestInputs(),
  ];
}

describe("gzipMember", () => {
  it("selects node:zlib on this Node build", async () => {
    expect(await deflateEngine()).toBe("zlib");
  });

  it("gives the same bytes with zlib and pako", async () => {
    for (const input of sampleInputs()) {
      const fromZlib = Buffer.from(await gzipMemberWith("zlib", input));
      const fromPako = Buffer.from(await gzipMemberWith("pako", input));
      expect(fromZlib.equals(fromPako), `input of ${input.length} bytes`).toBe(true);
    }
  });

  it("compresses in parallel pako workers", async () => {
    const inputs = sampleInputs();
    const members = await Promise.all(inputs.map((input) => gzipMemberWith("pako", input)));
    for (const [index, input] of inputs.entries()) {
      expect(
        Buffer.from(members[index] ?? []).equals(Buffer.from(await gzipMemberWith("zlib", input))),
      ).toBe(true);
    }
  });

  it("writes mtime 0, no file name and OS byte 3", async () => {
    const member = Buffer.from(await gzipMember(Buffer.from("hello\n")));
    expect([...member.subarray(0, 10)]).toEqual([0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0x00, 0x03]);
  });

  it("sets the OS byte that zlib chose to 3", async () => {
    // Node's own gzip header carries the OS byte its zlib was built with.
    const native = gzipSync(Buffer.from("hello\n"), { level: 6 });
    native[9] = 19;
    const member = Buffer.from(await gzipMember(Buffer.from("hello\n")));
    expect(member[9]).toBe(3);
    expect(member.subarray(10).equals(native.subarray(10))).toBe(true);
  });

  it("decompresses a stream of members with gzip -dc", async () => {
    const pieces = [
      Buffer.from("first piece\n"),
      randomBytes(200_000),
      Buffer.alloc(0),
      Buffer.from("last\n"),
    ];
    const members = await Promise.all(pieces.map((piece) => gzipMember(piece)));
    const file = join(work, "members.gz");
    writeFileSync(file, Buffer.concat(members.map((member) => Buffer.from(member))));
    const output = execFileSync("gzip", ["-dc", file], { maxBuffer: 1 << 24 });
    expect(output.equals(Buffer.concat(pieces))).toBe(true);
  });
});

describe("selectEngine", () => {
  const pako = (data: Uint8Array) => gzipMemberWith("pako", data);

  it("keeps zlib when it matches pako", async () => {
    expect(await selectEngine((data) => gzipMemberWith("zlib", data), pako)).toBe("zlib");
  });

  it("falls back to pako when zlib differs", async () => {
    // A zlib at level 5 stands for a build whose bytes differ from pako's.
    const otherZlib = async (data: Uint8Array) => gzipSync(data, { level: 5 });
    expect(await selectEngine(otherZlib, pako)).toBe("pako");
  });

  it("falls back to pako against zlib's classic hash", async () => {
    // A Node build linked to the system zlib hashes as upstream zlib does, which pako's
    // legacyHash option reproduces.
    const classicZlib = async (data: Uint8Array) => pakoGzip(data, { level: 6, legacyHash: true });
    expect(await selectEngine(classicZlib, pako)).toBe("pako");
  });

  it("tells level 5 from level 6 on the self-test inputs", () => {
    const mixed = selfTestInputs()[2] ?? new Uint8Array(0);
    expect(mixed.length).toBeGreaterThan(0);
    expect(gzipSync(mixed, { level: 5 }).equals(gzipSync(mixed, { level: 6 }))).toBe(false);
  });
});
