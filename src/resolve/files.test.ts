import { execFile } from "node:child_process";
import { chmod, link, mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

import { afterEach, beforeEach, describe, expect, it } from "vitest";

import type { LayerEntry } from "../build/layer-entry.js";
import type { FileSpec } from "../check/spec.js";
import { ImgcError } from "../util/errors.js";
import { normalisedFileMode, resolveFileEntries } from "./files.js";

const run = promisify(execFile);

type CopySpec = Extract<FileSpec, { kind: "copy" }>;

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "imgc-files-"));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Writes `content` at `relative` under the temp folder with `mode`, whatever the umask. */
async function put(relative: string, content: string, mode = 0o644): Promise<string> {
  const path = join(dir, relative);
  await mkdir(join(path, ".."), { recursive: true });
  await writeFile(path, content);
  await chmod(path, mode);
  return path;
}

function copySpec(src: string, dest: string, options: Partial<CopySpec> = {}): CopySpec {
  return {
    kind: "copy",
    src,
    dest,
    mode: undefined,
    dirMode: 0o755,
    owner: { uid: 0, gid: 0 },
    exclude: [],
    ...options,
  };
}

function summary(entries: readonly LayerEntry[]): [string, string, string][] {
  return entries.map((entry) => [entry.path, entry.type, entry.linkname ?? entry.mode.toString(8)]);
}

function byPath(entries: readonly LayerEntry[], path: string): LayerEntry | undefined {
  return entries.find((entry) => entry.path === path);
}

/** Awaits `promise` and returns the ImgcError it rejects with. */
async function imgcErrorOf(promise: Promise<unknown>): Promise<ImgcError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ImgcError) return error;
    throw error;
  }
  throw new Error("expected an ImgcError, but the promise resolved");
}

describe("normalisedFileMode", () => {
  it("owner-executable gives 0755", () => {
    expect(normalisedFileMode(0o100700)).toBe(0o755);
  });

  it("other modes give 0644", () => {
    expect(normalisedFileMode(0o100600)).toBe(0o644);
    expect(normalisedFileMode(0o100077)).toBe(0o644);
  });
});

describe("resolveFileEntries text, symlink, dir", () => {
  it("text becomes a file with its bytes", async () => {
    const spec: FileSpec = {
      kind: "text",
      dest: "etc/motd",
      content: "héllo\n",
      mode: 0o640,
      owner: { uid: 5, gid: 6 },
    };
    const [entry, ...rest] = await resolveFileEntries(spec, 42);
    expect(rest).toEqual([]);
    expect(entry).toEqual({
      path: "etc/motd",
      type: "file",
      mode: 0o640,
      uid: 5,
      gid: 6,
      mtime: 42,
      size: 7,
      content: { kind: "bytes", data: new TextEncoder().encode("héllo\n") },
    });
  });

  it("symlink keeps its target", async () => {
    const spec: FileSpec = {
      kind: "symlink",
      dest: "usr/bin/app",
      target: "../../app/run",
      owner: { uid: 0, gid: 0 },
    };
    expect(await resolveFileEntries(spec, 1)).toEqual([
      {
        path: "usr/bin/app",
        type: "symlink",
        mode: 0o777,
        uid: 0,
        gid: 0,
        mtime: 1,
        linkname: "../../app/run",
        size: 0,
      },
    ]);
  });

  it("dir has its mode and owner", async () => {
    const spec: FileSpec = {
      kind: "dir",
      dest: "var/app",
      mode: 0o1777,
      owner: { uid: 7, gid: 8 },
    };
    expect(await resolveFileEntries(spec, 3)).toEqual([
      { path: "var/app", type: "dir", mode: 0o1777, uid: 7, gid: 8, mtime: 3, size: 0 },
    ]);
  });
});

