// Puts a layer's entries into the order and form the tar writer needs, checking the invariants
// that the stages before it must keep. A failed check is a bug in imgc, not a user mistake:
// the planner adds parent directories and rejects duplicate destinations with a diagnostic.

import { assert } from "../util/errors.js";
import type { LayerEntry } from "./layer-entry.js";

/**
 * Returns the entries sorted by the UTF-8 bytes of their paths, with hardlinks arranged so that
 * the first path of each linked set (in that order) carries the data and the others link to it.
 * Checks paths, sizes and content, that no path repeats and that every parent directory is an
 * entry.
 */
export function orderLayerEntries(entries: readonly LayerEntry[]): LayerEntry[] {
  for (const entry of entries) {
    // Messages are built only on failure, because a layer can have 100,000 entries.
    const problem = entryProblem(entry);
    if (problem !== undefined)
      assert(false, `layer entry ${JSON.stringify(entry.path)} ${problem}`);
  }

  // Byte order rather than JavaScript's UTF-16 order, as Go and C sort: the order is the same on
  // every machine and in every locale, and a parent sorts before its children (a prefix first).
  const keyed = entries.map((entry) => ({ entry, key: Buffer.from(entry.path, "utf8") }));
  keyed.sort((left, right) => Buffer.compare(left.key, right.key));
  const sorted = keyed.map(({ entry }) => entry);

  const byPath = new Map<string, LayerEntry>();
  for (const entry of sorted) {
    if (byPath.has(entry.path)) assert(false, `duplicate layer path ${JSON.stringify(entry.path)}`);
    byPath.set(entry.path, entry);
  }
  for (const entry of sorted) {
    const slash = entry.path.lastIndexOf("/");
    if (slash === -1) continue;
    const parent = entry.path.slice(0, slash);
    if (byPath.get(parent)?.type !== "dir") {
      const where = `${JSON.stringify(parent)} of ${JSON.stringify(entry.path)}`;
      assert(false, `parent directory ${where} is not in the layer`);
    }
  }

  return arrangeHardlinks(sorted, byPath);
}

/** Returns what is wrong with an entry's path, type, size or content, or undefined. */
function entryProblem(entry: LayerEntry): string | undefined {
  const segments = entry.path.split("/");
  const validSegment = (segment: string) => segment !== "" && segment !== "." && segment !== "..";
  if (entry.path.includes("\0") || !segments.every(validSegment)) {
    return `is not a relative path without empty, "." or ".." segments`;
  }
  if (!Number.isSafeInteger(entry.size) || entry.size < 0)
    return `has an invalid size ${entry.size}`;

  if (entry.type !== "file") {
    if (entry.size !== 0 || entry.content !== undefined)
      return `is a ${entry.type} but has content`;
    const needsLink = entry.type === "symlink" || entry.type === "hardlink";
    if (needsLink !== (entry.linkname !== undefined))
      return "has a linkname that does not match its type";
    return undefined;
  }
  if (entry.linkname !== undefined) return "is a regular file but has a linkname";
  const content = entry.content;
  if (content === undefined) {
    return entry.size === 0 ? undefined : `has a size of ${entry.size} but no content`;
  }
  if (content.kind === "bytes") {
    const length = content.data.length;
    return length === entry.size ? undefined : `has a size of ${entry.size} but ${length} bytes`;
  }
  if (content.size !== entry.size) {
    return `has a size of ${entry.size} but a file range of ${content.size}`;
  }
  if (!Number.isSafeInteger(content.offset) || content.offset < 0) {
    return `has an invalid file offset ${content.offset}`;
  }
  return undefined;
}

/**
 * Rewrites each set of hardlinked paths so that its first path in sort order is the regular file
 * and the others are hardlinks to it, because a tar extractor can only link to a path it has
 * already written. Every member gets the file's mode, owner and mtime: they are one inode.
 */
function arrangeHardlinks(
  sorted: readonly LayerEntry[],
  byPath: ReadonlyMap<string, LayerEntry>,
): LayerEntry[] {
  const fileOf = (entry: LayerEntry): LayerEntry => {
    let current = entry;
    for (let hops = 0; current.type === "hardlink"; hops++) {
      assert(hops <= byPath.size, `hardlink ${JSON.stringify(entry.path)} is part of a cycle`);
      const target = byPath.get(current.linkname ?? "");
      assert(
        target !== undefined,
        `hardlink ${JSON.stringify(entry.path)} points to ${JSON.stringify(current.linkname)}, which is not in the layer`,
      );
      current = target;
    }
    assert(
      current.type === "file",
      `hardlink ${JSON.stringify(entry.path)} points to a ${current.type}, not a regular file`,
    );
    return current;
  };

  // The data carrier of each linked set: the first member met in sort order.
  const carrierOf = new Map<LayerEntry, LayerEntry>();
  for (const entry of sorted) {
    if (entry.type !== "hardlink") continue;
    const file = fileOf(entry);
    if (carrierOf.has(file)) continue;
    const hardlinkFirst = Buffer.compare(Buffer.from(entry.path), Buffer.from(file.path)) < 0;
    carrierOf.set(file, hardlinkFirst ? entry : file);
  }

  return sorted.map((entry) => {
    if (entry.type !== "file" && entry.type !== "hardlink") return entry;
    const file = entry.type === "file" ? entry : fileOf(entry);
    const carrier = carrierOf.get(file);
    if (carrier === undefined) return entry;

    if (entry === carrier) return entry === file ? entry : { ...file, path: entry.path };
    const inode = { mode: file.mode, uid: file.uid, gid: file.gid, mtime: file.mtime };
    return { path: entry.path, type: "hardlink", ...inode, linkname: carrier.path, size: 0 };
  });
}
