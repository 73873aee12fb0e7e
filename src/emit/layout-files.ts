// The files of an OCI image layout: `oci-layout`, `index.json` with one descriptor per tag, and
// `blobs/sha256/<hex>` for the image index and every blob it reaches. The folder writer and the
// archive writer both take them from here, so both contain the same bytes.

import { canonicalJson } from "../assemble/canonical-json.js";
import { descriptorJson } from "../assemble/descriptor.js";
import { Annotations, MediaTypes } from "../oci/media-types.js";
import type { Descriptor } from "../oci/types.js";
import { digestHex, sha256Digest, type Digest } from "../util/digest.js";
import { assert } from "../util/errors.js";
import type { Reporter } from "../util/reporter.js";

/** A blob to put in the layout: its bytes, or a file that contains them, such as a cached layer. */
export type LayoutBlob = { digest: Digest; bytes: Uint8Array } | { digest: Digest; path: string };

export interface LayoutInput {
  /** Folder the output goes into, such as `out`. */
  outDir: string;
  /** Image name: the layout is `<outDir>/<name>/` and the archive `<outDir>/<name>.tar`. */
  name: string;
  /** Tags, each written into index.json as `org.opencontainers.image.ref.name`. */
  tags: readonly string[];
  /** The image index with one manifest per platform. */
  indexBlob: { bytes: Uint8Array; descriptor: Descriptor };
  /** Every manifest, config and layer blob the index reaches. */
  blobs: readonly LayoutBlob[];
  /** Repository name for `io.containerd.image.name` (`<imageName>:<tag>`) and docker RepoTags. */
  imageName: string;
  /** Receives debug lines, such as the temporaries of killed builds that were removed. */
  reporter?: Reporter;
}

/** One file of the layout, by its path inside the layout. */
export interface LayoutFile {
  path: string;
  source: { bytes: Uint8Array } | { file: string };
}

const encoder = new TextEncoder();

/** Tag syntax of the OCI distribution spec. */
const TAG_PATTERN = /^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$/;

/** The `oci-layout` marker file, image-layout version 1.0.0. */
export const OCI_LAYOUT_BYTES = encoder.encode(canonicalJson({ imageLayoutVersion: "1.0.0" }));

/**
 * Returns the layout's files: `oci-layout`, `index.json` and one blob per distinct digest, the
 * image index first. Checks the name and tags, and that each blob given as bytes has its digest.
 */
export function layoutFiles(input: LayoutInput): LayoutFile[] {
  checkInput(input);
  const files: LayoutFile[] = [
    { path: "oci-layout", source: { bytes: OCI_LAYOUT_BYTES } },
    { path: "index.json", source: { bytes: layoutIndexJson(input) } },
  ];
  const seen = new Set<string>();
  const blobs: LayoutBlob[] = [
    { digest: input.indexBlob.descriptor.digest, bytes: input.indexBlob.bytes },
    ...input.blobs,
  ];
  for (const blob of blobs) {
    const hex = digestHex(blob.digest);
    if (seen.has(hex)) continue;
    seen.add(hex);
    if ("bytes" in blob) {
      assert(sha256Digest(blob.bytes) === blob.digest, `blob bytes do not match ${blob.digest}`);
      files.push({ path: `blobs/sha256/${hex}`, source: { bytes: blob.bytes } });
    } else {
      files.push({ path: `blobs/sha256/${hex}`, source: { file: blob.path } });
    }
  }
  return files;
}

/**
 * Returns index.json: one descriptor of the image index per tag, annotated with the tag as
 * `org.opencontainers.image.ref.name` and with `io.containerd.image.name`, which containerd's
 * importer uses to name the image.
 */
export function layoutIndexJson(input: LayoutInput): Uint8Array {
  const manifests = input.tags.map((tag) =>
    descriptorJson({
      ...input.indexBlob.descriptor,
      annotations: {
        [Annotations.containerdImageName]: `${input.imageName}:${tag}`,
        [Annotations.refName]: tag,
      },
    }),
  );
  return encoder.encode(
    canonicalJson({ schemaVersion: 2, mediaType: MediaTypes.index, manifests }),
  );
}

function checkInput(input: LayoutInput): void {
  assert(
    input.name !== "" && input.name !== "." && input.name !== ".." && !/[/\\\0]/.test(input.name),
    `image name ${JSON.stringify(input.name)} cannot name an output folder`,
  );
  assert(input.tags.length > 0, "an image layout needs at least one tag");
  assert(
    new Set(input.tags).size === input.tags.length,
    `duplicate tags in ${input.tags.join(", ")}`,
  );
  for (const tag of input.tags)
    assert(TAG_PATTERN.test(tag), `tag ${JSON.stringify(tag)} is not a valid OCI tag`);
  assert(
    input.indexBlob.descriptor.mediaType === MediaTypes.index,
    "the layout's entry point must be an image index",
  );
  assert(
    sha256Digest(input.indexBlob.bytes) === input.indexBlob.descriptor.digest,
    "the image index bytes do not match their descriptor",
  );
}
