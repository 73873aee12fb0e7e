import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { afterEach, beforeEach, describe, expect, it } from "vitest";

import { blobPath, writeOciLayout, type LayerMember } from "../../test/helpers/oci-layout.js";
import type { BaseSpec } from "../check/spec.js";
import { DiagnosticError } from "../diagnostics/diagnostic.js";
import { ImgcError, VerificationError } from "../util/errors.js";
import { readBaseFilesystem, resolveBaseImage, type BaseImage } from "./base-image.js";

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "imgc-base-image-"));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const etcLayer: LayerMember[] = [
  { name: "etc/", type: "directory" },
  { name: "etc/hostname", content: "base\n" },
];

function layoutBase(tag: string | undefined): BaseSpec {
  return { kind: "oci-layout", path: join(dir, "layout"), tag };
}

/** Awaits `promise` and returns the error it rejects with, checking its class. */
async function rejection<T extends Error>(
  promise: Promise<unknown>,
  type: abstract new (...args: never[]) => T,
): Promise<T> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof type) return error;
    throw error;
  }
  throw new Error(`expected a ${type.name}, but the promise resolved`);
}

/** Flips one byte in the middle of a file. */
async function flipByte(path: string, at?: number): Promise<void> {
  const data = await readFile(path);
  const index = at ?? Math.floor(data.length / 2);
  data[index] = (data[index] ?? 0) ^ 0x01;
  await writeFile(path, data);
}

async function resolved(tag = "1.0"): Promise<BaseImage> {
  const base = await resolveBaseImage(layoutBase(tag), "linux/amd64");
  if (!base) throw new Error("expected a base image");
  return base;
}

