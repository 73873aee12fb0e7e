// Resolves a base image from a local OCI layout: the manifest for a platform, its config and its
// layers (reused as they are), and the filesystem those layers produce.

import { createReadStream } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { createGunzip } from "node:zlib";
import { createHash } from "node:crypto";
import { pipeline, Transform, type Readable } from "node:stream";

import type { BaseSpec } from "../check/spec.js";
import type { Platform } from "../config/types.js";
import { Annotations, MediaTypes } from "../oci/media-types.js";
import type { Descriptor, ImageConfigBlob, ImageIndex, ImageManifest } from "../oci/types.js";
import { FilesystemView } from "../plan/filesystem-view.js";
import type { BaseAccountFiles } from "../plan/accounts.js";
import { digestHex, sha256File, sha256Hex, type Digest } from "../util/digest.js";
import { ImgcError, VerificationError } from "../util/errors.js";
import { Codes } from "../diagnostics/codes.js";
import { DiagnosticError } from "../diagnostics/diagnostic.js";
import { readAll, readTar } from "../util/tar-read.js";

/** One layer of a base image, reused byte for byte. */
export interface BaseLayer {
  descriptor: Descriptor;
  diffId: Digest;
  /** Path of the blob in the base layout. */
  blobPath: string;
}

/** A base image resolved for one platform. */
export interface BaseImage {
  /** The reference as the config wrote it, such as `oci:/abs/path:1.0`. */
  reference: string;
  manifestDigest: Digest;
  config: ImageConfigBlob;
  layers: readonly BaseLayer[];
}

const indexTypes = new Set<string>([MediaTypes.index, MediaTypes.dockerManifestList]);
const manifestTypes = new Set<string>([MediaTypes.manifest, MediaTypes.dockerManifest]);

function platformParts(platform: Platform): { os: string; architecture: string } {
  const [os, architecture] = platform.split("/") as [string, string];
  return { os, architecture };
}

async function readBlob(layout: string, descriptor: Descriptor): Promise<Buffer> {
  const path = join(layout, "blobs", "sha256", digestHex(descriptor.digest));
  let data: Buffer;
  try {
    data = await readFile(path);
  } catch (error) {
    throw new ImgcError(`base image blob ${descriptor.digest} is missing from ${layout}`, {
      cause: error,
    });
  }
  // Check size before hashing and the digest before parsing, as the image spec requires.
  if (data.length !== descriptor.size || `sha256:${sha256Hex(data)}` !== descriptor.digest) {
    throw new VerificationError(path, `content does not match its descriptor ${descriptor.digest}`);
  }
  return data;
}

function describeBase(spec: Extract<BaseSpec, { kind: "oci-layout" }>): string {
  return `oci:${spec.path}${spec.tag === undefined ? "" : `:${spec.tag}`}`;
}

async function findTopDescriptor(
  spec: Extract<BaseSpec, { kind: "oci-layout" }>,
): Promise<Descriptor> {
  let text: string;
  try {
    text = await readFile(join(spec.path, "index.json"), "utf8");
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === "ENOENT";
    if (!missing)
      throw new ImgcError(`base image ${describeBase(spec)}: cannot read index.json`, {
        cause: error,
      });
    throw baseNotFound(
      `base image ${describeBase(spec)} not found: ${join(spec.path, "index.json")} does not exist`,
      "point base at an OCI layout folder, such as one made by `imgc compile` or `skopeo copy … oci:DIR:TAG`",
    );
  }
  let index: ImageIndex;
  try {
    index = JSON.parse(text) as ImageIndex;
  } catch (error) {
    throw new ImgcError(`base image ${describeBase(spec)}: index.json is not valid JSON`, {
      cause: error,
    });
  }
  if (!Array.isArray(index?.manifests)) {
    throw new ImgcError(`base image ${describeBase(spec)}: index.json has no manifests list`);
  }
  const tagged = index.manifests.filter((d) =>
    spec.tag === undefined ? true : d.annotations?.[Annotations.refName] === spec.tag,
  );
  const unique = new Set(tagged.map((d) => d.digest));
  if (unique.size === 1 && tagged[0]) return tagged[0];
  const tags = index.manifests.map((d) => d.annotations?.[Annotations.refName]).filter(Boolean);
  if (unique.size === 0 && spec.tag === undefined) {
    throw baseNotFound(
      `base image ${describeBase(spec)}: the layout contains no image`,
      "point base at a layout that contains an image",
    );
  }
  if (unique.size === 0) {
    throw baseNotFound(
      `base image ${describeBase(spec)}: tag ${JSON.stringify(spec.tag)} not found in the layout`,
      `use one of the layout's tags: ${tags.join(", ") || "(none)"}`,
    );
  }
  throw baseNotFound(
    `base image ${describeBase(spec)}: the layout contains several images`,
    `name one with a tag: ${tags.join(", ")}`,
  );
}

