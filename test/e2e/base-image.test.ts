// An image built on another: imgc compiles a small image A, then an image B whose base is A's
// OCI layout, and skopeo and umoci check that B reuses A's layers and has both images' files
// and accounts. Hand-made base layouts cover whiteouts and the failure messages.

import { cp, lstat, mkdir, mkdtemp, readFile, readlink, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { blobPath, writeOciLayout } from "../helpers/oci-layout.js";
import { runImgc, type ImgcRun } from "../helpers/run-imgc.js";
import { skopeoInspect, umociUnpack } from "../helpers/tools.js";

interface OciDescriptor {
  mediaType: string;
  digest: string;
  annotations?: Record<string, string>;
}

let work: string;
let cacheDir: string;
let layoutA: string;
let layoutB: string;
let rootfsB: string;

const configA = `import { defineImage, dir, symlink, text } from "imgc";

export default defineImage({
  name: "a",
  tags: ["1.0"],
  files: [
    text("/etc/motd", "from a\\n"),
    text("/opt/a/run.sh", "#!/bin/sh\\necho a\\n", { mode: 0o755 }),
    symlink("/opt/a/latest", "run.sh"),
    dir("/var/a"),
  ],
  user: { name: "alpha", uid: 1000 },
});
`;

function configB(base: string, name = "b"): string {
  return `import { copy, defineImage, text } from "imgc";

export default defineImage({
  name: ${JSON.stringify(name)},
  tags: ["1.0"],
  base: ${JSON.stringify(base)},
  files: [copy("./site", "/srv/site"), text("/etc/b.conf", "b\\n")],
  user: { name: "beta", uid: 2000 },
  entrypoint: ["/opt/a/run.sh"],
});
`;
}

/** Writes a project folder with `config` and a small site, and returns its path. */
async function project(name: string, config: string): Promise<string> {
  const dir = join(work, name);
  await mkdir(join(dir, "site"), { recursive: true });
  await writeFile(join(dir, "site", "index.html"), "<h1>b</h1>\n");
  await writeFile(join(dir, "image.config.ts"), config);
  return dir;
}

async function compile(dir: string): Promise<ImgcRun> {
  return runImgc(["compile", "image.config.ts"], { cwd: dir, env: { IMGC_CACHE_DIR: cacheDir } });
}

async function readJson<T>(path: string): Promise<T> {
  return JSON.parse(await readFile(path, "utf8")) as T;
}

/** Returns the manifest of the image tagged `tag`, following an image index to its manifest. */
async function manifestOf(
  layout: string,
  tag: string,
): Promise<{ digest: string; manifest: { annotations?: Record<string, string> } }> {
  const index = await readJson<{ manifests: OciDescriptor[] }>(join(layout, "index.json"));
  let descriptor = index.manifests.find(
    (d) => d.annotations?.["org.opencontainers.image.ref.name"] === tag,
  );
  while (descriptor?.mediaType === "application/vnd.oci.image.index.v1+json") {
    const nested = await readJson<{ manifests: OciDescriptor[] }>(
      blobPath(layout, descriptor.digest),
    );
    descriptor = nested.manifests[0];
  }
  if (!descriptor) throw new Error(`no manifest tagged ${tag} in ${layout}`);
  return {
    digest: descriptor.digest,
    manifest: await readJson(blobPath(layout, descriptor.digest)),
  };
}

function expectFailure(result: ImgcRun, texts: string[], exitCode = 1): void {
  expect(result.stderr).not.toContain("unexpected failure");
  expect(result.code).toBe(exitCode);
  for (const text of texts) expect(result.stderr).toContain(text);
  expect(result.stdout).toBe("");
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "imgc-base-image-"));
  cacheDir = join(work, "cache");
  const a = await project("a", configA);
  const builtA = await compile(a);
  expect(builtA.stderr).not.toContain("error");
  expect(builtA.code).toBe(0);
  layoutA = join(a, "out", "a");

  const b = await project("b", configB(`oci:${layoutA}:1.0`));
  const builtB = await compile(b);
  expect(builtB.stderr).not.toContain("error");
  expect(builtB.code).toBe(0);
  layoutB = join(b, "out", "b");
  await umociUnpack(layoutB, "1.0", join(work, "bundle-b"));
  rootfsB = join(work, "bundle-b", "rootfs");
});

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe("image on an imgc base", () => {
  it("starts with the base's layers", async () => {
    const infoA = await skopeoInspect(layoutA, "1.0");
    const infoB = await skopeoInspect(layoutB, "1.0");
    const layersA = infoA.Layers as string[];
    const layersB = infoB.Layers as string[];
    expect(layersA.length).toBeGreaterThan(0);
    expect(layersB.slice(0, layersA.length)).toEqual(layersA);
    expect(layersB.length).toBeGreaterThan(layersA.length);
  });

  it("records the base digest", async () => {
    const a = await manifestOf(layoutA, "1.0");
    const b = await manifestOf(layoutB, "1.0");
    expect(b.manifest.annotations?.["org.opencontainers.image.base.digest"]).toBe(a.digest);
    expect(b.manifest.annotations?.["org.opencontainers.image.base.name"]).toBe(
      `oci:${layoutA}:1.0`,
    );
  });

  it("has the base's files", async () => {
    expect(await readFile(join(rootfsB, "etc", "motd"), "utf8")).toBe("from a\n");
    expect((await lstat(join(rootfsB, "opt", "a", "run.sh"))).mode & 0o777).toBe(0o755);
    expect(await readlink(join(rootfsB, "opt", "a", "latest"))).toBe("run.sh");
    expect((await lstat(join(rootfsB, "var", "a"))).isDirectory()).toBe(true);
  });

  it("has its own files", async () => {
    expect(await readFile(join(rootfsB, "srv", "site", "index.html"), "utf8")).toBe("<h1>b</h1>\n");
    expect(await readFile(join(rootfsB, "etc", "b.conf"), "utf8")).toBe("b\n");
  });

  it("passwd keeps the base's accounts", async () => {
    const passwd = await readFile(join(rootfsB, "etc", "passwd"), "utf8");
    expect(passwd).toContain("root:x:0:0:");
    expect(passwd).toContain("alpha:x:1000:1000:");
    expect(passwd).toContain("beta:x:2000:2000:");
    expect(passwd.indexOf("alpha:")).toBeLessThan(passwd.indexOf("beta:"));
  });

  it("group keeps the base's groups", async () => {
    const group = await readFile(join(rootfsB, "etc", "group"), "utf8");
    expect(group).toContain("alpha:x:1000:");
    expect(group).toContain("beta:x:2000:");
  });

  it("has both homes", async () => {
    expect((await lstat(join(rootfsB, "home", "alpha"))).uid).toBe(1000);
    expect((await lstat(join(rootfsB, "home", "beta"))).uid).toBe(2000);
  });

  it("runs as its own user", async () => {
    const config = await readJson<{ process: { user: { uid: number } } }>(
      join(work, "bundle-b", "config.json"),
    );
    expect(config.process.user.uid).toBe(2000);
  });
});

