import { createHash } from "node:crypto";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";

import {
  type DebianFixture,
  type FixturePackage,
  startDebianFixture,
} from "../../../test/fixtures/debian-repo.js";
import { sha256Hex } from "../../util/digest.js";
import type { Reporter } from "../../util/reporter.js";
import type { DebEntry, UnpackedDeb } from "./types.js";
import { unpackDeb } from "./unpack-deb.js";

const tool: FixturePackage = {
  name: "tool",
  version: "2.0-1",
  depends: "libc6",
  files: {
    "/usr/bin/tool": { content: "#!/bin/sh\necho tool\n", mode: 0o755 },
    "/bin/legacy": { content: "legacy\n", mode: 0o755 },
    "/lib/x86_64-linux-gnu/libtool.so.1": "ELF",
    "/etc/tool.conf": "setting=1\n",
    "/usr/share/doc/tool/copyright": "GPL\n",
  },
  symlinks: {
    "/usr/bin/tool-alias": "tool",
    "/lib64/ld-tool.so": "/lib/x86_64-linux-gnu/libtool.so.1",
  },
  conffiles: ["/etc/tool.conf"],
  scripts: { postinst: "#!/bin/sh\nset -e\necho configured\n", prerm: "#!/bin/sh\nexit 0\n" },
};

const compressed = (compression: "gzip" | "zstd" | "none" | "xz"): FixturePackage => ({
  name: `hello-${compression}`,
  version: "1",
  compression,
  files: { "/usr/share/hello/greeting": `hello from ${compression}\n` },
});

const hostile = (name: string, rawData: FixturePackage["rawData"]): FixturePackage => ({
  name,
  version: "1",
  rawData: [{ name: "./", type: "directory" }, ...(rawData ?? [])],
});

const packages: FixturePackage[] = [
  tool,
  compressed("xz"),
  compressed("gzip"),
  compressed("zstd"),
  compressed("none"),
  { ...tool, name: "no-md5sums", md5sums: false },
  {
    name: "base-links",
    version: "1",
    symlinks: { "/bin": "usr/bin", "/lib": "usr/lib" },
    files: { "/usr/bin/sh": "sh" },
  },
  hostile("abs-path", [{ name: "/etc/passwd", content: "root::0:0\n" }]),
  hostile("dot-dot", [{ name: "./usr/../../etc/shadow", content: "x" }]),
  hostile("device", [{ name: "./dev/mem", type: "character-device" }]),
  hostile("fifo", [{ name: "./run/pipe", type: "fifo" }]),
  hostile("late-link", [
    { name: "./usr/bin/a", type: "link", linkname: "./usr/bin/b" },
    { name: "./usr/bin/b", content: "b" },
  ]),
  { ...hostile("bad-version", [{ name: "./usr/share/x", content: "x" }]), version: "1.0-1 (>= 2)" },
  hostile("good-link", [
    { name: "./usr/", type: "directory" },
    { name: "./usr/bin/b", content: "b" },
    { name: "./bin/a", type: "link", linkname: "./usr/bin/b" },
  ]),
];

let fixture: DebianFixture;
let cacheDir: string;

beforeAll(async () => {
  fixture = await startDebianFixture(packages);
});

afterAll(async () => {
  await fixture.close();
});

beforeEach(async () => {
  cacheDir = await mkdtemp(join(tmpdir(), "imgc-unpack-"));
});

afterEach(async () => {
  await rm(cacheDir, { recursive: true, force: true });
});

async function unpack(name: string): Promise<UnpackedDeb> {
  const path = join(fixture.root, fixture.poolPath(name));
  return unpackDeb(path, sha256Hex(await readFile(path)), { cacheDir });
}

function entry(unpacked: UnpackedDeb, path: string): DebEntry | undefined {
  return unpacked.entries.find((candidate) => candidate.path === path);
}

async function content(unpacked: UnpackedDeb, path: string): Promise<string> {
  const found = entry(unpacked, path);
  const data = await readFile(unpacked.dataPath);
  return data.subarray(found?.offset, (found?.offset ?? 0) + (found?.size ?? 0)).toString("utf8");
}

