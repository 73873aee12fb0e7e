// The Debian subsystem end to end against the signed fixture repository: index, resolution,
// download, unpacking and the install effects.

import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { type DebianFixture, startDebianFixture } from "../../../test/fixtures/debian-repo.js";
import { fetchDeb } from "./fetch-deb.js";
import { type DebianIndex, loadDebianIndex } from "./index.js";
import { alternatives, dpkgDatabase, unreproducedScripts } from "./install.js";
import { resolveDebianPackages, toLockedPackage } from "./resolver.js";
import type { InstalledPackage } from "./types.js";
import { unpackDeb } from "./unpack-deb.js";

let fixture: DebianFixture;
let cacheDir: string;

beforeAll(async () => {
  fixture = await startDebianFixture([
    {
      name: "webapp",
      version: "2.0-1",
      depends: "libjs (>= 1.5), libjs (<< 2.0~), www-browser, javascript-runtime | nodejs",
      files: { "/usr/share/webapp/index.html": "<html></html>\n" },
      compression: "gzip",
    },
    { name: "libjs", version: "1.0-1", files: { "/usr/lib/libjs.so.1": "old" } },
    {
      name: "libjs",
      version: "1.6-1",
      files: { "/usr/lib/libjs.so.1": "new" },
      compression: "zstd",
    },
    { name: "libjs", version: "2.0~rc1-1", files: { "/usr/lib/libjs.so.1": "rc" } },
    {
      name: "nodejs",
      version: "20.19.2-1",
      multiArch: "allowed",
      files: {
        "/usr/bin/nodejs": { content: "node", mode: 0o755 },
        "/usr/share/man/man1/nodejs.1.gz": "man",
      },
      scripts: {
        postinst:
          '#!/bin/sh\nset -e\nif [ "$1" = configure ]; then\n  update-alternatives --install /usr/bin/js js /usr/bin/nodejs 50 \\\n' +
          "    --slave /usr/share/man/man1/js.1.gz js.1.gz /usr/share/man/man1/nodejs.1.gz\nfi\n",
        prerm:
          '#!/bin/sh\nset -e\n[ "$1" = remove ] && update-alternatives --remove js /usr/bin/nodejs\nexit 0\n',
      },
    },
    { name: "lynx", version: "2.9", provides: "www-browser", priority: "standard" },
    {
      name: "w3m",
      version: "0.5",
      provides: "www-browser",
      scripts: { postinst: "#!/bin/sh\nadduser --system w3m\n" },
    },
  ]);
  cacheDir = await mkdtemp(join(tmpdir(), "imgc-pipeline-"));
});

afterAll(async () => {
  await fixture.close();
  await rm(cacheDir, { recursive: true, force: true });
});

async function loadIndex(): Promise<DebianIndex> {
  return loadDebianIndex({
    mirror: fixture.mirror,
    suite: fixture.suite,
    components: ["main"],
    architecture: "amd64",
    keyringPath: fixture.keyringPath,
    cacheDir,
  });
}

async function install(index: DebianIndex, requested: string[]): Promise<InstalledPackage[]> {
  const { packages, diagnostics } = resolveDebianPackages(index, requested, {
    architecture: "amd64",
  });
  expect(diagnostics).toEqual([]);
  const installed: InstalledPackage[] = [];
  for (const record of packages) {
    const locked = toLockedPackage(record, fixture.mirror);
    const debPath = await fetchDeb(locked, { cacheDir });
    installed.push({ locked, unpacked: await unpackDeb(debPath, locked.sha256, { cacheDir }) });
  }
  return installed;
}

describe("debian packages from the fixture repository", () => {
  it("resolves versions, Provides and alternatives", async () => {
    const index = await loadIndex();
    const { packages } = resolveDebianPackages(index, ["webapp"], { architecture: "amd64" });
    expect(packages.map((record) => `${record.name}=${record.version}`)).toEqual([
      "libjs=1.6-1",
      "lynx=2.9",
      "nodejs=20.19.2-1",
      "webapp=2.0-1",
    ]);
  });

  it("suggests a name for a missing package", async () => {
    const index = await loadIndex();
    const { diagnostics } = resolveDebianPackages(index, ["webap", "www-browsr"], {
      architecture: "amd64",
    });
    expect(diagnostics.map((diagnostic) => diagnostic.fix)).toEqual([
      'did you mean "webapp"?',
      'did you mean "www-browser"?',
    ]);
    expect(diagnostics[0]?.message).toBe('package "webap" not found in imgc-test (amd64)');
  });

  it("installs the packages and reproduces their alternatives", async () => {
    const installed = await install(await loadIndex(), ["webapp"]);
    const links = alternatives(installed, 0).map((entry) => [entry.path, entry.linkname]);
    expect(links).toContainEqual(["usr/bin/js", "/etc/alternatives/js"]);
    expect(links).toContainEqual(["etc/alternatives/js", "/usr/bin/nodejs"]);
    expect(links).toContainEqual(["usr/share/man/man1/js.1.gz", "/etc/alternatives/js.1.gz"]);
    expect(unreproducedScripts(installed)).toEqual([]);

    const database = dpkgDatabase(installed, 0).map((entry) => entry.path);
    expect(database).toContain("var/lib/dpkg/status.d/libjs");
    expect(database).toContain("var/lib/dpkg/status.d/libjs.md5sums");
    expect(database).toContain("var/lib/dpkg/info/webapp.list");
  });

  it("warns about the scripts of a package it cannot reproduce", async () => {
    const installed = await install(await loadIndex(), ["w3m"]);
    expect(unreproducedScripts(installed).map((diagnostic) => diagnostic.message)).toEqual([
      "package w3m: postinst runs adduser, which imgc does not reproduce",
    ]);
  });

  it("downloads only InRelease when everything is cached", async () => {
    await install(await loadIndex(), ["webapp"]);
    const start = fixture.requests.length;
    await install(await loadIndex(), ["webapp"]);
    expect(fixture.requests.slice(start)).toEqual([`/dists/${fixture.suite}/InRelease`]);
  });
});