describe("base image failures", () => {
  it("missing tag", async () => {
    const dir = await project("missing-tag", configB(`oci:${layoutA}:9.9`, "missing-tag"));
    expectFailure(
      await compile(dir),
      [
        `oci:${layoutA}:9.9`,
        'tag "9.9" not found',
        "IMGC3005",
        "fix: use one of the layout's tags: 1.0",
      ],
      2,
    );
  });

  it("several images and no tag", async () => {
    const layout = join(work, "several");
    await writeOciLayout(layout, [
      { tag: "1.0", layers: [[{ name: "one", content: "1" }]] },
      { tag: "2.0", layers: [[{ name: "two", content: "2" }]] },
    ]);
    const dir = await project("several-no-tag", configB(`oci:${layout}`, "several-no-tag"));
    expectFailure(await compile(dir), ["several images", "fix: name one with a tag: 1.0, 2.0"], 2);
  });

  it("tampered layer blob", async () => {
    const copyOfA = join(work, "tampered-a");
    await cp(layoutA, copyOfA, { recursive: true });
    const infoA = await skopeoInspect(copyOfA, "1.0");
    const layer = blobPath(copyOfA, (infoA.Layers as string[])[0] ?? "");
    const data = await readFile(layer);
    const middle = Math.floor(data.length / 2);
    data[middle] = (data[middle] ?? 0) ^ 0x01;
    await writeFile(layer, data);
    const dir = await project("tampered", configB(`oci:${copyOfA}:1.0`, "tampered"));
    expectFailure(await compile(dir), ["verification failed", layer]);
  });
});

