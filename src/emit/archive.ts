// Writes `<outDir>/<name>.tar`: the OCI layout's files plus a docker `manifest.json` whose
// paths point into `blobs/sha256/`, the form `docker save` writes since Docker 25. Docker's
// classic image store needs manifest.json, and containerd, podman and Docker's containerd
// store read the layout. The tar is deterministic and written with imgc's own tar headers.

import { open, readFile, rename, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { canonicalJson } from "../assemble/canonical-json.js";
import type { LayerEntry } from "../build/layer-entry.js";
import { orderLayerEntries } from "../build/order-entries.js";
import { END_OF_ARCHIVE_SIZE } from "../build/tar-header.js";
import { planRecords, TarSource } from "../build/tar-source.js";
import type { ImageIndex, ImageManifest } from "../oci/types.js";
import { digestHex } from "../util/digest.js";
import { assert } from "../util/errors.js";
import { temporarySibling } from "../util/fs.js";
import { layoutFiles, type LayoutFile, type LayoutInput } from "./layout-files.js";
import { prepareOutDir } from "./layout.js";
import { checkOutDir, outputError } from "./output-error.js";

/** Bytes copied into the archive at a time. */
const CHUNK_SIZE = 1024 * 1024;

const encoder = new TextEncoder();

/**
 * Writes the archive atomically and returns its path, `<outDir>/<name>.tar`. File system errors
 * become ImgcErrors that name the archive, and a blob file that changes while it is copied fails
 * the write.
 */
export async function writeArchive(input: LayoutInput): Promise<{ path: string }> {
  const files = layoutFiles(input);
  checkOutDir(input.outDir);
  const target = join(input.outDir, `${input.name}.tar`);
  try {
    await prepareOutDir(input);
    const dockerManifest = await dockerManifestJson(input, files);
    files.push({ path: "manifest.json", source: { bytes: dockerManifest } });
    await writeTar(await archiveEntries(files), blobSha256(files), target);
  } catch (error) {
    throw outputError(error, `the image archive ${target}`, input.outDir);
  }
  return { path: target };
}

/**
 * Returns the sha256 (hex) of each blob that is copied from a file, by its path in the archive:
 * a blob's name is its digest, so the copy is checked as it is read.
 */
function blobSha256(files: readonly LayoutFile[]): Map<string, string> {
  const prefix = "blobs/sha256/";
  const expected = new Map<string, string>();
  for (const file of files) {
    if ("file" in file.source && file.path.startsWith(prefix))
      expected.set(file.path, file.path.slice(prefix.length));
  }
  return expected;
}

/** Writes the tar of `entries` to a temporary beside `target` and renames it into place. */
async function writeTar(
  entries: readonly LayerEntry[],
  expectedSha256: ReadonlyMap<string, string>,
  target: string,
): Promise<void> {
  const records = planRecords(orderLayerEntries(entries), { user: () => "", group: () => "" });
  const temporary = temporarySibling(target);
  const source = new TarSource(records, expectedSha256);
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
      source.close();
      await output.close();
    }
    await rename(temporary, target);
  } catch (error) {
    // The write's own error is the one to report. A temporary that cannot be removed now is
    // removed by the next write into this folder, because its pid will have ended.
    await rm(temporary, { force: true }).catch(() => undefined);
    throw error;
  }
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
