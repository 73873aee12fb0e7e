import { describe, expect, it } from "vitest";

import type { LayerEntry } from "../build/layer-entry.js";
import { ancestors, FilesystemView, splitPath } from "./filesystem-view.js";

type ViewEntry = Parameters<FilesystemView["apply"]>[0] extends Iterable<infer T> ? T : never;

function dir(path: string, extra: Partial<LayerEntry> = {}): ViewEntry {
  return { path, type: "dir", mode: 0o755, uid: 0, gid: 0, mtime: 0, ...extra };
}

function file(path: string, extra: Partial<LayerEntry> = {}): ViewEntry {
  return { path, type: "file", mode: 0o644, uid: 0, gid: 0, mtime: 0, ...extra };
}

function link(path: string, linkname: string): ViewEntry {
  return { path, type: "symlink", mode: 0o777, uid: 0, gid: 0, mtime: 0, linkname };
}

function viewOf(...layers: ViewEntry[][]): FilesystemView {
  const view = new FilesystemView();
  for (const layer of layers) view.apply(layer);
  return view;
}

describe("splitPath", () => {
  it("nested path", () => {
    expect(splitPath("usr/bin/env")).toEqual({ parent: "usr/bin", name: "env" });
  });

  it("top-level name", () => {
    expect(splitPath("etc")).toEqual({ parent: "", name: "etc" });
  });
});

describe("ancestors", () => {
  it("nested path, outermost first", () => {
    expect(ancestors("a/b/c")).toEqual(["a", "a/b"]);
  });

  it("top-level name has none", () => {
    expect(ancestors("a")).toEqual([]);
  });
});

describe("FilesystemView.apply", () => {
  it("records metadata", () => {
    const view = viewOf([file("etc/motd", { mode: 0o600, uid: 7, gid: 8, mtime: 99 })]);
    expect(view.get("etc/motd")).toEqual({ type: "file", mode: 0o600, uid: 7, gid: 8, mtime: 99 });
  });

  it("keeps a symlink target", () => {
    const view = viewOf([link("bin", "usr/bin")]);
    expect(view.get("bin")?.linkname).toBe("usr/bin");
  });

  it("whiteout removes the path", () => {
    const view = viewOf([file("etc/a"), file("etc/b")], [file("etc/.wh.a")]);
    expect(view.has("etc/a")).toBe(false);
    expect(view.has("etc/b")).toBe(true);
    expect(view.has("etc/.wh.a")).toBe(false);
  });

  it("whiteout of a folder removes its children", () => {
    const view = viewOf(
      [dir("opt"), dir("opt/app"), file("opt/app/x"), file("opt/keep")],
      [file("opt/.wh.app")],
    );
    expect(view.has("opt/app")).toBe(false);
    expect(view.has("opt/app/x")).toBe(false);
    expect(view.has("opt/keep")).toBe(true);
  });

  it("whiteout at the top level", () => {
    const view = viewOf([dir("srv"), file("srv/x")], [file(".wh.srv")]);
    expect(view.has("srv")).toBe(false);
    expect(view.has("srv/x")).toBe(false);
  });

  it("whiteout does not hide a sibling with the same prefix", () => {
    const view = viewOf([file("etc/ab"), file("etc/a")], [file("etc/.wh.a")]);
    expect(view.has("etc/ab")).toBe(true);
  });

  it("opaque whiteout empties the folder but keeps it", () => {
    const view = viewOf(
      [
        dir("var", { mode: 0o700 }),
        dir("var/lib"),
        file("var/lib/x"),
        file("var/y"),
        file("varnish"),
      ],
      [file("var/.wh..wh..opq")],
    );
    expect(view.get("var")?.mode).toBe(0o700);
    expect(view.has("var/lib")).toBe(false);
    expect(view.has("var/lib/x")).toBe(false);
    expect(view.has("var/y")).toBe(false);
    expect(view.has("varnish")).toBe(true);
  });

  it("opaque whiteout keeps the layer's own children", () => {
    const view = viewOf([dir("var"), file("var/old")], [file("var/new"), file("var/.wh..wh..opq")]);
    expect(view.has("var/old")).toBe(false);
    expect(view.has("var/new")).toBe(true);
  });

  it("whiteout then re-add in one layer keeps the new entry", () => {
    const view = viewOf(
      [dir("app"), file("app/old")],
      [dir("app", { mode: 0o700 }), file(".wh.app")],
    );
    expect(view.get("app")?.mode).toBe(0o700);
    expect(view.has("app/old")).toBe(false);
  });

  it("dir over dir keeps children", () => {
    const view = viewOf(
      [dir("srv"), file("srv/index.html")],
      [dir("srv", { mode: 0o750, uid: 5 })],
    );
    expect(view.has("srv/index.html")).toBe(true);
    expect(view.get("srv")?.mode).toBe(0o750);
    expect(view.get("srv")?.uid).toBe(5);
  });

  it("file over dir removes children", () => {
    const view = viewOf([dir("srv"), dir("srv/sub"), file("srv/sub/x")], [file("srv")]);
    expect(view.get("srv")?.type).toBe("file");
    expect(view.has("srv/sub")).toBe(false);
    expect(view.has("srv/sub/x")).toBe(false);
  });

  it("symlink over dir removes children", () => {
    const view = viewOf([dir("bin"), file("bin/sh")], [link("bin", "usr/bin")]);
    expect(view.get("bin")?.type).toBe("symlink");
    expect(view.has("bin/sh")).toBe(false);
  });

  it("dir over symlink drops the target", () => {
    const view = viewOf([link("bin", "usr/bin")], [dir("bin")]);
    expect(view.get("bin")).toEqual({ type: "dir", mode: 0o755, uid: 0, gid: 0, mtime: 0 });
  });

  it("clone is independent", () => {
    const view = viewOf([file("a")]);
    const copy = view.clone();
    copy.apply([file("b")]);
    expect(view.has("b")).toBe(false);
    expect(copy.has("a")).toBe(true);
  });
});

