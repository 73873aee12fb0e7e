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
  for (const entry of entries) checkEntry(entry);

  // Byte order rather than JavaScript's UTF-16 order, as Go and C sort: the order is the same on
  // every machine and in every locale, and a parent sorts before its children (a prefix first).
  const keyed = entries.map((entry) => ({ entry, key: Buffer.from(entry.path, "utf8") }));
  keyed.sort((left, right) => Buffer.compare(left.key, right.key));
  const sorted = keyed.map(({ entry }) => entry);

  const byPath = new Map<string, LayerEntry>();
  for (const entry of sorted) {
    assert(!byPath.has(entry.path), `duplicate layer path ${JSON.stringify(entry.path)}`);
    byPath.set(entry.path, entry);
  }
  for (const entry of sorted) {
    const slash = entry.path.lastIndexOf("/");
    if (slash === -1) continue;
    const parent = entry.path.slice(0, slash);
    assert(
      byPath.get(parent)?.type === "dir",
      `parent directory ${JSON.stringify(parent)} of ${JSON.stringify(entry.path)} is not in the layer`,
    );
  }

  return arrangeHardlinks(sorted, byPath);
}

function checkEntry(entry: LayerEntry): void {
  const where = JSON.stringify(entry.path);
  const segments = entry.path.split("/");
  assert(
    entry.path.length > 0 &&
      !entry.path.includes("\0") &&
      segments.every((segment) => segment !== "" && segment !== "." && segment !== ".."),
    `invalid layer path ${where}: expected a relative path without empty, "." or ".." segments`,
  );
  assert(Number.isSafeInteger(entry.size) && entry.size >= 0, `size of ${where}`);

  if (entry.type !== "file") {
    assert(
      entry.size === 0 && entry.content === undefined,
      `${where} is a ${entry.type} but has content`,
    );
    const needsLink = entry.type === "symlink" || entry.type === "hardlink";
    assert(
      needsLink === (entry.linkname !== undefined),
      `linkname of ${where} does not match its type`,
    );
    return;
  }
  assert(entry.linkname === undefined, `regular file ${where} has a linkname`);
  const content = entry.content;
  if (content === undefined) {
    assert(entry.size === 0, `${where} has a size of ${entry.size} but no content`);
  } else if (content.kind === "bytes") {
    assert(
      content.data.length === entry.size,
      `${where} has a size of ${entry.size} but ${content.data.length} bytes`,
    );
  } else {
    assert(
      content.size === entry.size,
      `${where} has a size of ${entry.size} but a file range of ${content.size}`,
    );
    assert(Number.isSafeInteger(content.offset) && content.offset >= 0, `file offset of ${where}`);
  }
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
    if (!carrierOf.has(file))
      carrierOf.set(
        file,
        Buffer.compare(Buffer.from(entry.path), Buffer.from(file.path)) < 0 ? entry : file,
      );
  }

  return sorted.map((entry) => {
    const file =
      entry.type === "file" ? entry : entry.type === "hardlink" ? fileOf(entry) : undefined;
    const carrier = file === undefined ? undefined : carrierOf.get(file);
    if (file === undefined || carrier === undefined) return entry;

    if (entry === carrier) return entry === file ? entry : { ...file, path: entry.path };
    const inode = { mode: file.mode, uid: file.uid, gid: file.gid, mtime: file.mtime };
    return { path: entry.path, type: "hardlink", ...inode, linkname: carrier.path, size: 0 };
  });
}