describe("unpackDeb", () => {
  it("records entries with normalised paths", async () => {
    const unpacked = await unpack("tool");
    const paths = unpacked.entries.map((candidate) => candidate.path);
    expect(paths).toContain("usr/bin");
    expect(paths).not.toContain("");
    expect(paths.some((path) => path.startsWith("./") || path.endsWith("/"))).toBe(false);
    expect(entry(unpacked, "usr/bin/tool")).toMatchObject({
      type: "file",
      mode: 0o755,
      uid: 0,
      gid: 0,
    });
    expect(entry(unpacked, "usr/bin")).toMatchObject({ type: "dir", mode: 0o755, size: 0 });
    expect(entry(unpacked, "usr/bin/tool-alias")).toMatchObject({
      type: "symlink",
      linkname: "tool",
    });
    expect(unpacked.newestMtime).toBe(1_700_000_000);
  });

  it("stores file contents and their sha256", async () => {
    const unpacked = await unpack("tool");
    expect(await content(unpacked, "usr/bin/tool")).toBe("#!/bin/sh\necho tool\n");
    expect(entry(unpacked, "usr/bin/tool")?.sha256).toBe(sha256Hex("#!/bin/sh\necho tool\n"));
    expect(entry(unpacked, "usr/share/doc/tool/copyright")?.size).toBe(4);
  });

  it("moves bin, lib and lib64 under usr", async () => {
    const unpacked = await unpack("tool");
    const paths = unpacked.entries.map((candidate) => candidate.path);
    expect(await content(unpacked, "usr/bin/legacy")).toBe("legacy\n");
    expect(paths).toContain("usr/lib/x86_64-linux-gnu/libtool.so.1");
    expect(entry(unpacked, "usr/lib64/ld-tool.so")).toMatchObject({
      type: "symlink",
      linkname: "/lib/x86_64-linux-gnu/libtool.so.1",
    });
    expect(paths.filter((path) => /^(bin|lib|lib64)(\/|$)/.test(path))).toEqual([]);
  });

  it("drops a package's own top-level merged-/usr links", async () => {
    const unpacked = await unpack("base-links");
    expect(unpacked.entries.map((candidate) => candidate.path)).toEqual([
      "usr",
      "usr/bin",
      "usr/bin/sh",
    ]);
  });

  it("keeps control fields, md5sums, conffiles and scripts", async () => {
    const unpacked = await unpack("tool");
    expect(unpacked.control[0]).toEqual(["Package", "tool"]);
    expect(unpacked.control).toContainEqual(["Depends", "libc6"]);
    expect(unpacked.md5sums).toContain(
      `${createHash("md5").update("legacy\n").digest("hex")}  bin/legacy\n`,
    );
    expect(unpacked.conffiles).toBe("/etc/tool.conf\n");
    expect(unpacked.scripts).toEqual({
      postinst: "#!/bin/sh\nset -e\necho configured\n",
      prerm: "#!/bin/sh\nexit 0\n",
    });
  });

  it("generates md5sums without conffiles when the package has none", async () => {
    const unpacked = await unpack("no-md5sums");
    const lines = (unpacked.md5sums ?? "").trimEnd().split("\n");
    expect(lines).toContain(
      `${createHash("md5").update("legacy\n").digest("hex")}  usr/bin/legacy`,
    );
    expect(lines).toHaveLength(4);
    expect(unpacked.md5sums).not.toContain("etc/tool.conf");
  });

  it.each(["xz", "gzip", "zstd", "none"])("reads %s members", async (compression) => {
    const unpacked = await unpack(`hello-${compression}`);
    expect(await content(unpacked, "usr/share/hello/greeting")).toBe(`hello from ${compression}\n`);
  });

  it("returns the cached result without reading the .deb again", async () => {
    const first = await unpack("tool");
    const again = await unpackDeb("/nonexistent.deb", first.sha256, { cacheDir });
    expect(again).toEqual(first);
    expect(await readdir(join(cacheDir, "debs", first.sha256))).toEqual([
      "control.json",
      "data.bin",
      "entries.json",
      "sha256sums",
    ]);
  });

  it("keeps a hardlink to an earlier file", async () => {
    const unpacked = await unpack("good-link");
    expect(entry(unpacked, "usr/bin/a")).toMatchObject({ type: "hardlink", linkname: "usr/bin/b" });
  });
});

