import { execFileSync, spawnSync } from "node:child_process";
import {
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { basename, join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildImageConfig } from "../assemble/image-config.js";
import { buildImageIndex } from "../assemble/image-index.js";
import { ociPlatform } from "../assemble/descriptor.js";
import { buildManifest } from "../assemble/manifest.js";
import type { LayerEntry } from "../build/layer-entry.js";
import { buildLayer } from "../build/layer-cache.js";
import { MediaTypes } from "../oci/media-types.js";
import { temporarySibling } from "../util/fs.js";
import { writeLayout, type LayoutInput } from "./layout.js";

const work = mkdtempSync(join(tmpdir(), "imgc-layout-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const base = { uid: 0, gid: 0, mtime: 1_700_000_000, size: 0 };
const file = (path: string, text: string, extra: Partial<LayerEntry> = {}): LayerEntry => ({
  ...base,
  path,
  type: "file",
  mode: 0o644,
  size: Buffer.byteLength(text),
  content: { kind: "bytes", data: Buffer.from(text) },
  ...extra,
});
const dir = (path: string, extra: Partial<LayerEntry> = {}): LayerEntry => ({
  ...base,
  path,
  type: "dir",
  mode: 0o755,
  ...extra,
});

const entries: LayerEntry[] = [
  dir("app", { uid: 10001, gid: 10001 }),
  file("app/server.js", "console.log('hi')\n", { mode: 0o750, uid: 10001, gid: 10001 }),
  file("app/big-id", "x", { uid: 300_000, gid: 300_000 }),
  { ...base, path: "app/current", type: "symlink", mode: 0o777, linkname: "server.js" },
  { ...base, path: "app/another.js", type: "hardlink", mode: 0o644, linkname: "app/server.js" },
  dir("etc"),
  file("etc/motd", "hello\n"),
  dir("tmp", { mode: 0o1777 }),
];

/** Builds a one-platform image from `entries` and returns the layout input. */
async function buildImage(outDir: string, cacheDir: string): Promise<LayoutInput> {
  const users = new Map([
    [0, "root"],
    [10001, "app"],
  ]);
  const names = {
    user: (uid: number) => users.get(uid) ?? "",
    group: (gid: number) => (gid === 0 ? "root" : ""),
  };
  const layer = await buildLayer(entries, { cacheDir, names });
  const config = buildImageConfig({
    platform: ociPlatform("linux/amd64"),
    created: 0,
    user: { uid: 10001, gid: 10001 },
    env: { PATH: "/usr/bin:/bin", NODE_ENV: "production" },
    entrypoint: ["/app/server.js"],
    cmd: ["--port", "8080"],
    workdir: "/app",
    layers: [{ diffId: layer.diffId, createdBy: "imgc: files /app /etc/motd" }],
  });
  const layerDescriptor = {
    mediaType: MediaTypes.layerGzip,
    digest: layer.digest,
    size: layer.size,
  };
  const manifest = buildManifest({ config: config.descriptor, layers: [layerDescriptor] });
  const index = buildImageIndex({
    manifests: [{ descriptor: manifest.descriptor, platform: ociPlatform("linux/amd64") }],
  });
  return {
    outDir,
    name: "hello",
    tags: ["1.0.0", "latest"],
    indexBlob: index,
    blobs: [
      { digest: manifest.descriptor.digest, bytes: manifest.bytes },
      { digest: config.descriptor.digest, bytes: config.bytes },
      { digest: layer.digest, path: layer.path },
    ],
    imageName: "example.com/hello",
  };
}

/** Returns every file under `root` with its bytes, by relative path. */
function snapshot(root: string): Map<string, string> {
  const files = new Map<string, string>();
  const visit = (folder: string) => {
    for (const name of readdirSync(folder).sort()) {
      const path = join(folder, name);
      if (statSync(path).isDirectory()) visit(path);
      else files.set(relative(root, path), readFileSync(path).toString("base64"));
    }
  };
  visit(root);
  return files;
}

describe("writeLayout", () => {
  const cacheDir = join(work, "cache");
  let input: LayoutInput;
  let layoutPath: string;

  beforeAll(async () => {
    input = await buildImage(join(work, "out"), cacheDir);
    layoutPath = (await writeLayout(input)).path;
  });

  it("writes oci-layout and an index.json entry per tag", () => {
    expect(readFileSync(join(layoutPath, "oci-layout"), "utf8")).toBe(
      '{"imageLayoutVersion":"1.0.0"}',
    );
    const index = JSON.parse(readFileSync(join(layoutPath, "index.json"), "utf8"));
    expect(index.mediaType).toBe(MediaTypes.index);
    expect(index.manifests).toEqual(
      ["1.0.0", "latest"].map((tag) => ({
        mediaType: MediaTypes.index,
        digest: input.indexBlob.descriptor.digest,
        size: input.indexBlob.descriptor.size,
        annotations: {
          "io.containerd.image.name": `example.com/hello:${tag}`,
          "org.opencontainers.image.ref.name": tag,
        },
      })),
    );
  });

  it("is read by skopeo inspect", () => {
    const output = JSON.parse(
      execFileSync("skopeo", ["inspect", `oci:${layoutPath}:1.0.0`], { encoding: "utf8" }),
    );
    const layer = input.blobs[2];
    expect(output.Layers).toEqual([layer?.digest]);
    expect(output.Architecture).toBe("amd64");
    expect(output.Env).toEqual(["NODE_ENV=production", "PATH=/usr/bin:/bin"]);
  });

  it("unpacks with umoci as given", () => {
    const bundle = join(work, "bundle");
    execFileSync("umoci", ["unpack", "--image", `${layoutPath}:latest`, bundle], { stdio: "pipe" });
    const rootfs = join(bundle, "rootfs");
    const server = lstatSync(join(rootfs, "app/server.js"));
    expect(server.mode & 0o7777).toBe(0o750);
    expect(server.uid).toBe(10001);
    expect(server.gid).toBe(10001);
    expect(readFileSync(join(rootfs, "app/server.js"), "utf8")).toBe("console.log('hi')\n");
    expect(lstatSync(join(rootfs, "app/another.js")).ino).toBe(server.ino);
    expect(readlinkSync(join(rootfs, "app/current"))).toBe("server.js");
    expect(lstatSync(join(rootfs, "app/big-id")).uid).toBe(300_000);
    expect(lstatSync(join(rootfs, "tmp")).mode & 0o7777).toBe(0o1777);
    expect(lstatSync(join(rootfs, "etc/motd")).mtimeMs).toBe(1_700_000_000_000);

    const runtime = JSON.parse(readFileSync(join(bundle, "config.json"), "utf8"));
    expect(runtime.process.user).toMatchObject({ uid: 10001, gid: 10001 });
    expect(runtime.process.cwd).toBe("/app");
    expect(runtime.process.args).toEqual(["/app/server.js", "--port", "8080"]);
    expect(runtime.process.env).toContain("NODE_ENV=production");
  });

  it("writes files 0644 and folders 0755 whatever the umask", async () => {
    const previous = process.umask(0o077);
    try {
      const { path } = await writeLayout({
        ...(await buildImage(join(work, "umask"), join(work, "umask-cache"))),
      });
      expect(statSync(path).mode & 0o777).toBe(0o755);
      expect(statSync(join(path, "blobs/sha256")).mode & 0o777).toBe(0o755);
      for (const name of [
        "oci-layout",
        "index.json",
        ...readdirSync(join(path, "blobs/sha256")).map((hex) => `blobs/sha256/${hex}`),
      ]) {
        expect(statSync(join(path, name)).mode & 0o777, name).toBe(0o644);
      }
    } finally {
      process.umask(previous);
    }
  });

  it("hard-links a cached blob on the same file system", () => {
    const layer = input.blobs[2] as { digest: `sha256:${string}`; path: string };
    expect(statSync(join(layoutPath, "blobs/sha256", layer.digest.slice(7))).ino).toBe(
      statSync(layer.path).ino,
    );
  });

  it("gives identical bytes on a second run", async () => {
    const again = await writeLayout(
      await buildImage(join(work, "again"), join(work, "again-cache")),
    );
    expect(snapshot(again.path)).toEqual(snapshot(layoutPath));
  });

  it("keeps the earlier layout on failure", async () => {
    const before = snapshot(layoutPath);
    const broken: LayoutInput = {
      ...input,
      blobs: [...input.blobs, { digest: `sha256:${"0".repeat(64)}`, path: join(work, "missing") }],
    };
    await expect(writeLayout(broken)).rejects.toThrow(/failed to write the image layout/);
    expect(snapshot(layoutPath)).toEqual(before);
    expect(readdirSync(join(work, "out")).sort()).toEqual(["hello"]);
  });

  it("restores a layout left aside by a crash", async () => {
    const outDir = join(work, "crashed");
    const first = await writeLayout({ ...input, outDir });
    const before = snapshot(first.path);
    // A crash between replaceDirAtomic's two renames leaves only the `.old` copy.
    execFileSync("mv", [first.path, join(outDir, ".hello.old")]);
    const broken: LayoutInput = {
      ...input,
      outDir,
      blobs: [...input.blobs, { digest: `sha256:${"0".repeat(64)}`, path: join(work, "missing") }],
    };
    await expect(writeLayout(broken)).rejects.toThrow();
    expect(snapshot(first.path)).toEqual(before);
  });

  it("copies a blob from another file system", async () => {
    const outDir = join(work, "copied");
    const layer = input.blobs[2] as { digest: `sha256:${string}`; path: string };
    // /dev/shm is a tmpfs here, so a link from it into the work folder fails with EXDEV.
    const otherFs = mkdtempSync("/dev/shm/imgc-layout-");
    try {
      const foreign = join(otherFs, "blob");
      writeFileSync(foreign, readFileSync(layer.path), { mode: 0o600 });
      const copied = await writeLayout({
        ...input,
        outDir,
        blobs: [...input.blobs.slice(0, 2), { digest: layer.digest, path: foreign }],
      });
      const blob = join(copied.path, "blobs/sha256", layer.digest.slice(7));
      expect(statSync(blob).ino).not.toBe(statSync(foreign).ino);
      expect(statSync(blob).mode & 0o777).toBe(0o644);
      expect(readFileSync(blob).equals(readFileSync(layer.path))).toBe(true);
      expect(statSync(foreign).mode & 0o777).toBe(0o600);
    } finally {
      rmSync(otherFs, { recursive: true, force: true });
    }
  });

  it("rejects an invalid tag", async () => {
    await expect(writeLayout({ ...input, tags: ["-bad"] })).rejects.toThrow(/not a valid OCI tag/);
  });

  it("removes staging folders of ended builds", async () => {
    const outDir = join(work, "killed");
    const ended = spawnSync(process.execPath, ["-e", ""]).pid;
    const ownName = basename(temporarySibling(join(outDir, "hello"), "staging"));
    const endedName = ownName.replace(`-${process.pid}-`, `-${ended}-`);
    const parentName = ownName.replace(`-${process.pid}-`, `-${process.ppid}-`);
    for (const name of [endedName, parentName]) {
      mkdirSync(join(outDir, name, "blobs"), { recursive: true });
      writeFileSync(join(outDir, name, "blobs", "partial"), "x");
    }
    await writeLayout({ ...input, outDir });
    expect(readdirSync(outDir).sort()).toEqual([parentName, "hello"].sort());
  });

  it("names the layout when the output folder is a file", async () => {
    const file = join(work, "not-a-folder");
    writeFileSync(file, "");
    const outDir = join(file, "out");
    await expect(writeLayout({ ...input, outDir })).rejects.toMatchObject({
      name: "ImgcError",
      message: `failed to write the image layout ${join(outDir, "hello")}`,
      hint: expect.stringMatching(/is a file where imgc needs a folder/),
      cause: expect.objectContaining({ code: "ENOTDIR" }),
    });
  });

  it("rejects an empty output folder", async () => {
    await expect(writeLayout({ ...input, outDir: "" })).rejects.toMatchObject({
      name: "ImgcError",
      message: "the output folder is an empty string",
    });
  });
});
