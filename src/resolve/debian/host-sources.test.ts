import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { afterEach, beforeEach, describe, expect, it } from "vitest";

import { debianMirrorFromHost } from "./host-sources.js";

let root: string;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "imgc-host-sources-"));
  await mkdir(join(root, "etc/apt/sources.list.d"), { recursive: true });
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

async function write(path: string, text: string): Promise<void> {
  await writeFile(join(root, path), text);
}

describe("debianMirrorFromHost", () => {
  it("reads a deb822 .sources file", async () => {
    await write(
      "etc/apt/sources.list.d/debian.sources",
      "Types: deb\n# a comment\nURIs: http://mirror.test/debian/\nSuites: trixie\nComponents: main\n",
    );
    expect(await debianMirrorFromHost(root)).toBe("http://mirror.test/debian");
  });

  it("prefers a suite that is not -security", async () => {
    await write(
      "etc/apt/sources.list.d/debian.sources",
      "Types: deb\nURIs: http://security.test/debian-security\nSuites: bookworm-security\n\n" +
        "Types: deb\nURIs: http://mirror.test/debian\nSuites: bookworm bookworm-updates\n",
    );
    expect(await debianMirrorFromHost(root)).toBe("http://mirror.test/debian");
  });

  it("falls back to a -security source", async () => {
    await write(
      "etc/apt/sources.list.d/security.sources",
      "Types: deb\nURIs: http://security.test/debian-security\nSuites: trixie-security\n",
    );
    expect(await debianMirrorFromHost(root)).toBe("http://security.test/debian-security");
  });

  it("skips deb-src and disabled entries", async () => {
    await write(
      "etc/apt/sources.list.d/a.sources",
      "Types: deb-src\nURIs: http://src.test/debian\nSuites: trixie\n\n" +
        "Types: deb\nEnabled: no\nURIs: http://off.test/debian\nSuites: trixie\n\n" +
        "Types: deb deb-src\nURIs: http://on.test/debian\nSuites: trixie\n",
    );
    expect(await debianMirrorFromHost(root)).toBe("http://on.test/debian");
  });

  it("reads the one-line sources.list form with options", async () => {
    await write(
      "etc/apt/sources.list",
      "# deb http://commented.test/debian trixie main\n" +
        "deb-src http://src.test/debian trixie main\n" +
        "deb [arch=amd64 signed-by=/k.gpg] http://line.test/debian/ trixie main\n",
    );
    expect(await debianMirrorFromHost(root)).toBe("http://line.test/debian");
  });

  it("reads sources.list before sources.list.d in name order", async () => {
    await write(
      "etc/apt/sources.list.d/b.sources",
      "Types: deb\nURIs: http://b.test/d\nSuites: x\n",
    );
    await write("etc/apt/sources.list.d/a.list", "deb http://a.test/d x main\n");
    expect(await debianMirrorFromHost(root)).toBe("http://a.test/d");

    await write("etc/apt/sources.list", "deb http://main.test/d x main\n");
    expect(await debianMirrorFromHost(root)).toBe("http://main.test/d");
  });

  it("ignores non-http sources", async () => {
    await write("etc/apt/sources.list", "deb cdrom:[Debian]/ trixie main\n");
    await write(
      "etc/apt/sources.list.d/m.sources",
      "Types: deb\nURIs: https://tls.test/debian\nSuites: x\n",
    );
    expect(await debianMirrorFromHost(root)).toBe("https://tls.test/debian");
  });

  it("fails with a hint to set mirror when nothing is found", async () => {
    const error = await debianMirrorFromHost(root).catch((caught: unknown) => caught);
    expect(error).toMatchObject({
      name: "ImgcError",
      message: expect.stringMatching(/no Debian mirror found/),
      hint: expect.stringMatching(/set `mirror` in debian\(\{\.\.\.\}\)/),
    });
  });

  it("fails the same way when the apt folder is missing", async () => {
    await rm(join(root, "etc"), { recursive: true });
    await expect(debianMirrorFromHost(root)).rejects.toThrow(/no Debian mirror found/);
  });
});
