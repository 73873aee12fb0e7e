// Writes small OCI image layouts by hand (tar layers, config, manifest, index), so tests can use
// base images that imgc did not build: whiteouts, several images, nested platform indexes.

import { createHash } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { gzipSync } from "node:zlib";

import tar from "tar-stream";

/** A member of a hand-made layer. */
export interface LayerMember {
  name: string;
  type?: "file" | "directory" | "symlink" | "link";
  content?: string;
  linkname?: string;
  mode?: number;
  uid?: number;
  gid?: number;
}

/** One image of a hand-made layout. */
export interface HandImage {
  /** `org.opencontainers.image.ref.name` of its entry in index.json, if any. */
  tag?: string;
  /** Default "linux/amd64". */
  platform?: string;
  /** Each layer's members, bottom layer first. */
  layers: LayerMember[][];
  /** Write the layers uncompressed (`…layer.v1.tar`). Default: gzip. */
  uncompressed?: boolean;
  /** Put the manifest behind an image index blob with a platform, as multi-platform images do. */
  nested?: boolean;
}

/** What was written for one image. */
export interface WrittenImage {
  /** Digest of the top descriptor in index.json (the manifest, or the nested index). */
  digest: string;
  manifestDigest: string;
  configDigest: string;
  layerDigests: string[];
  diffIds: string[];
}

function sha256(data: Uint8Array | string): string {
  return createHash("sha256").update(data).digest("hex");
}

const defaultModes = { file: 0o644, directory: 0o755, symlink: 0o777, link: 0o644 } as const;

/** Packs members into a tar archive with fixed times and ids. */
export async function packLayer(members: readonly LayerMember[]): Promise<Buffer> {
  const pack = tar.pack();
  for (const member of members) {
    const type = member.type ?? "file";
    pack.entry(
      {
        name: member.name,
        type,
        mode: member.mode ?? defaultModes[type],
        uid: member.uid ?? 0,
        gid: member.gid ?? 0,
        mtime: new Date(1_700_000_000_000),
        linkname: member.linkname,
      },
      type === "file" ? (member.content ?? "") : "",
    );
  }
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of pack) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

class BlobWriter {
  constructor(private readonly layout: string) {}

  async write(data: Uint8Array | string): Promise<{ digest: string; size: number }> {
    const hex = sha256(data);
    await writeFile(join(this.layout, "blobs", "sha256", hex), data);
    return { digest: `sha256:${hex}`, size: Buffer.byteLength(data) };
  }
}

/** Writes an OCI image layout with `images` into `layout` and returns their digests. */
export async function writeOciLayout(
  layout: string,
  images: readonly HandImage[],
): Promise<WrittenImage[]> {
  await mkdir(join(layout, "blobs", "sha256"), { recursive: true });
  await writeFile(join(layout, "oci-layout"), '{"imageLayoutVersion":"1.0.0"}');
  const blobs = new BlobWriter(layout);
  const written: WrittenImage[] = [];
  const manifests: object[] = [];
  for (const image of images) {
    const [os, architecture] = (image.platform ?? "linux/amd64").split("/") as [string, string];
    const layerDescriptors: object[] = [];
    const diffIds: string[] = [];
    const layerDigests: string[] = [];
    for (const members of image.layers) {
      const tarBytes = await packLayer(members);
      diffIds.push(`sha256:${sha256(tarBytes)}`);
      const blob = await blobs.write(image.uncompressed ? tarBytes : gzipSync(tarBytes));
      layerDigests.push(blob.digest);
      layerDescriptors.push({
        mediaType: image.uncompressed
          ? "application/vnd.oci.image.layer.v1.tar"
          : "application/vnd.oci.image.layer.v1.tar+gzip",
        ...blob,
      });
    }
    const config = await blobs.write(
      JSON.stringify({
        architecture,
        os,
        config: { Env: ["PATH=/usr/bin:/bin"] },
        rootfs: { type: "layers", diff_ids: diffIds },
      }),
    );
    const manifest = await blobs.write(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: "application/vnd.oci.image.manifest.v1+json",
        config: { mediaType: "application/vnd.oci.image.config.v1+json", ...config },
        layers: layerDescriptors,
      }),
    );
    const manifestDescriptor = {
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      ...manifest,
      platform: { architecture, os },
    };
    let top: { mediaType: string; digest: string; size: number } = manifestDescriptor;
    if (image.nested) {
      const nested = await blobs.write(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: "application/vnd.oci.image.index.v1+json",
          manifests: [manifestDescriptor],
        }),
      );
      top = { mediaType: "application/vnd.oci.image.index.v1+json", ...nested };
    }
    manifests.push({
      ...top,
      ...(image.tag === undefined
        ? {}
        : { annotations: { "org.opencontainers.image.ref.name": image.tag } }),
    });
    written.push({
      digest: top.digest,
      manifestDigest: manifest.digest,
      configDigest: config.digest,
      layerDigests,
      diffIds,
    });
  }
  await writeFile(
    join(layout, "index.json"),
    JSON.stringify({
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.index.v1+json",
      manifests,
    }),
  );
  return written;
}

/** Path of a blob in a layout. */
export function blobPath(layout: string, digest: string): string {
  return join(layout, "blobs", "sha256", digest.replace(/^sha256:/, ""));
}
