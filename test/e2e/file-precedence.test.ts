// What the config's files put at a path wins over what imgc generates there, and a folder
// copied over a link to a folder lands inside the link's target.

import { mkdir, mkdtemp, readFile, rm, stat, writeFile, lstat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { runImgc } from "../helpers/run-imgc.js";
import { umociUnpack } from "../helpers/tools.js";

let dir: string;
let rootfs: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "imgc-precedence-"));
  await mkdir(join(dir, "tree", "lib"), { recursive: true });
  await writeFile(join(dir, "tree", "lib", "extra.so"), "library\n");
  await writeFile(
    join(dir, "image.config.ts"),
    `import { copy, defineImage, dir, symlink, text } from "imgc";

export default defineImage({
  name: "precedence",
  files: [
    dir("/data", { mode: 0o755, owner: "root" }),
    text("/etc/motd", "mine\\n"),
    dir("/usr/lib"),
    symlink("/lib", "usr/lib"),
    copy("./tree", "/"),
  ],
  user: { name: "app", uid: 2000, home: "/data" },
});
`,
  );
  const result = await runImgc(["compile", "image.config.ts"], {
    cwd: dir,
    env: { IMGC_CACHE_DIR: join(dir, "cache") },
  });
  expect(result.stderr).not.toContain("error");
  expect(result.code).toBe(0);
  await umociUnpack(join(dir, "out", "precedence"), "latest", join(dir, "bundle"));
  rootfs = join(dir, "bundle", "rootfs");
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("file precedence", () => {
  it("keeps the config's home folder", async () => {
    const info = await stat(join(rootfs, "data"));
    expect(info.uid).toBe(0);
    expect(info.mode & 0o7777).toBe(0o755);
  });

  it("keeps the config's file", async () => {
    expect(await readFile(join(rootfs, "etc/motd"), "utf8")).toBe("mine\n");
  });

  it("copies a folder through a link", async () => {
    expect((await lstat(join(rootfs, "lib"))).isSymbolicLink()).toBe(true);
    expect(await readFile(join(rootfs, "usr/lib/extra.so"), "utf8")).toBe("library\n");
  });
});
