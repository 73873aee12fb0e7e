import type { LayerEntry } from "./layer-entry.js";

/**
 * Merges entry lists so that each path appears once. A later list replaces an earlier one's
 * file, as unpacking in that order would; two directories keep the first one's attributes.
 */
export function mergeEntries(lists: readonly (readonly LayerEntry[])[]): LayerEntry[] {
  const byPath = new Map<string, LayerEntry>();
  for (const list of lists) {
    for (const entry of list) {
      const existing = byPath.get(entry.path);
      if (existing?.type === "dir" && entry.type === "dir") continue;
      byPath.set(entry.path, entry);
    }
  }
  return [...byPath.values()];
}