describe("resolveFileEntries copy", () => {
  it("single file", async () => {
    const src = await put("server.js", "console.log(1);\n", 0o640);
    const entries = await resolveFileEntries(copySpec(src, "app/server.js"), 9);
    expect(entries).toEqual([
      {
        path: "app/server.js",
        type: "file",
        mode: 0o644,
        uid: 0,
        gid: 0,
        mtime: 9,
        size: 16,
        content: { kind: "file", path: src, offset: 0, size: 16 },
      },
    ]);
  });

  it("empty file has no content", async () => {
    const src = await put("empty", "");
    const [entry] = await resolveFileEntries(copySpec(src, "empty"), 0);
    expect(entry?.size).toBe(0);
    expect(entry?.content).toBeUndefined();
  });

  it("file source through a symlink is followed", async () => {
    const target = await put("real.txt", "data", 0o700);
    await symlink(target, join(dir, "alias.txt"));
    const [entry] = await resolveFileEntries(copySpec(join(dir, "alias.txt"), "x.txt"), 0);
    expect(entry?.type).toBe("file");
    expect(entry?.mode).toBe(0o755);
    expect(entry?.size).toBe(4);
  });

  it("tree with nested folders", async () => {
    await put("site/index.html", "<h1>hi</h1>\n");
    await put("site/css/main.css", "body{}\n");
    await put("site/css/fonts/a.woff", "font");
    await put("site/z.txt", "z");
    await mkdir(join(dir, "site", "empty"));
    const entries = await resolveFileEntries(copySpec(join(dir, "site"), "srv/www"), 5);
    expect(summary(entries)).toEqual([
      ["srv/www", "dir", "755"],
      ["srv/www/css", "dir", "755"],
      ["srv/www/css/fonts", "dir", "755"],
      ["srv/www/css/fonts/a.woff", "file", "644"],
      ["srv/www/css/main.css", "file", "644"],
      ["srv/www/empty", "dir", "755"],
      ["srv/www/index.html", "file", "644"],
      ["srv/www/z.txt", "file", "644"],
    ]);
    expect(entries.every((entry) => entry.mtime === 5)).toBe(true);
  });

  it("tree file content points at the host file", async () => {
    const host = await put("site/index.html", "<h1>hi</h1>\n");
    const entries = await resolveFileEntries(copySpec(join(dir, "site"), "srv"), 0);
    expect(byPath(entries, "srv/index.html")?.content).toEqual({
      kind: "file",
      path: host,
      offset: 0,
      size: 12,
    });
  });

  it("symlinks in a tree are kept as links", async () => {
    await put("tree/bin/tool", "#!/bin/sh\n", 0o755);
    await symlink("bin/tool", join(dir, "tree", "run"));
    await symlink("/nowhere/at/all", join(dir, "tree", "dangling"));
    await symlink("bin", join(dir, "tree", "bin-link"));
    const entries = await resolveFileEntries(copySpec(join(dir, "tree"), "opt"), 0);
    expect(byPath(entries, "opt/run")).toMatchObject({
      type: "symlink",
      linkname: "bin/tool",
      mode: 0o777,
    });
    expect(byPath(entries, "opt/dangling")).toMatchObject({
      type: "symlink",
      linkname: "/nowhere/at/all",
    });
    expect(byPath(entries, "opt/bin-link")).toMatchObject({ type: "symlink", linkname: "bin" });
    expect(byPath(entries, "opt/bin-link/tool")).toBeUndefined();
  });

  it("tree source through a symlink is followed", async () => {
    await put("real/a.txt", "a");
    await symlink(join(dir, "real"), join(dir, "alias"));
    const entries = await resolveFileEntries(copySpec(join(dir, "alias"), "data"), 0);
    expect(summary(entries)).toEqual([
      ["data", "dir", "755"],
      ["data/a.txt", "file", "644"],
    ]);
  });

  it("hard links become separate files", async () => {
    const first = await put("tree/a", "same");
    await link(first, join(dir, "tree", "b"));
    const entries = await resolveFileEntries(copySpec(join(dir, "tree"), "t"), 0);
    expect(byPath(entries, "t/a")?.type).toBe("file");
    expect(byPath(entries, "t/b")?.type).toBe("file");
    expect(byPath(entries, "t/b")?.size).toBe(4);
  });

  it("exclude prefixes", async () => {
    await put("app/src/index.js", "x");
    await put("app/logs/today.log", "x");
    await put("app/tmp/cache/x", "x");
    await put("app/node_modules/a/index.js", "x");
    await put("app/node/keep.js", "x");
    await put("app/test/unit/a.test.js", "x");
    await put("app/test/fixture.json", "x");
    const spec = copySpec(join(dir, "app"), "app", {
      exclude: ["logs", "./tmp/", "node_modules", "test/unit"],
    });
    const paths = (await resolveFileEntries(spec, 0)).map((entry) => entry.path);
    expect(paths).toEqual([
      "app",
      "app/node",
      "app/node/keep.js",
      "app/src",
      "app/src/index.js",
      "app/test",
      "app/test/fixture.json",
    ]);
  });

  it("mode normalisation 0600 to 0644 and 0700 to 0755", async () => {
    await put("tree/private", "p", 0o600);
    await put("tree/script", "s", 0o700);
    await put("tree/open", "o", 0o666);
    await mkdir(join(dir, "tree", "closed"));
    await chmod(join(dir, "tree", "closed"), 0o700);
    const entries = await resolveFileEntries(copySpec(join(dir, "tree"), "t"), 0);
    expect(byPath(entries, "t/private")?.mode).toBe(0o644);
    expect(byPath(entries, "t/script")?.mode).toBe(0o755);
    expect(byPath(entries, "t/open")?.mode).toBe(0o644);
    expect(byPath(entries, "t/closed")?.mode).toBe(0o755);
  });

  it("explicit mode for files, dirMode for folders", async () => {
    await put("tree/script", "s", 0o755);
    await put("tree/sub/data", "d", 0o644);
    const spec = copySpec(join(dir, "tree"), "t", { mode: 0o600, dirMode: 0o750 });
    const entries = await resolveFileEntries(spec, 0);
    expect(summary(entries)).toEqual([
      ["t", "dir", "750"],
      ["t/script", "file", "600"],
      ["t/sub", "dir", "750"],
      ["t/sub/data", "file", "600"],
    ]);
  });

  it("explicit mode for a single file", async () => {
    const src = await put("run.sh", "#!/bin/sh\n", 0o644);
    const [entry] = await resolveFileEntries(copySpec(src, "run.sh", { mode: 0o4755 }), 0);
    expect(entry?.mode).toBe(0o4755);
  });

  it("owner on every entry", async () => {
    await put("tree/sub/a", "a");
    await symlink("sub/a", join(dir, "tree", "l"));
    const spec = copySpec(join(dir, "tree"), "t", { owner: { uid: 10001, gid: 10002 } });
    const entries = await resolveFileEntries(spec, 0);
    expect(entries.every((entry) => entry.uid === 10001)).toBe(true);
    expect(entries.every((entry) => entry.gid === 10002)).toBe(true);
  });

  it("copy to the root adds children only", async () => {
    await put("rootfs/etc/hostname", "box\n");
    await put("rootfs/motd", "hi\n");
    const entries = await resolveFileEntries(copySpec(join(dir, "rootfs"), "."), 0);
    expect(summary(entries)).toEqual([
      ["etc", "dir", "755"],
      ["etc/hostname", "file", "644"],
      ["motd", "file", "644"],
    ]);
  });

  it("single file to the root is rejected", async () => {
    const src = await put("motd", "hi\n");
    const error = await imgcErrorOf(resolveFileEntries(copySpec(src, "."), 0));
    expect(error.message).toContain(src);
    expect(error.hint).toContain("/motd");
  });

  it(".wh. name is rejected", async () => {
    await put("tree/sub/.wh.secret", "x");
    const error = await imgcErrorOf(resolveFileEntries(copySpec(join(dir, "tree"), "t"), 0));
    expect(error.message).toContain(join(dir, "tree", "sub", ".wh.secret"));
    expect(error.message).toContain(".wh.");
  });

  it(".wh. name in the exclude list is skipped", async () => {
    await put("tree/.wh.secret", "x");
    await put("tree/keep", "x");
    const spec = copySpec(join(dir, "tree"), "t", { exclude: [".wh.secret"] });
    const paths = (await resolveFileEntries(spec, 0)).map((entry) => entry.path);
    expect(paths).toEqual(["t", "t/keep"]);
  });

  it("FIFO is rejected", async () => {
    await mkdir(join(dir, "tree"));
    await run("mkfifo", [join(dir, "tree", "pipe")]);
    const error = await imgcErrorOf(resolveFileEntries(copySpec(join(dir, "tree"), "t"), 0));
    expect(error.message).toContain(join(dir, "tree", "pipe"));
    expect(error.message).toContain("FIFO");
  });

  it("FIFO in the exclude list is skipped", async () => {
    await mkdir(join(dir, "tree"));
    await run("mkfifo", [join(dir, "tree", "pipe")]);
    const spec = copySpec(join(dir, "tree"), "t", { exclude: ["pipe"] });
    expect((await resolveFileEntries(spec, 0)).map((entry) => entry.path)).toEqual(["t"]);
  });

  it("FIFO as the source is rejected", async () => {
    await run("mkfifo", [join(dir, "pipe")]);
    const error = await imgcErrorOf(resolveFileEntries(copySpec(join(dir, "pipe"), "p"), 0));
    expect(error.message).toContain(join(dir, "pipe"));
  });

  it("missing source", async () => {
    const missing = join(dir, "no-such-folder");
    const error = await imgcErrorOf(resolveFileEntries(copySpec(missing, "x"), 0));
    expect(error.message).toContain(missing);
    expect((error.cause as NodeJS.ErrnoException).code).toBe("ENOENT");
  });
});