describe("FilesystemView.resolveParents", () => {
  it("follows bin to usr/bin", () => {
    const view = viewOf([dir("usr"), dir("usr/bin"), link("bin", "usr/bin")]);
    expect(view.resolveParents("bin/sh")).toBe("usr/bin/sh");
  });

  it("keeps the last component as it is", () => {
    const view = viewOf([dir("usr"), dir("usr/bin"), link("bin", "usr/bin")]);
    expect(view.resolveParents("bin")).toBe("bin");
  });

  it("keeps a path without links", () => {
    const view = viewOf([dir("usr"), dir("usr/bin")]);
    expect(view.resolveParents("usr/bin/sh")).toBe("usr/bin/sh");
  });

  it("absolute link target", () => {
    const view = viewOf([link("var/run", "/run")]);
    expect(view.resolveParents("var/run/app/pid")).toBe("run/app/pid");
  });

  it("relative target with ..", () => {
    const view = viewOf([dir("usr"), dir("usr/local"), link("usr/local/bin", "../bin")]);
    expect(view.resolveParents("usr/local/bin/tool")).toBe("usr/bin/tool");
  });

  it("target with . and empty segments", () => {
    const view = viewOf([link("data", "./srv//data/")]);
    expect(view.resolveParents("data/x")).toBe("srv/data/x");
  });

  it("chain of links", () => {
    const view = viewOf([link("a", "b"), link("b", "usr/b")]);
    expect(view.resolveParents("a/x")).toBe("usr/b/x");
  });

  it("link target through another link", () => {
    const view = viewOf([link("bin", "usr/bin"), link("opt/tools", "/bin/tools")]);
    expect(view.resolveParents("opt/tools/run")).toBe("usr/bin/tools/run");
  });

  it("link target with .. after a link", () => {
    const view = viewOf([link("lib", "usr/lib"), link("opt/up", "/lib/../share")]);
    expect(view.resolveParents("opt/up/x")).toBe("usr/share/x");
  });

  it("loop returns the path unchanged", () => {
    const view = viewOf([link("a", "b"), link("b", "a")]);
    expect(view.resolveParents("a/x")).toBe("a/x");
  });

  it("self loop returns the path unchanged", () => {
    const view = viewOf([dir("usr"), link("usr/self", "self")]);
    expect(view.resolveParents("usr/self/x")).toBe("usr/self/x");
  });

  it("link leaving the root is kept", () => {
    const view = viewOf([link("escape", "../../outside")]);
    expect(view.resolveParents("escape/x")).toBe("escape/x");
  });

  it("absolute link with .. above the root is kept", () => {
    const view = viewOf([link("escape", "/../outside")]);
    expect(view.resolveParents("escape/x")).toBe("escape/x");
  });

  it("link to the root", () => {
    const view = viewOf([link("root", "/")]);
    expect(view.resolveParents("root/x")).toBe("x");
  });
});