/** Returns the error for a base the config names but the layout lacks: a config mistake (exit 2). */
function baseNotFound(message: string, fix: string): DiagnosticError {
  return new DiagnosticError([
    { code: Codes.baseImageNotFound, severity: "error", message, path: "base", fix },
  ]);
}

/** Resolves the base image for `platform`, or returns undefined for `scratch`. */
export async function resolveBaseImage(
  spec: BaseSpec,
  platform: Platform,
): Promise<BaseImage | undefined> {
  if (spec.kind === "scratch") return undefined;
  const wanted = platformParts(platform);
  let descriptor = await findTopDescriptor(spec);
  if (indexTypes.has(descriptor.mediaType)) {
    const index = JSON.parse(
      (await readBlob(spec.path, descriptor)).toString("utf8"),
    ) as ImageIndex;
    const match = index.manifests.find(
      (d) => d.platform?.os === wanted.os && d.platform.architecture === wanted.architecture,
    );
    if (!match) {
      throw new ImgcError(`base image ${describeBase(spec)} has no ${platform} manifest`, {
        hint: "build the base for this platform, or remove the platform from `platforms`",
      });
    }
    descriptor = match;
  }
  if (!manifestTypes.has(descriptor.mediaType)) {
    throw new ImgcError(
      `base image ${describeBase(spec)}: unsupported media type ${descriptor.mediaType}`,
    );
  }
  const manifest = JSON.parse(
    (await readBlob(spec.path, descriptor)).toString("utf8"),
  ) as ImageManifest;
  const config = JSON.parse(
    (await readBlob(spec.path, manifest.config)).toString("utf8"),
  ) as ImageConfigBlob;
  if (config.os !== wanted.os || config.architecture !== wanted.architecture) {
    throw new ImgcError(
      `base image ${describeBase(spec)} is ${config.os}/${config.architecture}, not ${platform}`,
    );
  }
  const diffIds = config.rootfs?.diff_ids ?? [];
  if (diffIds.length !== manifest.layers.length) {
    throw new ImgcError(
      `base image ${describeBase(spec)}: config lists ${diffIds.length} diff IDs for ${manifest.layers.length} layers`,
    );
  }
  const layers = manifest.layers.map((layer, i) => ({
    descriptor: { mediaType: layer.mediaType, digest: layer.digest, size: layer.size },
    diffId: diffIds[i] as Digest,
    blobPath: join(spec.path, "blobs", "sha256", digestHex(layer.digest)),
  }));
  return { reference: describeBase(spec), manifestDigest: descriptor.digest, config, layers };
}

const accountPaths = new Map<string, keyof BaseAccountFiles>([
  ["etc/passwd", "passwd"],
  ["etc/group", "group"],
  ["etc/shadow", "shadow"],
]);

/** Returns a stream that passes data through and feeds it to `hash`. */
function hashTap(hash: ReturnType<typeof createHash>): Transform {
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      callback(null, chunk);
    },
  });
}

function ignoreResult(): void {}

// pipeline() rather than pipe(): it passes an error of any stage (a damaged gzip stream) on to
// the last stream, where readTar receives it. With pipe() the error is lost and the read never ends.
function layerStream(layer: BaseLayer, blobHash: ReturnType<typeof createHash>): Readable {
  const type = layer.descriptor.mediaType;
  const gzip = type.endsWith("+gzip") || type.endsWith(".tar.gzip");
  if (!gzip && !type.endsWith(".tar") && !type.endsWith("diff.tar")) {
    throw new ImgcError(
      `base layer ${layer.descriptor.digest}: media type ${type} is not supported`,
      {
        hint: "imgc reads tar and tar+gzip base layers",
      },
    );
  }
  const file = createReadStream(layer.blobPath, { highWaterMark: 1 << 20 });
  return gzip
    ? pipeline(file, hashTap(blobHash), createGunzip(), ignoreResult)
    : pipeline(file, hashTap(blobHash), ignoreResult);
}

/**
 * Returns the error for a layer that could not be read. A blob whose digest is wrong was damaged
 * or tampered with, and it usually fails to decompress before its digest can be compared. Any
 * other blob is not a valid tar stream of its media type.
 */
async function unreadableLayer(layer: BaseLayer, cause: unknown): Promise<ImgcError> {
  // A rejected entry (checkBaseEntry) is already the precise error.
  if (cause instanceof VerificationError) return cause;
  const { hex } = await sha256File(layer.blobPath);
  if (`sha256:${hex}` !== layer.descriptor.digest) {
    return new VerificationError(
      layer.blobPath,
      `content has digest sha256:${hex}, the manifest says ${layer.descriptor.digest}`,
      { cause, hint: "copy or build the base image layout again" },
    );
  }
  return new ImgcError(
    `base layer ${layer.descriptor.digest} is not a valid ${layer.descriptor.mediaType}`,
    {
      cause,
    },
  );
}

