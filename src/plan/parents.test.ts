import { describe, expect, it } from "vitest";

import type { LayerEntry } from "../build/layer-entry.js";
import { FilesystemView } from "./filesystem-view.js";
import { withParentDirectories } from "./parents.js";

function file(path: string): LayerEntry {
  return { path, type: "file", mode: 0o644, uid: 0, gid: 0, mtime: 0, size: 0 };
}

function dir(path: string, extra: Partial<LayerEntry> = {}): LayerEntry {
  return { path, type: "dir", mode: 0o755, uid: 0, gid: 0, mtime: 0, size: 0, ...extra };
}

function byPath(entries: readonly LayerEntry[], path: string): LayerEntry | undefined {
  return entries.find((entry) => entry.path === path);
}

describe("withParentDirectories", () => {
  it("adds missing parents as 0755 root with the mtime", () => {
    const result = withParentDirectories([file("srv/www/index.html")], new FilesystemView(), 77);
    expect(byPath(result, "srv")).toEqual(dir("srv", { mtime: 77 }));
    expect(byPath(result, "srv/www")).toEqual(dir("srv/www", { mtime: 77 }));
  });

  it("keeps the given entries first and in order", () => {
    const entries = [file("b/x"), file("a/y")];
    const result = withParentDirectories(entries, new FilesystemView(), 0);
    expect(result.slice(0, 2)).toEqual(entries);
    expect(result.map((entry) => entry.path)).toEqual(["b/x", "a/y", "b", "a"]);
  });

  it("existing parent keeps the view's attributes", () => {
    const view = new FilesystemView();
    view.apply([dir("home", { mode: 0o750, uid: 3, gid: 4, mtime: 123 })]);
    const result = withParentDirectories([file("home/app/.profile")], view, 9);
    expect(byPath(result, "home")).toEqual(
      dir("home", { mode: 0o750, uid: 3, gid: 4, mtime: 123 }),
    );
    expect(byPath(result, "home/app")).toEqual(dir("home/app", { mtime: 9 }));
  });

  it("parent that is a file in the view becomes a new folder", () => {
    const view = new FilesystemView();
    view.apply([{ ...file("opt"), mode: 0o600, uid: 5 }]);
    const result = withParentDirectories([file("opt/x")], view, 1);
    expect(byPath(result, "opt")).toEqual(dir("opt", { mtime: 1 }));
  });

  it("parent listed in the entries is not added", () => {
    const own = dir("etc", { mode: 0o700 });
    const result = withParentDirectories([file("etc/motd"), own], new FilesystemView(), 0);
    expect(result.filter((entry) => entry.path === "etc")).toEqual([own]);
  });

  it("shared parents are added once", () => {
    const result = withParentDirectories(
      [file("usr/bin/a"), file("usr/bin/b"), file("usr/lib/c")],
      new FilesystemView(),
      0,
    );
    const paths = result.map((entry) => entry.path);
    expect(paths.filter((path) => path === "usr")).toHaveLength(1);
    expect(paths.filter((path) => path === "usr/bin")).toHaveLength(1);
    expect(new Set(paths).size).toBe(paths.length);
  });

  it("top-level entry needs no parent", () => {
    const result = withParentDirectories([file("motd")], new FilesystemView(), 0);
    expect(result).toEqual([file("motd")]);
  });

  it("does not change the view", () => {
    const view = new FilesystemView();
    withParentDirectories([file("a/b")], view, 0);
    expect(view.has("a")).toBe(false);
  });
});
