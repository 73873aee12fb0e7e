// Serialises the image's JSON blobs deterministically. Digests are taken over the exact bytes and
// no reader canonicalises JSON, so the same value must always give the same bytes. The rules: no
// insignificant whitespace, object fields in the order the code builds them, and maps (labels,
// annotations, ports, volumes) in the byte order of their keys.

import { sha256Digest } from "../util/digest.js";
import { assert } from "../util/errors.js";
import type { Descriptor } from "../oci/types.js";

/** A map whose entries are written sorted by key; a plain object keeps its field order. */
export type JsonMap = ReadonlyMap<string, JsonValue>;

export type JsonValue =
  | string
  | number
  | boolean
  | null
  | undefined
  | readonly JsonValue[]
  | JsonMap
  | { readonly [key: string]: JsonValue };

/** A serialised JSON blob, the descriptor of exactly its bytes, and the value it holds. */
export interface JsonBlob<T> {
  bytes: Uint8Array;
  descriptor: Descriptor;
  value: T;
}

const encoder = new TextEncoder();

/** Returns a map of the record's entries that `canonicalJson` writes sorted by key. */
export function jsonMap(record: Readonly<Record<string, JsonValue>>): JsonMap {
  return new Map(Object.entries(record));
}

/**
 * Serialises `value` with no insignificant whitespace. Plain objects keep the order their fields
 * were added in, maps are sorted by the UTF-8 bytes of their keys, and fields whose value is
 * undefined are left out. Numbers must be safe integers: OCI JSON contains no fractions, and
 * integers print the same in every JavaScript engine.
 */
export function canonicalJson(value: JsonValue): string {
  if (value === null) return "null";
  if (typeof value === "string" || typeof value === "boolean") return JSON.stringify(value);
  if (typeof value === "number") {
    assert(Number.isSafeInteger(value), `JSON number ${value} is not a safe integer`);
    return String(value);
  }
  assert(value !== undefined, "undefined has no JSON form outside an object field");
  if (Array.isArray(value))
    return `[${value.map((item: JsonValue) => canonicalJson(item)).join(",")}]`;
  if (value instanceof Map) return serialiseMap(value as JsonMap);
  return serialiseObject(value as { readonly [key: string]: JsonValue });
}

/** Serialises `value` to UTF-8 bytes and describes them with `mediaType`. */
export function jsonBlob<T>(value: JsonValue, mediaType: string, typed: T): JsonBlob<T> {
  const bytes = encoder.encode(canonicalJson(value));
  return {
    bytes,
    descriptor: { mediaType, digest: sha256Digest(bytes), size: bytes.length },
    value: typed,
  };
}

function serialiseMap(map: JsonMap): string {
  const keys = [...map.keys()].sort((left, right) =>
    Buffer.compare(Buffer.from(left), Buffer.from(right)),
  );
  const fields = keys.flatMap((key) => field(key, map.get(key)));
  return `{${fields.join(",")}}`;
}

function serialiseObject(object: { readonly [key: string]: JsonValue }): string {
  const fields = Object.keys(object).flatMap((key) => {
    // JavaScript enumerates integer-like keys first, in numeric order, whatever the insertion
    // order, so such a key would silently reorder a struct. Maps take those keys.
    assert(!/^(0|[1-9][0-9]*)$/.test(key), `object field ${key} would reorder; use jsonMap`);
    return field(key, object[key]);
  });
  return `{${fields.join(",")}}`;
}

function field(key: string, value: JsonValue): string[] {
  return value === undefined ? [] : [`${JSON.stringify(key)}:${canonicalJson(value)}`];
}
