import { execFileSync, spawnSync } from "node:child_process";
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ociPlatform } from "../assemble/descriptor.js";
import { buildImageConfig } from "../assemble/image-config.js";
import { buildImageIndex } from "../assemble/image-index.js";
import { buildManifest } from "../assemble/manifest.js";
import { buildLayer } from "../build/layer-cache.js";
import type { LayerEntry } from "../build/layer-entry.js";
import { MediaTypes } from "../oci/media-types.js";
import type { Digest } from "../util/digest.js";
import { temporarySibling } from "../util/fs.js";
import { writeArchive } from "./archive.js";
import { writeLayout, type LayoutInput } from "./layout.js";

const work = mkdtempSync(join(tmpdir(), "imgc-archive-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const names = { user: () => "", group: () => "" };
const metadata = { uid: 0, gid: 0, mtime: 0 };
const entriesFor = (architecture: string): LayerEntry[] => [
  { path: "etc", type: "dir", mode: 0o755, size: 0, ...metadata },
  {
    path: "etc/arch",
    type: "file",
    mode: 0o644,
    size: architecture.length,
    content: { kind: "bytes", data: Buffer.from(architecture) },
    ...metadata,
  },
];

/** Builds an image for each platform and returns the layout input. */
async function buildImage(outDir: string, platforms: readonly string[]): Promise<LayoutInput> {
  const blobs: LayoutInput["blobs"][number][] = [];
  const manifests = [];
  for (const name of platforms) {
    const platform = ociPlatform(name);
    const layer = await buildLayer(entriesFor(platform.architecture), {
      cacheDir: join(work, "cache"),
      names,
    });
    const config = buildImageConfig({
      platform,
      created: 0,
      entrypoint: ["/bin/true"],
      layers: [{ diffId: layer.diffId, createdBy: `imgc: files for ${name}` }],
    });
    const manifest = buildManifest({
      config: config.descriptor,
      layers: [{ mediaType: MediaTypes.layerGzip, digest: layer.digest, size: layer.size }],
    });
    blobs.push(
      { digest: manifest.descriptor.digest, bytes: manifest.bytes },
      { digest: config.descriptor.digest, bytes: config.bytes },
      { digest: layer.digest, path: layer.path },
    );
    manifests.push({
      descriptor: manifest.descriptor,
      platform,
      config: config.descriptor.digest,
      layer: layer.digest,
    });
  }
  const index = buildImageIndex({ manifests });
  return {
    outDir,
    name: "hello",
    tags: ["1.0.0", "latest"],
    indexBlob: index,
    blobs,
    imageName: "example.com/hello",
  };
}

function listTar(path: string): string[] {
  return execFileSync("tar", ["-tvf", path, "--numeric-owner", "--full-time"], {
    encoding: "utf8",
    env: { ...process.env, TZ: "UTC" },
  })
    .trim()
    .replace(/ +/g, " ")
    .split("\n");
}

describe("writeArchive", () => {
  let input: LayoutInput;
  let archive: string;

  beforeAll(async () => {
    input = await buildImage(join(work, "out"), ["linux/arm64", "linux/amd64"]);
    archive = (await writeArchive(input)).path;
  });

  it("lists sorted, root-owned entries at time 0", () => {
    const hexes = [
      ...new Set(
        input.blobs
          .map((blob) => blob.digest.slice(7))
          .concat(input.indexBlob.descriptor.digest.slice(7)),
      ),
    ].sort();
    const listing = listTar(archive);
    expect(listing.map((line) => line.split(" ").at(-1))).toEqual([
      "blobs/",
      "blobs/sha256/",
      ...hexes.map((hex) => `blobs/sha256/${hex}`),
      "index.json",
      "manifest.json",
      "oci-layout",
    ]);
    for (const line of listing)
      expect(line).toMatch(/^(drwxr-xr-x|-rw-r--r--) 0\/0 \d+ 1970-01-01 00:00:00 /);
  });

  it("holds the same bytes as the layout folder", async () => {
    const layout = await writeLayout({ ...input, outDir: join(work, "layout") });
    const extracted = join(work, "extracted");
    mkdirSync(extracted);
    execFileSync("tar", ["-xf", archive, "-C", extracted]);
    for (const name of [
      "oci-layout",
      "index.json",
      ...readdirSync(join(layout.path, "blobs/sha256")).map((hex) => `blobs/sha256/${hex}`),
    ]) {
      expect(
        readFileSync(join(extracted, name)).equals(readFileSync(join(layout.path, name))),
        name,
      ).toBe(true);
    }
  });

  it("writes docker's manifest.json for the amd64 image", () => {
    const manifest = JSON.parse(
      execFileSync("tar", ["-xOf", archive, "manifest.json"], { encoding: "utf8" }),
    );
    const amd64 = buildImageFromIndex("amd64");
    expect(manifest).toEqual([
      {
        Config: `blobs/sha256/${amd64.config.slice(7)}`,
        RepoTags: ["example.com/hello:1.0.0", "example.com/hello:latest"],
        Layers: [`blobs/sha256/${amd64.layer.slice(7)}`],
      },
    ]);
  });

  it("is loaded by podman load", () => {
    const root = join(work, "podman");
    const storage = [
      "--root",
      join(root, "root"),
      "--runroot",
      join(root, "run"),
      "--storage-driver",
      "vfs",
    ];
    execFileSync("podman", [...storage, "load", "-i", archive], { stdio: "pipe" });
    const images = JSON.parse(
      execFileSync("podman", [...storage, "images", "--format", "json"], { encoding: "utf8" }),
    );
    // podman lists the image once per tag.
    const names = new Set(images.flatMap((image: { Names?: string[] }) => image.Names ?? []));
    expect([...names].sort()).toEqual(["example.com/hello:1.0.0", "example.com/hello:latest"]);
    // The image ID is the config digest, so podman loaded the amd64 image.
    expect(new Set(images.map((image: { Id: string }) => image.Id))).toEqual(
      new Set([buildImageFromIndex("amd64").config.slice(7)]),
    );
  });

  it("reads as OCI and docker archive", () => {
    const amd64 = buildImageFromIndex("amd64");
    const asOci = JSON.parse(
      execFileSync("skopeo", ["inspect", `oci-archive:${archive}:1.0.0`], { encoding: "utf8" }),
    );
    expect(asOci.Layers).toEqual([amd64.layer]);
    const asDocker = JSON.parse(
      execFileSync("skopeo", ["inspect", `docker-archive:${archive}`], { encoding: "utf8" }),
    );
    // A docker archive names its layers by diff ID.
    const configBlob = input.blobs.find((blob) => blob.digest === amd64.config) as {
      bytes: Uint8Array;
    };
    const config = JSON.parse(Buffer.from(configBlob.bytes).toString("utf8"));
    expect(asDocker.Layers).toEqual(config.rootfs.diff_ids);
  });

  it("gives identical bytes on a second run", async () => {
    const again = await writeArchive(
      await buildImage(join(work, "again"), ["linux/arm64", "linux/amd64"]),
    );
    expect(readFileSync(again.path).equals(readFileSync(archive))).toBe(true);
  });

  it("is world-readable", () => {
    expect(statSync(archive).mode & 0o777).toBe(0o644);
  });

  it("keeps the earlier archive on failure", async () => {
    const before = readFileSync(archive);
    const broken: LayoutInput = {
      ...input,
      blobs: [...input.blobs, { digest: `sha256:${"0".repeat(64)}`, path: join(work, "missing") }],
    };
    await expect(writeArchive(broken)).rejects.toThrow();
    expect(readFileSync(archive).equals(before)).toBe(true);
    expect(readdirSync(join(work, "out"))).toEqual(["hello.tar"]);
  });

  it("removes temporaries of ended builds", async () => {
    const outDir = join(work, "killed");
    mkdirSync(outDir);
    const ended = spawnSync(process.execPath, ["-e", ""]).pid;
    const ownName = basename(temporarySibling(join(outDir, "hello.tar")));
    const endedName = ownName.replace(`-${process.pid}-`, `-${ended}-`);
    const parentName = ownName.replace(`-${process.pid}-`, `-${process.ppid}-`);
    for (const name of [endedName, parentName]) writeFileSync(join(outDir, name), "partial");
    await writeArchive({ ...input, outDir });
    expect(readdirSync(outDir).sort()).toEqual([parentName, "hello.tar"].sort());
  });

  it("rejects a blob file that does not match its digest", async () => {
    const outDir = join(work, "damaged");
    const layer = input.blobs.find((blob) => "path" in blob) as { digest: Digest; path: string };
    const damaged = readFileSync(layer.path);
    damaged.writeUInt8(damaged.readUInt8(0) ^ 0xff, 0);
    const copy = join(work, "damaged-blob");
    writeFileSync(copy, damaged);
    const blobs = input.blobs.map((blob) => (blob === layer ? { ...layer, path: copy } : blob));
    await expect(writeArchive({ ...input, outDir, blobs })).rejects.toMatchObject({
      name: "ImgcError",
      message: `${copy} changed while imgc was reading it; build again`,
    });
    expect(readdirSync(outDir)).toEqual([]);
  });

  it("names the archive when the output folder is a file", async () => {
    const file = join(work, "not-a-folder");
    writeFileSync(file, "");
    const outDir = join(file, "out");
    await expect(writeArchive({ ...input, outDir })).rejects.toMatchObject({
      name: "ImgcError",
      message: `failed to write the image archive ${join(outDir, "hello.tar")}`,
      hint: expect.stringMatching(/is a file where imgc needs a folder/),
    });
  });

  it("rejects an empty output folder", async () => {
    await expect(writeArchive({ ...input, outDir: "" })).rejects.toThrow(
      "the output folder is an empty string",
    );
  });

  /** Returns the config and layer digests of the index's manifest for `architecture`. */
  function buildImageFromIndex(architecture: string): { config: Digest; layer: Digest } {
    const index = JSON.parse(Buffer.from(input.indexBlob.bytes).toString("utf8"));
    const entry = index.manifests.find(
      (manifest: { platform: { architecture: string } }) =>
        manifest.platform.architecture === architecture,
    );
    const manifestBlob = input.blobs.find((blob) => blob.digest === entry.digest) as {
      bytes: Uint8Array;
    };
    const manifest = JSON.parse(Buffer.from(manifestBlob.bytes).toString("utf8"));
    return { config: manifest.config.digest, layer: manifest.layers[0].digest };
  }
});
