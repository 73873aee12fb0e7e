// Records a folder's files and their sha256, so a test can show that a failed build left it as
// it was.

import { createHash } from "node:crypto";
import { readFile, readdir, lstat } from "node:fs/promises";
import { join, relative } from "node:path";

/** Returns `relative path → sha256` (or `dir`) for everything under `root`, sorted. */
export async function snapshotTree(root: string): Promise<Record<string, string>> {
  const result: Record<string, string> = {};
  const entries = await readdir(root, { withFileTypes: true, recursive: true });
  for (const entry of entries) {
    const path = join(entry.parentPath, entry.name);
    const info = await lstat(path);
    result[relative(root, path)] = info.isFile()
      ? createHash("sha256")
          .update(await readFile(path))
          .digest("hex")
      : info.isDirectory()
        ? "dir"
        : "other";
  }
  return Object.fromEntries(Object.entries(result).sort(([a], [b]) => (a < b ? -1 : 1)));
}
