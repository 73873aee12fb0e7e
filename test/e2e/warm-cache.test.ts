// A second compile with a warm cache downloads nothing: the fixture repository on loopback
// records every request, and the second build must add none.

import { rm, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { startDebianFixture, type DebianFixture } from "../fixtures/debian-repo.js";
import { runImgc } from "../helpers/run-imgc.js";

let fixture: DebianFixture;
let project: string;
let cacheDir: string;

function config(fixture: DebianFixture): string {
  return `import { debian, defineImage, text } from "imgc";

export default defineImage({
  name: "warm",
  packages: debian({
    suite: ${JSON.stringify(fixture.suite)},
    mirror: ${JSON.stringify(fixture.mirror)},
    keyring: ${JSON.stringify(fixture.keyringPath)},
    packages: ["greeter"],
  }),
  files: [text("/etc/motd", "hello\\n")],
  entrypoint: ["/usr/bin/greeter"],
});
`;
}

beforeAll(async () => {
  fixture = await startDebianFixture([
    {
      name: "greeter",
      version: "1.0-1",
      depends: "libgreet (>= 1.0)",
      files: { "/usr/bin/greeter": { content: "#!/bin/sh\necho hi\n", mode: 0o755 } },
    },
    {
      name: "libgreet",
      version: "1.2-1",
      files: { "/usr/lib/libgreet.so.1": "not really a library\n" },
    },
  ]);
  project = await mkdtemp(join(tmpdir(), "imgc-warm-"));
  cacheDir = await mkdtemp(join(tmpdir(), "imgc-warm-cache-"));
  await writeFile(join(project, "image.config.ts"), config(fixture));
});

afterAll(async () => {
  await fixture?.close();
  for (const dir of [project, cacheDir]) if (dir) await rm(dir, { recursive: true, force: true });
});

describe("warm cache", () => {
  it("second compile downloads nothing", async () => {
    const first = await runImgc(["compile", "image.config.ts"], {
      cwd: project,
      env: { IMGC_CACHE_DIR: cacheDir },
    });
    expect(first.stderr).not.toContain("error");
    expect(first.code).toBe(0);
    const debRequests = fixture.requests.filter((path) => path.endsWith(".deb"));
    expect(debRequests).toHaveLength(2);
    expect(fixture.requests.some((path) => path.endsWith("/InRelease"))).toBe(true);

    const before = fixture.requests.length;
    const second = await runImgc(["compile", "image.config.ts"], {
      cwd: project,
      env: { IMGC_CACHE_DIR: cacheDir },
    });
    expect(second.code).toBe(0);
    expect(second.stdout).toBe(first.stdout);
    expect(fixture.requests.slice(before)).toEqual([]);
  });

  it("re-resolving without a lock fetches only InRelease", async () => {
    await rm(join(project, "image.lock.json"));
    const before = fixture.requests.length;
    const result = await runImgc(["compile", "image.config.ts"], {
      cwd: project,
      env: { IMGC_CACHE_DIR: cacheDir },
    });
    expect(result.code).toBe(0);
    expect(fixture.requests.slice(before)).toEqual([`/dists/${fixture.suite}/InRelease`]);
  });
});