describe("resolveBaseImage", () => {
  it("scratch gives undefined", async () => {
    expect(await resolveBaseImage({ kind: "scratch" }, "linux/amd64")).toBeUndefined();
  });

  it("tagged image", async () => {
    const [image] = await writeOciLayout(join(dir, "layout"), [{ tag: "1.0", layers: [etcLayer] }]);
    const base = await resolved("1.0");
    expect(base.reference).toBe(`oci:${join(dir, "layout")}:1.0`);
    expect(base.manifestDigest).toBe(image?.manifestDigest);
    expect(base.config.rootfs.diff_ids).toEqual(image?.diffIds);
    expect(base.layers).toEqual([
      {
        descriptor: {
          mediaType: "application/vnd.oci.image.layer.v1.tar+gzip",
          digest: image?.layerDigests[0],
          size: (await readFile(blobPath(join(dir, "layout"), image?.layerDigests[0] ?? "")))
            .length,
        },
        diffId: image?.diffIds[0],
        blobPath: blobPath(join(dir, "layout"), image?.layerDigests[0] ?? ""),
      },
    ]);
  });

  it("only image without a tag", async () => {
    const [image] = await writeOciLayout(join(dir, "layout"), [{ layers: [etcLayer] }]);
    const base = await resolveBaseImage(layoutBase(undefined), "linux/amd64");
    expect(base?.manifestDigest).toBe(image?.manifestDigest);
    expect(base?.reference).toBe(`oci:${join(dir, "layout")}`);
  });

  it("picks the tag among several", async () => {
    const images = await writeOciLayout(join(dir, "layout"), [
      { tag: "1.0", layers: [etcLayer] },
      { tag: "2.0", layers: [[{ name: "two", content: "2" }]] },
    ]);
    const base = await resolved("2.0");
    expect(base.manifestDigest).toBe(images[1]?.manifestDigest);
  });

  it("missing tag lists the tags", async () => {
    await writeOciLayout(join(dir, "layout"), [
      { tag: "1.0", layers: [etcLayer] },
      { tag: "1.1", layers: [[{ name: "x" }]] },
    ]);
    const error = await rejection(
      resolveBaseImage(layoutBase("9.9"), "linux/amd64"),
      DiagnosticError,
    );
    const [diagnostic] = error.diagnostics;
    expect(diagnostic?.code).toBe("IMGC3005");
    expect(diagnostic?.path).toBe("base");
    expect(diagnostic?.message).toContain(`oci:${join(dir, "layout")}:9.9`);
    expect(diagnostic?.message).toContain("not found");
    expect(diagnostic?.fix).toContain("1.0, 1.1");
  });

  it("several images and no tag", async () => {
    await writeOciLayout(join(dir, "layout"), [
      { tag: "1.0", layers: [etcLayer] },
      { tag: "1.1", layers: [[{ name: "x" }]] },
    ]);
    const error = await rejection(
      resolveBaseImage(layoutBase(undefined), "linux/amd64"),
      DiagnosticError,
    );
    expect(error.diagnostics[0]?.message).toContain("several images");
    expect(error.diagnostics[0]?.fix).toContain("1.0, 1.1");
  });

  it("empty layout without a tag", async () => {
    await writeOciLayout(join(dir, "layout"), []);
    const error = await rejection(
      resolveBaseImage(layoutBase(undefined), "linux/amd64"),
      DiagnosticError,
    );
    expect(error.diagnostics[0]?.message).toContain(join(dir, "layout"));
    expect(error.diagnostics[0]?.message).toContain("no image");
  });

  it("folder without index.json", async () => {
    const error = await rejection(
      resolveBaseImage(layoutBase("1.0"), "linux/amd64"),
      DiagnosticError,
    );
    expect(error.diagnostics[0]?.code).toBe("IMGC3005");
    expect(error.diagnostics[0]?.message).toContain("index.json does not exist");
    expect(error.diagnostics[0]?.fix).toContain("oci:DIR:TAG");
  });

  it("nested index picks the platform", async () => {
    const [image] = await writeOciLayout(join(dir, "layout"), [
      { tag: "1.0", layers: [etcLayer], nested: true },
    ]);
    const base = await resolved("1.0");
    expect(base.manifestDigest).toBe(image?.manifestDigest);
    expect(image?.digest).not.toBe(image?.manifestDigest);
  });

  it("nested index without the platform", async () => {
    await writeOciLayout(join(dir, "layout"), [
      { tag: "1.0", layers: [etcLayer], nested: true, platform: "linux/arm64" },
    ]);
    const error = await rejection(resolveBaseImage(layoutBase("1.0"), "linux/amd64"), ImgcError);
    expect(error.message).toContain("no linux/amd64 manifest");
  });

  it("config for another platform", async () => {
    await writeOciLayout(join(dir, "layout"), [
      { tag: "1.0", layers: [etcLayer], platform: "linux/arm64" },
    ]);
    const error = await rejection(resolveBaseImage(layoutBase("1.0"), "linux/amd64"), ImgcError);
    expect(error.message).toContain("linux/arm64, not linux/amd64");
  });

  it("tampered manifest", async () => {
    const [image] = await writeOciLayout(join(dir, "layout"), [{ tag: "1.0", layers: [etcLayer] }]);
    const path = blobPath(join(dir, "layout"), image?.manifestDigest ?? "");
    await flipByte(path);
    const error = await rejection(resolved("1.0"), VerificationError);
    expect(error.file).toBe(path);
    expect(error.message).toContain(image?.manifestDigest);
  });

  it("tampered config", async () => {
    const [image] = await writeOciLayout(join(dir, "layout"), [{ tag: "1.0", layers: [etcLayer] }]);
    const path = blobPath(join(dir, "layout"), image?.configDigest ?? "");
    await flipByte(path);
    const error = await rejection(resolved("1.0"), VerificationError);
    expect(error.file).toBe(path);
  });

  it("missing blob", async () => {
    const [image] = await writeOciLayout(join(dir, "layout"), [{ tag: "1.0", layers: [etcLayer] }]);
    await rm(blobPath(join(dir, "layout"), image?.configDigest ?? ""));
    const error = await rejection(resolved("1.0"), ImgcError);
    expect(error.message).toContain(image?.configDigest);
    expect(error.message).toContain("missing");
  });
});

