// Bad input gets a clear error that names the field, a non-zero exit, and leaves an earlier
// output as it was. Each case first builds a good image into out/, then compiles a broken
// config with the same name and compares out/ file by file.

import { mkdtemp, rm, writeFile, mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { startDebianFixture, type DebianFixture } from "../fixtures/debian-repo.js";
import { runImgc } from "../helpers/run-imgc.js";
import { snapshotTree } from "../helpers/tree-snapshot.js";

const goodConfig = `import { copy, defineImage } from "imgc";

export default defineImage({
  name: "app",
  files: [copy("./site", "/srv/site")],
  user: { name: "web", uid: 1000 },
  entrypoint: ["/srv/site/run"],
});
`;

let fixture: DebianFixture;
const folders: string[] = [];

beforeAll(async () => {
  fixture = await startDebianFixture([
    { name: "tool", version: "1.0-1", files: { "/usr/bin/tool": "tool\n" } },
  ]);
});

afterAll(async () => {
  await fixture?.close();
  for (const dir of folders) await rm(dir, { recursive: true, force: true });
});

/** Creates a project with a good build in out/ and returns it with a snapshot of that output. */
async function projectWithOutput(): Promise<{
  dir: string;
  cacheDir: string;
  before: Record<string, string>;
}> {
  const dir = await mkdtemp(join(tmpdir(), "imgc-bad-config-"));
  const cacheDir = await mkdtemp(join(tmpdir(), "imgc-bad-config-cache-"));
  folders.push(dir, cacheDir);
  await mkdir(join(dir, "site"));
  await writeFile(join(dir, "site", "index.html"), "<h1>hi</h1>\n");
  await writeFile(join(dir, "image.config.ts"), goodConfig);
  const good = await runImgc(["compile", "--tar", "image.config.ts"], {
    cwd: dir,
    env: { IMGC_CACHE_DIR: cacheDir },
  });
  expect(good.code).toBe(0);
  return { dir, cacheDir, before: await snapshotTree(join(dir, "out")) };
}

interface BadCase {
  name: string;
  config: () => string;
  exitCode: number;
  /** Text the error output must contain: the field and the value at fault. */
  expected: string[];
}

const cases: BadCase[] = [
  {
    name: "unknown key",
    config: () => goodConfig.replace("entrypoint:", "entrypont:"),
    exitCode: 2,
    expected: ["image.config.ts:7:3", '"entrypont"', 'Did you mean "entrypoint"?'],
  },
  {
    name: "type error",
    config: () => goodConfig.replace("uid: 1000", 'uid: "1000"'),
    exitCode: 2,
    expected: ["image.config.ts:6:29", "user.uid", "must be a number"],
  },
  {
    name: "type error the compiler finds",
    config: () =>
      goodConfig.replace(
        "export default",
        'const port: number = "8080";\nvoid port;\n\nexport default',
      ),
    exitCode: 2,
    expected: ["image.config.ts:3:7", "IMGC2001", "not assignable to type 'number'"],
  },
  {
    name: "relative dest",
    config: () => goodConfig.replace('"/srv/site"', '"srv/site"'),
    exitCode: 2,
    expected: ["files[0].dest", "srv/site"],
  },
  {
    name: "dest with ..",
    config: () => goodConfig.replace('"/srv/site"', '"/srv/../etc"'),
    exitCode: 2,
    expected: ["files[0].dest", ".."],
  },
  {
    name: "duplicate dest",
    config: () =>
      goodConfig.replace(
        '[copy("./site", "/srv/site")]',
        '[copy("./site", "/srv/site"), copy("./site", "/srv/site/")]',
      ),
    exitCode: 2,
    expected: ["files[1].dest", "/srv/site"],
  },
  {
    name: "missing source file",
    config: () => goodConfig.replace('"./site"', '"./no-such-folder"'),
    exitCode: 2,
    expected: ["files[0].src", "no-such-folder"],
  },
  {
    name: "uid above 2^31",
    config: () => goodConfig.replace("uid: 1000", "uid: 2 ** 31 + 5"),
    exitCode: 2,
    expected: ["user.uid", "2147483653"],
  },
  {
    name: "unknown package",
    config: () =>
      goodConfig
        .replace(
          'import { copy, defineImage } from "imgc";',
          'import { copy, debian, defineImage } from "imgc";',
        )
        .replace(
          "files:",
          `packages: debian({ suite: ${JSON.stringify(fixture.suite)}, mirror: ${JSON.stringify(fixture.mirror)}, keyring: ${JSON.stringify(fixture.keyringPath)}, packages: ["tol"] }),\n  files:`,
        ),
    exitCode: 2,
    expected: ["IMGC3001", '"tol"', "tool"],
  },
];

describe("bad configs", () => {
  for (const badCase of cases) {
    it(`${badCase.name} fails and keeps out/`, async () => {
      const { dir, cacheDir, before } = await projectWithOutput();
      await writeFile(join(dir, "image.config.ts"), badCase.config());
      const result = await runImgc(["compile", "--tar", "image.config.ts"], {
        cwd: dir,
        env: { IMGC_CACHE_DIR: cacheDir },
      });
      expect(result.code).toBe(badCase.exitCode);
      for (const text of badCase.expected) expect(result.stderr).toContain(text);
      expect(result.stdout).toBe("");
      expect(await snapshotTree(join(dir, "out"))).toEqual(before);
    });
  }

  it("a suite the mirror lacks fails and keeps out/", async () => {
    const { dir, cacheDir, before } = await projectWithOutput();
    const config = (cases.find((c) => c.name === "unknown package")?.config() ?? "")
      .replace('["tol"]', '["tool"]')
      .replace(`suite: ${JSON.stringify(fixture.suite)}`, 'suite: "trixy"');
    await writeFile(join(dir, "image.config.ts"), config);
    const result = await runImgc(["compile", "image.config.ts"], {
      cwd: dir,
      env: { IMGC_CACHE_DIR: cacheDir },
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("IMGC3007");
    expect(result.stderr).toContain('suite "trixy" not found');
    expect(result.stderr).toContain('did you mean "trixie"?');
    expect(result.stderr).toContain("(at packages.suite)");
    expect(await snapshotTree(join(dir, "out"))).toEqual(before);
  });

  it("a file over a package folder fails and keeps out/", async () => {
    const { dir, cacheDir, before } = await projectWithOutput();
    const config = (cases.find((c) => c.name === "unknown package")?.config() ?? "")
      .replace('["tol"]', '["tool"]')
      .replace(
        'import { copy, debian, defineImage } from "imgc";',
        'import { copy, debian, defineImage, text } from "imgc";',
      )
      .replace(
        '[copy("./site", "/srv/site")]',
        '[copy("./site", "/srv/site"), text("/usr/bin", "oops")]',
      );
    await writeFile(join(dir, "image.config.ts"), config);
    const result = await runImgc(["compile", "image.config.ts"], {
      cwd: dir,
      env: { IMGC_CACHE_DIR: cacheDir },
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("IMGC2013");
    expect(result.stderr).toContain("/usr/bin is a folder in the layers below");
    expect(result.stderr).toContain("(at files[1].dest)");
    expect(result.stderr).toMatch(/image\.config\.ts:\d+:\d+: error IMGC2013/);
    expect(await snapshotTree(join(dir, "out"))).toEqual(before);
  });

  it("a corrupt package fails the build and keeps out/", async () => {
    const { dir, cacheDir, before } = await projectWithOutput();
    const config =
      cases
        .find((c) => c.name === "unknown package")
        ?.config()
        .replace('["tol"]', '["tool"]') ?? "";
    await writeFile(join(dir, "image.config.ts"), config);
    fixture.corrupt(fixture.poolPath("tool"));
    const result = await runImgc(["compile", "image.config.ts"], {
      cwd: dir,
      env: { IMGC_CACHE_DIR: cacheDir },
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("verification failed");
    expect(result.stderr).toContain("tool_1.0-1_amd64.deb");
    expect(await snapshotTree(join(dir, "out"))).toEqual(before);
  });
});
