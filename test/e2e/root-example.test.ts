// Builds the root example (Debian trixie's nodejs + a small HTTP service) and checks the result
// with tools imgc did not write: skopeo reads it, umoci unpacks it, runc runs it.

import { spawn, type ChildProcess } from "node:child_process";
import { lstat, readFile, readlink, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { join } from "node:path";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { copyRootExample, sharedCacheDir } from "../helpers/example.js";
import { runImgc } from "../helpers/run-imgc.js";
import { run, skopeoInspect, umociUnpack } from "../helpers/tools.js";

let dir: string;
let layout: string;
let digest: string;
let bundle: string;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address
          ? resolve(address.port)
          : reject(new Error("no port")),
      );
    });
  });
}

async function waitForHttp(url: string, timeoutMs: number): Promise<Response> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      return await fetch(url);
    } catch (error) {
      lastError = error;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  throw new Error(`no answer from ${url} within ${timeoutMs} ms: ${String(lastError)}`);
}

beforeAll(async () => {
  dir = await copyRootExample();
  const result = await runImgc(["compile", "image.config.ts"], {
    cwd: dir,
    env: { IMGC_CACHE_DIR: sharedCacheDir },
  });
  expect(result.stderr).not.toContain("unexpected failure");
  expect(result.code).toBe(0);
  digest = result.stdout.trim();
  layout = join(dir, "out", "hello-server");
  bundle = join(dir, "bundle");
  await umociUnpack(layout, "0.1.0", bundle);
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("root example", () => {
  it("prints the index digest", () => {
    expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it("is readable by skopeo", async () => {
    const info = await skopeoInspect(layout, "0.1.0");
    expect(info.Architecture).toBe("amd64");
    expect(info.Os).toBe("linux");
    expect((info.Layers as string[]).length).toBeGreaterThan(2);
  });

  it("unpacks with umoci as the non-root user", async () => {
    const config = JSON.parse(await readFile(join(bundle, "config.json"), "utf8"));
    expect(config.process.user.uid).toBe(10001);
    expect(config.process.user.gid).toBe(10001);
    expect(config.process.cwd).toBe("/app");
    expect(config.process.args).toEqual(["/usr/bin/node", "/app/server.js"]);
  });

  it("has a status.d entry for every planned package", async () => {
    const result = await runImgc(["plan", "--json", "image.config.ts"], {
      cwd: dir,
      env: { IMGC_CACHE_DIR: sharedCacheDir },
    });
    expect(result.code).toBe(0);
    const plan = JSON.parse(result.stdout) as { platforms: { packages: { name: string }[] }[] };
    const names = plan.platforms[0]?.packages.map((p) => p.name) ?? [];
    expect(names).toContain("nodejs");
    expect(names).toContain("base-files");
    for (const name of names) {
      const stanza = await readFile(join(bundle, "rootfs", "var/lib/dpkg/status.d", name), "utf8");
      expect(stanza).toContain(`Package: ${name}\n`);
      expect(stanza).toContain("Status: install ok installed\n");
    }
  });

  it("says Debian in /etc/os-release", async () => {
    const osRelease = await readFile(join(bundle, "rootfs", "usr/lib/os-release"), "utf8");
    expect(osRelease).toMatch(/^ID=debian$/m);
    expect(await readlink(join(bundle, "rootfs", "etc/os-release"))).toBe("../usr/lib/os-release");
  });

  it("keeps the merged-/usr symlinks", async () => {
    for (const name of ["bin", "lib", "sbin", "lib64"]) {
      const info = await lstat(join(bundle, "rootfs", name));
      expect(info.isSymbolicLink(), `/${name} is a symlink`).toBe(true);
      expect(await readlink(join(bundle, "rootfs", name))).toBe(`usr/${name}`);
    }
  });

  it("has a CA bundle", async () => {
    const bundleText = await readFile(
      join(bundle, "rootfs", "etc/ssl/certs/ca-certificates.crt"),
      "utf8",
    );
    expect(bundleText.match(/BEGIN CERTIFICATE/g)?.length ?? 0).toBeGreaterThan(100);
  });

  it("runs under runc and answers HTTP", async () => {
    const port = await freePort();
    const configPath = join(bundle, "config.json");
    const config = JSON.parse(await readFile(configPath, "utf8"));
    // This sandbox refuses setrlimit, and the test reaches the service over the host's loopback.
    delete config.process.rlimits;
    config.process.terminal = false;
    config.linux.namespaces = config.linux.namespaces.filter(
      (n: { type: string }) => n.type !== "network",
    );
    config.process.env = config.process.env.map((e: string) =>
      e.startsWith("PORT=") ? `PORT=${port}` : e,
    );
    await writeFile(configPath, JSON.stringify(config));

    const id = `imgc-test-${process.pid}`;
    let container: ChildProcess | undefined;
    try {
      container = spawn("runc", ["run", "--bundle", bundle, id], {
        stdio: ["ignore", "pipe", "pipe"],
      });
      let output = "";
      container.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
      container.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
      const response = await waitForHttp(`http://127.0.0.1:${port}/hello`, 20_000).catch(
        (error: Error) => {
          throw new Error(`${error.message}\ncontainer output:\n${output}`);
        },
      );
      expect(response.status).toBe(200);
      const body = (await response.json()) as { message: string; uid: number; path: string };
      expect(body.message).toBe("hello from imgc");
      expect(body.uid).toBe(10001);
      expect(body.path).toBe("/hello");
    } finally {
      await run("runc", ["kill", id, "KILL"]).catch(() => undefined);
      await run("runc", ["delete", "--force", id]).catch(() => undefined);
      container?.kill();
    }
  });
});
