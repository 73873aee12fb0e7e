// The image's filesystem as the layers below a given layer leave it: paths to metadata, with
// whiteouts applied. Later layers use it to give parent directories their existing attributes
// and to follow directory symlinks such as `bin → usr/bin`.

import type { LayerEntry } from "../build/layer-entry.js";

/** Metadata of one path in the view. */
export type ViewNode = Pick<LayerEntry, "type" | "mode" | "uid" | "gid" | "mtime" | "linkname">;

const whiteoutPrefix = ".wh.";
const opaqueWhiteout = ".wh..wh..opq";

/** Symlinks followed for one path at most, as Linux's MAXSYMLINKS (40) limits path lookups. */
const maxSymlinkHops = 40;

/** Splits "a/b/c" into its parent "a/b" and name "c"; the parent of a top-level name is "". */
export function splitPath(path: string): { parent: string; name: string } {
  const slash = path.lastIndexOf("/");
  return slash < 0
    ? { parent: "", name: path }
    : { parent: path.slice(0, slash), name: path.slice(slash + 1) };
}

/** Returns every ancestor of `path`, outermost first: "a/b/c" gives ["a", "a/b"]. */
export function ancestors(path: string): string[] {
  const parts = path.split("/");
  const result: string[] = [];
  for (let i = 1; i < parts.length; i++) result.push(parts.slice(0, i).join("/"));
  return result;
}

/** Returns true when the target of the link at `linkPath` climbs above the root with "..". */
function leavesRoot(linkPath: readonly string[], linkname: string): boolean {
  let depth = linkname.startsWith("/") ? 0 : linkPath.length - 1;
  for (const part of linkname.split("/")) {
    if (part === "..") depth--;
    else if (part !== "" && part !== ".") depth++;
    if (depth < 0) return true;
  }
  return false;
}

/** A mutable map of the image's paths, built by applying layers in order. */
export class FilesystemView {
  private readonly nodes = new Map<string, ViewNode>();

  /** Applies one layer's entries on top of the view, whiteouts included. */
  apply(entries: Iterable<Pick<LayerEntry, "path"> & ViewNode>): void {
    const added: (Pick<LayerEntry, "path"> & ViewNode)[] = [];
    for (const entry of entries) {
      const { parent, name } = splitPath(entry.path);
      if (name === opaqueWhiteout) this.removeChildren(parent);
      else if (name.startsWith(whiteoutPrefix)) {
        const hidden = name.slice(whiteoutPrefix.length);
        this.remove(parent ? `${parent}/${hidden}` : hidden);
      } else added.push(entry);
    }
    // Whiteouts hide lower layers only, so they are applied before the layer's own entries.
    for (const entry of added) {
      const existing = this.nodes.get(entry.path);
      if (existing && (existing.type !== "dir" || entry.type !== "dir")) this.remove(entry.path);
      this.nodes.set(entry.path, {
        type: entry.type,
        mode: entry.mode,
        uid: entry.uid,
        gid: entry.gid,
        mtime: entry.mtime,
        ...(entry.linkname === undefined ? {} : { linkname: entry.linkname }),
      });
    }
  }

  get(path: string): ViewNode | undefined {
    return this.nodes.get(path);
  }

  has(path: string): boolean {
    return this.nodes.has(path);
  }

  /** Returns a copy, so a caller can extend it without changing this view. */
  clone(): FilesystemView {
    const copy = new FilesystemView();
    for (const [path, node] of this.nodes) copy.nodes.set(path, node);
    return copy;
  }

  /**
   * Rewrites `path` so that none of its parent components is a symlink, following directory
   * symlinks of the view (`bin/sh` becomes `usr/bin/sh` when `bin → usr/bin`), also where a
   * link's target passes through another link. The last component is kept as it is. A link whose
   * target leaves the root is kept as a plain component, and a path through a loop of links is
   * returned unchanged.
   */
  resolveParents(path: string): string {
    const parts = path.split("/");
    const last = parts.pop() as string;
    let resolved: string[] = [];
    // Components still to walk, next one last: a link's target is pushed here and walked in turn.
    const pending = parts.reverse();
    let hops = 0;
    for (let part = pending.pop(); part !== undefined; part = pending.pop()) {
      if (part === "" || part === ".") continue;
      if (part === "..") {
        resolved.pop();
        continue;
      }
      resolved.push(part);
      const node = this.nodes.get(resolved.join("/"));
      if (node?.type !== "symlink" || node.linkname === undefined) continue;
      if (leavesRoot(resolved, node.linkname)) continue;
      hops++;
      if (hops > maxSymlinkHops) return path;
      resolved = node.linkname.startsWith("/") ? [] : resolved.slice(0, -1);
      pending.push(...node.linkname.split("/").reverse());
    }
    resolved.push(last);
    return resolved.join("/");
  }

  private remove(path: string): void {
    this.nodes.delete(path);
    this.removeChildren(path);
  }

  private removeChildren(path: string): void {
    const prefix = path === "" ? "" : `${path}/`;
    for (const key of [...this.nodes.keys()]) {
      if (key.startsWith(prefix) && key !== path) this.nodes.delete(key);
    }
  }
}