describe("readBaseFilesystem", () => {
  const lower: LayerMember[] = [
    { name: "./", type: "directory" },
    { name: "./etc/", type: "directory", mode: 0o755 },
    { name: "./etc/a", content: "a" },
    { name: "./etc/b", content: "b" },
    { name: "opt/", type: "directory" },
    { name: "opt/app/", type: "directory" },
    { name: "opt/app/bin", content: "x", mode: 0o755 },
    { name: "var/", type: "directory", mode: 0o700, uid: 3, gid: 4 },
    { name: "var/lib/", type: "directory" },
    { name: "var/lib/y", content: "y" },
    { name: "bin", type: "symlink", linkname: "usr/bin" },
  ];
  const upper: LayerMember[] = [
    { name: "etc/.wh.a", content: "" },
    { name: "opt/.wh.app", content: "" },
    { name: "var/.wh..wh..opq", content: "" },
    { name: "var/new", content: "n" },
  ];

  it("applies whiteouts from a later layer", async () => {
    await writeOciLayout(join(dir, "layout"), [{ tag: "1.0", layers: [lower, upper] }]);
    const { view } = await readBaseFilesystem(await resolved());
    expect(view.has("etc/a")).toBe(false);
    expect(view.has("etc/b")).toBe(true);
    expect(view.has("opt")).toBe(true);
    expect(view.has("opt/app")).toBe(false);
    expect(view.has("opt/app/bin")).toBe(false);
    expect(view.has("var/lib")).toBe(false);
    expect(view.has("var/lib/y")).toBe(false);
    expect(view.has("var/new")).toBe(true);
    expect(view.has("etc/.wh.a")).toBe(false);
  });

  const hostile: [string, LayerMember[], string][] = [
    ["a .. segment", [{ name: "etc/../../x", content: "x" }], "leaves the image root"],
    ["an absolute path", [{ name: "/etc/x", content: "x" }], "absolute path"],
    [
      "a path through a symlink",
      [
        { name: "link", type: "symlink", linkname: "/etc" },
        { name: "link/passwd", content: "root::0:0::/:/bin/sh\n" },
      ],
      'written through the symlink "link"',
    ],
    [
      "a hardlink out of the root",
      [{ name: "shadow", type: "link", linkname: "../../../etc/shadow" }],
      "outside the layer",
    ],
    ["a whiteout of the root", [{ name: ".wh..", content: "" }], "whites out"],
  ];
  for (const [name, members, message] of hostile) {
    it(`rejects ${name}`, async () => {
      await writeOciLayout(join(dir, "layout"), [{ tag: "1.0", layers: [members] }]);
      const error = await rejection(readBaseFilesystem(await resolved()), VerificationError);
      expect(error.message).toContain(message);
    });
  }

  it("rejects a path through a lower layer's symlink", async () => {
    const first: LayerMember[] = [{ name: "data", type: "symlink", linkname: "/var/lib" }];
    const second: LayerMember[] = [{ name: "data/x", content: "x" }];
    await writeOciLayout(join(dir, "layout"), [{ tag: "1.0", layers: [first, second] }]);
    const error = await rejection(readBaseFilesystem(await resolved()), VerificationError);
    expect(error.message).toContain('written through the symlink "data"');
  });

  it("keeps metadata and link targets", async () => {
    await writeOciLayout(join(dir, "layout"), [{ tag: "1.0", layers: [lower] }]);
    const { view } = await readBaseFilesystem(await resolved());
    expect(view.get("var")).toMatchObject({
      type: "dir",
      mode: 0o700,
      uid: 3,
      gid: 4,
      mtime: 1_700_000_000,
    });
    expect(view.get("bin")).toMatchObject({ type: "symlink", linkname: "usr/bin" });
    expect(view.get("opt/app/bin")).toMatchObject({ type: "file", mode: 0o755 });
  });

  it("normalises ./ and trailing slashes", async () => {
    await writeOciLayout(join(dir, "layout"), [{ tag: "1.0", layers: [lower] }]);
    const { view } = await readBaseFilesystem(await resolved());
    expect(view.has("etc")).toBe(true);
    expect(view.has("./etc/")).toBe(false);
    expect(view.has("")).toBe(false);
  });

  it("uncompressed layers", async () => {
    await writeOciLayout(join(dir, "layout"), [
      { tag: "1.0", layers: [lower, upper], uncompressed: true },
    ]);
    const { view } = await readBaseFilesystem(await resolved());
    expect(view.has("etc/b")).toBe(true);
    expect(view.has("etc/a")).toBe(false);
  });

  it("reads the account files", async () => {
    const accounts: LayerMember[] = [
      { name: "etc/", type: "directory" },
      { name: "etc/passwd", content: "root:x:0:0:root:/root:/bin/sh\n" },
      { name: "etc/group", content: "root:x:0:\n" },
      { name: "etc/shadow", content: "root:*:::::::\n", mode: 0o600 },
    ];
    await writeOciLayout(join(dir, "layout"), [{ tag: "1.0", layers: [accounts] }]);
    const result = await readBaseFilesystem(await resolved());
    expect(result.accounts).toEqual({
      passwd: "root:x:0:0:root:/root:/bin/sh\n",
      group: "root:x:0:\n",
      shadow: "root:*:::::::\n",
    });
  });

  it("a later passwd replaces an earlier one", async () => {
    await writeOciLayout(join(dir, "layout"), [
      {
        tag: "1.0",
        layers: [
          [{ name: "etc/passwd", content: "old:x:1:1::/:/bin/sh\n" }],
          [{ name: "etc/passwd", content: "new:x:2:2::/:/bin/sh\n" }],
        ],
      },
    ]);
    const result = await readBaseFilesystem(await resolved());
    expect(result.accounts.passwd).toBe("new:x:2:2::/:/bin/sh\n");
  });

  it("a whited-out passwd is gone", async () => {
    await writeOciLayout(join(dir, "layout"), [
      {
        tag: "1.0",
        layers: [
          [
            { name: "etc/passwd", content: "old:x:1:1::/:/bin/sh\n" },
            { name: "etc/group", content: "old:x:1:\n" },
          ],
          [{ name: "etc/.wh.passwd" }],
        ],
      },
    ]);
    const result = await readBaseFilesystem(await resolved());
    expect(result.accounts.passwd).toBeUndefined();
    expect(result.accounts.group).toBe("old:x:1:\n");
  });

  it("a passwd under a whited-out folder is gone", async () => {
    await writeOciLayout(join(dir, "layout"), [
      {
        tag: "1.0",
        layers: [
          [{ name: "etc/passwd", content: "old:x:1:1::/:/bin/sh\n" }],
          [{ name: ".wh.etc" }],
        ],
      },
    ]);
    const result = await readBaseFilesystem(await resolved());
    expect(result.accounts.passwd).toBeUndefined();
  });

  it("tampered gzip layer", async () => {
    const [image] = await writeOciLayout(join(dir, "layout"), [{ tag: "1.0", layers: [lower] }]);
    const path = blobPath(join(dir, "layout"), image?.layerDigests[0] ?? "");
    const base = await resolved();
    await flipByte(path);
    const error = await rejection(readBaseFilesystem(base), VerificationError);
    expect(error.file).toBe(path);
    expect(error.message).toContain(image?.layerDigests[0]);
  });

  it("tampered uncompressed layer", async () => {
    const [image] = await writeOciLayout(join(dir, "layout"), [
      { tag: "1.0", layers: [lower], uncompressed: true },
    ]);
    const path = blobPath(join(dir, "layout"), image?.layerDigests[0] ?? "");
    const base = await resolved();
    // Byte 600 is inside the content of ./etc/a, after the headers of ./ and ./etc/.
    await flipByte(path, 512 * 3 + 0);
    const error = await rejection(readBaseFilesystem(base), VerificationError);
    expect(error.file).toBe(path);
  });
});
