// The image's filesystem as the layers below a given layer leave it: paths to metadata, with
// whiteouts applied. Later layers use it to give parent directories their existing attributes
// and to follow directory symlinks such as `bin → usr/bin`.

import type { LayerEntry } from "../build/layer-entry.js";

/** Metadata of one path in the view. */
export type ViewNode = Pick<LayerEntry, "type" | "mode" | "uid" | "gid" | "mtime" | "linkname">;

const whiteoutPrefix = ".wh.";
const opaqueWhiteout = ".wh..wh..opq";

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
   * symlinks of the view (`bin/sh` becomes `usr/bin/sh` when `bin → usr/bin`). The last
   * component is kept as it is. Links that leave the root, or loop, stop the rewrite there.
   */
  resolveParents(path: string): string {
    const parts = path.split("/");
    let resolved: string[] = [];
    for (let i = 0; i < parts.length - 1; i++) {
      resolved.push(parts[i] as string);
      let hops = 0;
      let node = this.nodes.get(resolved.join("/"));
      while (node?.type === "symlink" && node.linkname !== undefined && hops < 16) {
        const target = this.symlinkTarget(resolved, node.linkname);
        if (target === undefined) break;
        resolved = target;
        node = this.nodes.get(resolved.join("/"));
        hops++;
      }
    }
    resolved.push(parts[parts.length - 1] as string);
    return resolved.join("/");
  }

  private symlinkTarget(linkPath: string[], linkname: string): string[] | undefined {
    const base = linkname.startsWith("/") ? [] : linkPath.slice(0, -1);
    const result = [...base];
    for (const part of linkname.split("/")) {
      if (part === "" || part === ".") continue;
      if (part === "..") {
        if (result.length === 0) return undefined;
        result.pop();
      } else result.push(part);
    }
    return result.length === 0 ? undefined : result;
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
