import type { LayerEntry } from "../build/layer-entry.js";
import { ancestors, type FilesystemView } from "./filesystem-view.js";

/**
 * Returns `entries` plus every missing parent directory. A parent that the layers below already
 * have keeps its attributes there; a new one is 0755 root. Without explicit parents, extractors
 * invent them with their own defaults.
 */
export function withParentDirectories(
  entries: readonly LayerEntry[],
  view: FilesystemView,
  mtime: number,
): LayerEntry[] {
  const present = new Set(entries.map((e) => e.path));
  const added: LayerEntry[] = [];
  for (const entry of entries) {
    for (const parent of ancestors(entry.path)) {
      if (present.has(parent)) continue;
      present.add(parent);
      const existing = view.get(parent);
      added.push(
        existing?.type === "dir"
          ? {
              path: parent,
              type: "dir",
              mode: existing.mode,
              uid: existing.uid,
              gid: existing.gid,
              mtime: existing.mtime,
              size: 0,
            }
          : { path: parent, type: "dir", mode: 0o755, uid: 0, gid: 0, mtime, size: 0 },
      );
    }
  }
  return [...entries, ...added];
}
