// Builds an OCI image manifest: the config descriptor, the layer descriptors base first, and
// annotations. mediaType is always written, because a registry compares it with the
// Content-Type of a push, and some clients (containerify 4.1.0) reject a manifest without it.

import { MediaTypes } from "../oci/media-types.js";
import type { Descriptor, ImageManifest } from "../oci/types.js";
import { jsonBlob, type JsonBlob } from "./canonical-json.js";
import { annotationsJson, descriptorJson } from "./descriptor.js";

export interface ManifestInput {
  config: Descriptor;
  /** Layer descriptors, base layer first. */
  layers: readonly Descriptor[];
  annotations?: Readonly<Record<string, string>>;
}

/** Builds the manifest blob and its descriptor. */
export function buildManifest(input: ManifestInput): JsonBlob<ImageManifest> {
  const value: ImageManifest = {
    schemaVersion: 2,
    mediaType: MediaTypes.manifest,
    config: input.config,
    layers: [...input.layers],
    ...(input.annotations === undefined ? {} : { annotations: { ...input.annotations } }),
  };
  const json = {
    schemaVersion: value.schemaVersion,
    mediaType: value.mediaType,
    config: descriptorJson(value.config),
    layers: value.layers.map(descriptorJson),
    annotations: annotationsJson(value.annotations),
  };
  return jsonBlob(json, MediaTypes.manifest, value);
}