/**
 * Rejects a base layer entry that a careless extractor would write outside the image root.
 * imgc passes base layers on byte for byte, so it cannot clean such entries. Rejected: a `..`
 * segment, an absolute path, a path through a symlink (`link -> /etc`, then `link/passwd`), a
 * hardlink whose target leaves the root, and a whiteout of `.` or `..`. Image builders write
 * none of these, because they take layers from real folders, where no path runs through a link.
 */
function checkBaseEntry(
  layer: BaseLayer,
  rawName: string,
  path: string,
  type: string,
  linkname: string | undefined,
  isSymlink: (path: string) => boolean,
): void {
  const reject = (reason: string) =>
    new VerificationError(layer.blobPath, `base layer entry ${JSON.stringify(rawName)} ${reason}`, {
      hint: "the base image is malformed or hostile; rebuild it with a trusted tool",
    });
  const segments = path.split("/");
  if (rawName.startsWith("/")) throw reject("has an absolute path");
  if (segments.includes("..")) throw reject("leaves the image root through `..`");
  const name = segments[segments.length - 1] ?? "";
  if (name === ".wh." || name === ".wh.." || name === ".wh...")
    throw reject("whites out no file or the root");
  for (let i = 1; i < segments.length; i++) {
    const ancestor = segments.slice(0, i).join("/");
    if (isSymlink(ancestor))
      throw reject(`is written through the symlink ${JSON.stringify(ancestor)}`);
  }
  if (type === "hardlink") {
    const target = linkname ?? "";
    if (target.startsWith("/") || target.split("/").includes("..") || target === "") {
      throw reject(`is a hardlink to ${JSON.stringify(target)}, outside the layer`);
    }
  }
}

function normaliseTarPath(name: string): string {
  return name.replace(/^\.?\/+/, "").replace(/\/+$/, "");
}

/**
 * Reads the base layers' tar headers into a filesystem view, checking each layer's digest and
 * diff ID,
 * and returns the account files the layers leave behind.
 */
export async function readBaseFilesystem(
  base: BaseImage,
): Promise<{ view: FilesystemView; accounts: BaseAccountFiles }> {
  const view = new FilesystemView();
  const accounts: BaseAccountFiles = {};
  for (const layer of base.layers) {
    const hash = createHash("sha256");
    const blobHash = createHash("sha256");
    const entries: Parameters<FilesystemView["apply"]>[0] extends Iterable<infer T> ? T[] : never =
      [];
    const tarStream = pipeline(layerStream(layer, blobHash), hashTap(hash), ignoreResult);
    const layerSymlinks = new Set<string>();
    await readTar(tarStream, async (header, content) => {
      const path = normaliseTarPath(header.name);
      if (path === "") return;
      const type =
        header.type === "directory"
          ? "dir"
          : header.type === "symlink"
            ? "symlink"
            : header.type === "link"
              ? "hardlink"
              : "file";
      checkBaseEntry(
        layer,
        header.name,
        path,
        type,
        header.linkname,
        (p) => layerSymlinks.has(p) || view.get(p)?.type === "symlink",
      );
      if (type === "symlink") layerSymlinks.add(path);
      entries.push({
        path,
        type,
        mode: header.mode,
        uid: header.uid,
        gid: header.gid,
        mtime: header.mtime,
        linkname: header.linkname,
      });
      const accountKey = accountPaths.get(path);
      if (accountKey && type === "file" && header.size < 1 << 20) {
        accounts[accountKey] = (await readAll(content)).toString("utf8");
      }
    }).catch(async (error: unknown) => {
      throw await unreadableLayer(layer, error);
    });
    const digest = `sha256:${blobHash.digest("hex")}`;
    const { size } = await stat(layer.blobPath);
    if (size !== layer.descriptor.size) {
      throw new VerificationError(
        layer.blobPath,
        `the blob has ${size} bytes, the manifest says ${layer.descriptor.size}`,
      );
    }
    if (digest !== layer.descriptor.digest) {
      throw new VerificationError(
        layer.blobPath,
        `content has digest ${digest}, the manifest says ${layer.descriptor.digest}`,
      );
    }
    const diffId = `sha256:${hash.digest("hex")}`;
    if (diffId !== layer.diffId) {
      throw new VerificationError(
        layer.blobPath,
        `uncompressed content has diff ID ${diffId}, config says ${layer.diffId}`,
      );
    }
    view.apply(entries);
    // A whiteout in this layer may have removed an account file that a lower layer had.
    for (const [path, key] of accountPaths) {
      if (view.get(path)?.type !== "file") accounts[key] = undefined;
    }
  }
  return { view, accounts };
}
