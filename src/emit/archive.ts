// Writes `<outDir>/<name>.tar`: the OCI layout's files plus a docker `manifest.json` whose
// paths point into `blobs/sha256/`, the form `docker save` writes since Docker 25. Docker's
// classic image store needs manifest.json, and containerd, podman and Docker's containerd
// store read the layout. The tar is deterministic and written with imgc's own tar headers.

import { mkdir, open, readFile, rename, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { canonicalJson } from "../assemble/canonical-json.js";
import type { LayerEntry } from "../build/layer-entry.js";
import { orderLayerEntries } from "../build/order-entries.js";
import { END_OF_ARCHIVE_SIZE } from "../build/tar-header.js";
import { planRecords, TarSource } from "../build/tar-source.js";
import type { ImageIndex, ImageManifest } from "../oci/types.js";
import { digestHex } from "../util/digest.js";
import { assert, ImgcError } from "../util/errors.js";
import { temporarySibling } from "../util/fs.js";
import { layoutFiles, type LayoutFile, type LayoutInput } from "./layout-files.js";

/** Bytes copied into the archive at a time. */
const CHUNK_SIZE = 1024 * 1024;

const encoder = new TextEncoder();

/** Writes the archive atomically and returns its path, `<outDir>/<name>.tar`. */
export async function writeArchive(input: LayoutInput): Promise<{ path: string }> {
  const files = layoutFiles(input);
  const dockerManifest = await dockerManifestJson(input, files);
  files.push({ path: "manifest.json", source: { bytes: dockerManifest } });
  const entries = await archiveEntries(files);
  const records = planRecords(orderLayerEntries(entries), { user: () => "", group: () => "" });

  const target = join(input.outDir, `${input.name}.tar`);
  await mkdir(input.outDir, { recursive: true });
  const temporary = temporarySibling(target);
  const source = new TarSource(records);
  try {
    const output = await open(temporary, "wx", 0o644);
    try {
      let remaining = records.reduce((sum, record) => sum + record.size, 0) + END_OF_ARCHIVE_SIZE;
      while (remaining > 0) {
        const chunk = new Uint8Array(Math.min(CHUNK_SIZE, remaining));
        source.fill(chunk);
        await output.write(chunk);
        remaining -= chunk.length;
      }
      // Fixed mode whatever the umask, as for the layout's files.
      await output.chmod(0o644);
    } finally {
      await output.close();
      source.close();
    }
    await rename(temporary, target);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error instanceof ImgcError
      ? error
      : new ImgcError(`failed to write the image archive ${target}`, { cause: error });
  }
  return { path: target };
}

/**
 * Returns the tar entries of the archive: the `blobs` folders and every file, owned by root, mode
 * 0755 or 0644, with mtime 0 so that the archive's bytes depend only on the image.
 */
async function archiveEntries(files: readonly LayoutFile[]): Promise<LayerEntry[]> {
  const metadata = { uid: 0, gid: 0, mtime: 0 };
  const entries: LayerEntry[] = [
    { path: "blobs", type: "dir", mode: 0o755, size: 0, ...metadata },
    { path: "blobs/sha256", type: "dir", mode: 0o755, size: 0, ...metadata },
  ];
  for (const file of files) {
    if ("bytes" in file.source) {
      const data = file.source.bytes;
      entries.push({
        path: file.path,
        type: "file",
        mode: 0o644,
        size: data.length,
        content: { kind: "bytes", data },
        ...metadata,
      });
      continue;
    }
    const size = (await stat(file.source.file)).size;
    const content = { kind: "file" as const, path: file.source.file, offset: 0, size };
    entries.push({
      path: file.path,
      type: "file",
      mode: 0o644,
      size,
      ...(size > 0 ? { content } : {}),
      ...metadata,
    });
  }
  return entries;
}

/**
 * Returns docker's manifest.json for one image: the amd64 manifest of the index, or its first
 * manifest when there is no amd64 one, because a docker archive contains one image per tag.
 */
async function dockerManifestJson(
  input: LayoutInput,
  files: readonly LayoutFile[],
): Promise<Uint8Array> {
  const index = JSON.parse(Buffer.from(input.indexBlob.bytes).toString("utf8")) as ImageIndex;
  const chosen =
    index.manifests.find((entry) => entry.platform?.architecture === "amd64") ?? index.manifests[0];
  assert(chosen !== undefined, "the image index has no manifest");
  const manifest = JSON.parse(
    await readLayoutFile(files, `blobs/sha256/${digestHex(chosen.digest)}`),
  ) as ImageManifest;

  const blobPath = (digest: string) => `blobs/sha256/${digestHex(digest)}`;
  const image = {
    Config: blobPath(manifest.config.digest),
    RepoTags: input.tags.map((tag) => `${input.imageName}:${tag}`),
    Layers: manifest.layers.map((layer) => blobPath(layer.digest)),
  };
  return encoder.encode(canonicalJson([image]));
}

async function readLayoutFile(files: readonly LayoutFile[], path: string): Promise<string> {
  const file = files.find((candidate) => candidate.path === path);
  assert(file !== undefined, `${path} is referenced by the image index but not among the blobs`);
  const bytes = "bytes" in file.source ? file.source.bytes : await readFile(file.source.file);
  return Buffer.from(bytes).toString("utf8");
}
