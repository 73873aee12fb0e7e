// Builds an OCI image index with one manifest per platform. imgc writes an index even for a
// single platform, so every output has the same shape and a platform can be added later.

import { MediaTypes } from "../oci/media-types.js";
import type { Descriptor, ImageIndex, OciPlatform } from "../oci/types.js";
import { assert } from "../util/errors.js";
import { jsonBlob, type JsonBlob } from "./canonical-json.js";
import { annotationsJson, descriptorJson } from "./descriptor.js";

/** One platform's manifest in the index. */
export interface IndexManifest {
  descriptor: Descriptor;
  platform: OciPlatform;
  annotations?: Readonly<Record<string, string>>;
}

export interface ImageIndexInput {
  /**
   * The manifests in the order written. A client takes the first entry that matches its
   * platform, so the caller's order (the config's platform order) is kept.
   */
  manifests: readonly IndexManifest[];
  annotations?: Readonly<Record<string, string>>;
}

/** Builds the index blob and its descriptor. */
export function buildImageIndex(input: ImageIndexInput): JsonBlob<ImageIndex> {
  const platforms = new Set<string>();
  for (const { platform } of input.manifests) {
    const key = [platform.os, platform.architecture, platform.variant ?? ""].join("/");
    assert(!platforms.has(key), `platform ${key} appears twice in the image index`);
    platforms.add(key);
  }

  const manifests: Descriptor[] = input.manifests.map((manifest) => ({
    mediaType: manifest.descriptor.mediaType,
    digest: manifest.descriptor.digest,
    size: manifest.descriptor.size,
    ...(manifest.annotations === undefined ? {} : { annotations: { ...manifest.annotations } }),
    platform: manifest.platform,
  }));
  const value: ImageIndex = {
    schemaVersion: 2,
    mediaType: MediaTypes.index,
    manifests,
    ...(input.annotations === undefined ? {} : { annotations: { ...input.annotations } }),
  };
  const json = {
    schemaVersion: value.schemaVersion,
    mediaType: value.mediaType,
    manifests: manifests.map(descriptorJson),
    annotations: annotationsJson(value.annotations),
  };
  return jsonBlob(json, MediaTypes.index, value);
}
