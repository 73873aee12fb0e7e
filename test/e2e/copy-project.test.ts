// Copying the whole project folder leaves imgc's own outputs out, so the image does not nest
// the previous build and the digest stays the same from one build to the next. Two entries
// that write one path through a link are rejected.

import { mkdir, mkdtemp, readdir, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { runImgc } from "../helpers/run-imgc.js";
import { umociUnpack } from "../helpers/tools.js";

let dir: string;
let env: Record<string, string>;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "imgc-copy-project-"));
  env = { IMGC_CACHE_DIR: join(tmpdir(), `imgc-copy-project-cache-${process.pid}`) };
  await mkdir(join(dir, "src"));
  await writeFile(join(dir, "src", "main.js"), "console.log('hi');\n");
  await writeFile(
    join(dir, "image.config.ts"),
    `import { copy, defineImage } from "imgc";

export default defineImage({
  name: "whole",
  files: [copy(".", "/app")],
  entrypoint: ["/app/src/main.js"],
});
`,
  );
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  await rm(env.IMGC_CACHE_DIR ?? "", { recursive: true, force: true });
});

describe("copying the project folder", () => {
  it("gives the same digest twice", async () => {
    const first = await runImgc(["compile", "--tar"], { cwd: dir, env });
    expect(first.code).toBe(0);
    const second = await runImgc(["compile", "--tar"], { cwd: dir, env });
    expect(second.code).toBe(0);
    expect(second.stdout).toBe(first.stdout);
  });

  it("leaves out/ and the lock out", async () => {
    await umociUnpack(join(dir, "out", "whole"), "latest", join(dir, "bundle"));
    const names = await readdir(join(dir, "bundle", "rootfs", "app"));
    expect(names).toContain("src");
    expect(names).toContain("image.config.ts");
    expect(names).not.toContain("out");
    expect(names).not.toContain("image.lock.json");
    await rm(join(dir, "bundle"), { recursive: true, force: true });
  });

  it("rejects one path written twice through a link", async () => {
    const project = join(dir, "twice");
    await mkdir(join(project, "root", "usr", "bin"), { recursive: true });
    await symlink("usr/bin", join(project, "root", "bin"));
    const config = join(project, "image.config.ts");
    await writeFile(
      config,
      `import { copy, defineImage, text } from "imgc";

export default defineImage({
  name: "twice",
  files: [copy("./root", "/"), text("/bin/tool", "a"), text("/usr/bin/tool", "b")],
});
`,
    );
    const result = await runImgc(["compile", config], { cwd: dir, env });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("IMGC2007");
    expect(result.stderr).toContain("/usr/bin/tool is also written by files[1]");
    expect(result.stderr).toContain("(at files[2].dest)");
  });
});
