// The JSON forms of OCI descriptors and platforms, with their fields in the order of the
// image-spec's Go types, so that every blob that embeds them writes them the same way.

import { digestHex } from "../util/digest.js";
import { assert } from "../util/errors.js";
import type { Descriptor, OciPlatform } from "../oci/types.js";
import { jsonMap, type JsonValue } from "./canonical-json.js";

/** Returns the OCI platform of `os/architecture[/variant]`, adding arm64's `v8` variant. */
export function ociPlatform(platform: string): OciPlatform {
  const [os, architecture, variant, ...rest] = platform.split("/");
  const where = `platform ${JSON.stringify(platform)}`;
  assert(os && architecture, `${where} is not os/architecture[/variant]`);
  assert(rest.length === 0, `${where} has more than three parts`);
  // The image-spec (v1.1.1) lists v8 as arm64's variant and recommends writing it.
  const defaultVariant = architecture === "arm64" ? "v8" : undefined;
  const chosen = variant ?? defaultVariant;
  return chosen === undefined ? { architecture, os } : { architecture, os, variant: chosen };
}

/** Returns the JSON form of a platform: architecture, os, then variant when there is one. */
export function platformJson(platform: OciPlatform): JsonValue {
  assert(
    platform.architecture !== "" && platform.os !== "",
    "a platform needs an os and an architecture",
  );
  return { architecture: platform.architecture, os: platform.os, variant: platform.variant };
}

/** Returns the JSON form of a descriptor, checking its digest and size. */
export function descriptorJson(descriptor: Descriptor): JsonValue {
  digestHex(descriptor.digest);
  assert(descriptor.mediaType !== "", `descriptor ${descriptor.digest} has no media type`);
  assert(
    Number.isSafeInteger(descriptor.size) && descriptor.size >= 0,
    `size of ${descriptor.digest}`,
  );
  return {
    mediaType: descriptor.mediaType,
    digest: descriptor.digest,
    size: descriptor.size,
    annotations: annotationsJson(descriptor.annotations),
    platform: descriptor.platform === undefined ? undefined : platformJson(descriptor.platform),
    artifactType: descriptor.artifactType,
  };
}

/** Returns annotations as a sorted map, or undefined when there are none, so none is written. */
export function annotationsJson(
  annotations: Readonly<Record<string, string>> | undefined,
): JsonValue {
  if (annotations === undefined || Object.keys(annotations).length === 0) return undefined;
  return jsonMap(annotations);
}