describe("hand-made base with whiteouts", () => {
  let rootfs: string;
  let result: ImgcRun;

  beforeAll(async () => {
    const layout = join(work, "whiteouts");
    await writeOciLayout(layout, [
      {
        tag: "1.0",
        layers: [
          [
            { name: "bin", type: "symlink", linkname: "usr/bin" },
            { name: "etc/", type: "directory" },
            {
              name: "etc/passwd",
              content: "root:x:0:0:root:/root:/bin/sh\nold:x:500:500::/:/bin/sh\n",
            },
            { name: "etc/keep", content: "kept\n" },
            { name: "opt/", type: "directory" },
            { name: "opt/old/", type: "directory" },
            { name: "opt/old/file", content: "old\n" },
            { name: "usr/", type: "directory", mode: 0o755 },
            { name: "usr/bin/", type: "directory", mode: 0o755 },
            { name: "usr/bin/base-tool", content: "#!/bin/sh\n", mode: 0o755 },
          ],
          [{ name: "etc/.wh.passwd" }, { name: "opt/.wh.old" }],
        ],
      },
    ]);
    const config = `import { defineImage, text } from "imgc";

export default defineImage({
  name: "on-whiteouts",
  tags: ["1.0"],
  base: ${JSON.stringify(`oci:${layout}:1.0`)},
  files: [text("/bin/hello", "#!/bin/sh\\necho hello\\n", { mode: 0o755 })],
  user: { name: "gamma", uid: 3000 },
});
`;
    const dir = await project("on-whiteouts", config);
    result = await compile(dir);
    if (result.code !== 0) return;
    await umociUnpack(join(dir, "out", "on-whiteouts"), "1.0", join(work, "bundle-whiteouts"));
    rootfs = join(work, "bundle-whiteouts", "rootfs");
  });

  it("compiles", () => {
    expect(result.stderr).not.toContain("error");
    expect(result.code).toBe(0);
  });

  it("keeps bin a symlink", async () => {
    expect(await readlink(join(rootfs, "bin"))).toBe("usr/bin");
  });

  it("puts a file under bin into usr/bin", async () => {
    expect(await readFile(join(rootfs, "usr", "bin", "hello"), "utf8")).toBe(
      "#!/bin/sh\necho hello\n",
    );
    expect(await readFile(join(rootfs, "usr", "bin", "base-tool"), "utf8")).toBe("#!/bin/sh\n");
  });

  it("whited-out folder stays gone", async () => {
    await expect(lstat(join(rootfs, "opt", "old"))).rejects.toThrow(/ENOENT/);
    expect(await readFile(join(rootfs, "etc", "keep"), "utf8")).toBe("kept\n");
  });

  it("whited-out passwd gives no old accounts", async () => {
    const passwd = await readFile(join(rootfs, "etc", "passwd"), "utf8");
    expect(passwd).not.toContain("old:");
    expect(passwd).toContain("root:x:0:0:");
    expect(passwd).toContain("gamma:x:3000:3000:");
  });
});