describe("unpackDeb cache checks", () => {
  /** Rewrites one file of the cache entry of `unpacked`. */
  async function edit(
    unpacked: UnpackedDeb,
    name: string,
    change: (data: Buffer) => Buffer | string,
  ): Promise<void> {
    const path = join(cacheDir, "debs", unpacked.sha256, name);
    await writeFile(path, change(await readFile(path)));
  }

  function recordingReporter(): Reporter & { lines: string[] } {
    const lines: string[] = [];
    return { lines, info: (l) => lines.push(l), debug: () => undefined, warn: () => undefined };
  }

  it("unpacks again when data.bin was edited", async () => {
    const first = await unpack("tool");
    const offset = entry(first, "usr/bin/tool")?.offset ?? 0;
    await edit(first, "data.bin", (data) => {
      data[offset] = "X".charCodeAt(0);
      return data;
    });
    const reporter = recordingReporter();
    const path = join(fixture.root, fixture.poolPath("tool"));
    const again = await unpackDeb(path, first.sha256, { cacheDir, reporter });
    expect(await content(again, "usr/bin/tool")).toBe("#!/bin/sh\necho tool\n");
    expect(reporter.lines).toEqual([
      `debian: the unpacked package ${join(cacheDir, "debs", first.sha256)} is damaged ` +
        "(data.bin does not match its sha256); unpacking it again",
    ]);
  });

  it.each([
    ["entries.json", (text: string) => text.replace('"mode":493', '"mode":2541')],
    ["control.json", (text: string) => text.replace("echo configured", "echo changed")],
    ["sha256sums", (text: string) => text.replace(/^[0-9a-f]/, "x")],
  ])("unpacks again when %s was edited", async (name, change) => {
    const first = await unpack("tool");
    await edit(first, name, (data) => {
      const edited = change(data.toString("utf8"));
      expect(edited).not.toBe(data.toString("utf8"));
      return edited;
    });
    const again = await unpack("tool");
    expect(again).toEqual(first);
  });

  it("unpacks again when data.bin is missing", async () => {
    const first = await unpack("tool");
    await rm(join(cacheDir, "debs", first.sha256, "data.bin"));
    const again = await unpack("tool");
    expect(await content(again, "usr/bin/tool")).toBe("#!/bin/sh\necho tool\n");
  });

  it("reads the .deb again when the cache was damaged", async () => {
    const first = await unpack("tool");
    await edit(first, "data.bin", (data) => data.subarray(1));
    await expect(unpackDeb("/nonexistent.deb", first.sha256, { cacheDir })).rejects.toThrow(
      /\/nonexistent\.deb/,
    );
  });
});

describe("unpackDeb rejects hostile packages", () => {
  it.each([
    ["abs-path", /absolute path "\/etc\/passwd"/],
    ["dot-dot", /path "\.\/usr\/\.\.\/\.\.\/etc\/shadow" contains a "\.\." segment/],
    ["device", /device file "\.\/dev\/mem" is not allowed/],
    ["fifo", /fifo entry "\.\/run\/pipe" is not allowed/],
    [
      "late-link",
      /hardlink "usr\/bin\/a" points to "\.\/usr\/bin\/b", which is not a regular file earlier/,
    ],
  ])("%s", async (name, reason) => {
    const error = await unpack(name).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ name: "VerificationError", file: `${name}_1_amd64.deb` });
    expect((error as Error).message).toMatch(reason);
    expect(await readdir(join(cacheDir, "debs"))).toEqual([]);
  });

  it("rejects an invalid Version in the control file", async () => {
    const error = await unpack("bad-version").catch((caught: unknown) => caught);
    expect(error).toMatchObject({ name: "VerificationError" });
    expect((error as Error).message).toContain(
      'the control file of package bad-version has an invalid Version "1.0-1 (>= 2)": ' +
        "version string has embedded spaces",
    );
    expect(await readdir(join(cacheDir, "debs"))).toEqual([]);
  });

  it("rejects a file that is not a .deb", async () => {
    const path = join(fixture.root, "keyring.gpg");
    const error = await unpackDeb(path, sha256Hex(await readFile(path)), { cacheDir }).catch(
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ name: "VerificationError", file: "keyring.gpg" });
    expect((error as Error).message).toMatch(/not an ar archive/);
  });
});

describe("unpackDeb memory", () => {
  // xz is left out for time: its decoder is pull-driven, and a 200 MiB member measured 12 MiB.
  it.each(["zstd", "gzip", "none"] as const)(
    "stays flat for a large %s member",
    async (compression) => {
      // 128 MiB that compresses to almost nothing: the worst case for a decompressor that expands
      // whole input chunks at once.
      const size = 128 << 20;
      const data = new Uint8Array(size);
      for (let i = 0; i < size; i += 65536) data[i] = 1;
      const big = await startDebianFixture([
        {
          name: "big",
          version: "1",
          compression,
          files: { "/usr/share/big/blob": { content: data } },
        },
      ]);
      try {
        const path = join(big.root, big.poolPath("big"));
        const sha256 = sha256Hex(await readFile(path));
        const before = process.memoryUsage().rss;
        let peak = before;
        const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 2);
        const unpacked = await unpackDeb(path, sha256, { cacheDir }).finally(() =>
          clearInterval(timer),
        );
        expect(entry(unpacked, "usr/share/big/blob")?.size).toBe(size);
        // Garbage from streaming grows the resident size by some 30-40 MiB before the collector
        // runs. Holding the member whole would add its full 128 MiB.
        expect(peak - before).toBeLessThan(96 << 20);
      } finally {
        await big.close();
      }
    },
  );
});
