import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { afterEach, beforeEach, describe, expect, it } from "vitest";

import { installedPackage } from "../../../test/fixtures/installed-package.js";
import { alternatives, parseAlternativeInstalls } from "./alternatives.js";

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "imgc-alternatives-"));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const nodejsPostinst = `#!/bin/sh
set -e
if [ "$1" = "configure" ]; then
    update-alternatives --install /usr/bin/js js /usr/bin/nodejs 200 \\
        --slave /usr/share/man/man1/js.1.gz js.1.gz /usr/share/man/man1/nodejs.1.gz
fi
`;

function links(entries: ReturnType<typeof alternatives>): [string, string | undefined][] {
  return entries.map((entry) => [entry.path, entry.linkname]);
}

describe("parseAlternativeInstalls", () => {
  it("reads link, name, path, priority and slaves", () => {
    expect(parseAlternativeInstalls(nodejsPostinst, "nodejs")).toEqual([
      {
        link: "/usr/bin/js",
        name: "js",
        path: "/usr/bin/nodejs",
        priority: 200,
        packageName: "nodejs",
        slaves: [
          {
            link: "/usr/share/man/man1/js.1.gz",
            name: "js.1.gz",
            path: "/usr/share/man/man1/nodejs.1.gz",
          },
        ],
      },
    ]);
  });

  it("skips calls built from variables and other subcommands", () => {
    const script =
      'update-alternatives --install /usr/bin/x x "$P" 1\nupdate-alternatives --remove js /usr/bin/nodejs\n';
    expect(parseAlternativeInstalls(script, "p")).toEqual([]);
  });

  it("accepts options before --install", () => {
    const [install] = parseAlternativeInstalls(
      "update-alternatives --quiet --install /usr/bin/a a /usr/bin/b 5\n",
      "p",
    );
    expect(install).toMatchObject({ link: "/usr/bin/a", path: "/usr/bin/b", priority: 5 });
  });
});

describe("alternatives", () => {
  it("links the master and its slaves through /etc/alternatives", () => {
    const nodejs = installedPackage(dir, {
      name: "nodejs",
      paths: { "usr/bin/nodejs": "elf", "usr/share/man/man1/nodejs.1.gz": "man" },
      scripts: { postinst: nodejsPostinst },
    });
    const entries = alternatives([nodejs], 9);
    expect(links(entries)).toEqual([
      ["etc/alternatives", undefined],
      ["etc/alternatives/js", "/usr/bin/nodejs"],
      ["etc/alternatives/js.1.gz", "/usr/share/man/man1/nodejs.1.gz"],
      ["usr/bin/js", "/etc/alternatives/js"],
      ["usr/share/man/man1/js.1.gz", "/etc/alternatives/js.1.gz"],
    ]);
    expect(entries.every((entry) => entry.mtime === 9 && entry.uid === 0)).toBe(true);
  });

  it("lets the highest priority win", () => {
    const low = installedPackage(dir, {
      name: "vim-tiny",
      paths: { "usr/bin/vim.tiny": "x" },
      scripts: {
        postinst: "update-alternatives --install /usr/bin/editor editor /usr/bin/vim.tiny 15\n",
      },
    });
    const high = installedPackage(dir, {
      name: "nano",
      paths: { "usr/bin/nano": "x" },
      scripts: { postinst: "update-alternatives --install /usr/bin/editor editor /bin/nano 40\n" },
    });
    expect(links(alternatives([low, high], 0))).toContainEqual([
      "etc/alternatives/editor",
      "/bin/nano",
    ]);
    expect(links(alternatives([high, low], 0))).toContainEqual([
      "etc/alternatives/editor",
      "/bin/nano",
    ]);
  });

  it("skips a group whose target no package ships, and a missing slave", () => {
    const pkg = installedPackage(dir, {
      name: "nodejs",
      paths: { "usr/bin/nodejs": "elf" },
      scripts: {
        postinst:
          nodejsPostinst + "update-alternatives --install /usr/bin/ghost ghost /usr/bin/none 1\n",
      },
    });
    expect(links(alternatives([pkg], 0)).map(([path]) => path)).toEqual([
      "etc/alternatives",
      "etc/alternatives/js",
      "usr/bin/js",
    ]);
  });

  it("does not replace a file a package ships at the link", () => {
    const pkg = installedPackage(dir, {
      name: "nodejs",
      paths: { "usr/bin/nodejs": "elf", "usr/bin/js": "a real file" },
      scripts: { postinst: nodejsPostinst },
    });
    expect(alternatives([pkg], 0)).toEqual([]);
  });

  it("places a link under /bin inside usr/bin", () => {
    const pkg = installedPackage(dir, {
      name: "shell",
      paths: { "usr/bin/dash": "elf" },
      scripts: { postinst: "update-alternatives --install /bin/sh sh /usr/bin/dash 10\n" },
    });
    expect(links(alternatives([pkg], 0))).toContainEqual(["usr/bin/sh", "/etc/alternatives/sh"]);
  });

  it("returns nothing without alternatives", () => {
    expect(
      alternatives(
        [installedPackage(dir, { name: "plain", scripts: { postinst: "exit 0\n" } })],
        0,
      ),
    ).toEqual([]);
  });
});
