import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { afterEach, beforeEach, describe, expect, it } from "vitest";

import { installedPackage } from "../../../test/fixtures/installed-package.js";
import type { LayerEntry } from "../../build/layer-entry.js";
import { dpkgDatabase, mergedUsrSkeleton, statusStanza } from "./install.js";

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "imgc-install-"));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function text(entries: LayerEntry[], path: string): string | undefined {
  const entry = entries.find((candidate) => candidate.path === path);
  if (entry?.content?.kind !== "bytes") return undefined;
  return Buffer.from(entry.content.data).toString("utf8");
}

describe("mergedUsrSkeleton", () => {
  it("links bin, sbin, lib and lib64 into usr on amd64", () => {
    const entries = mergedUsrSkeleton("amd64", 42);
    expect(entries.map((entry) => [entry.path, entry.type, entry.linkname ?? entry.mode])).toEqual([
      ["bin", "symlink", "usr/bin"],
      ["lib", "symlink", "usr/lib"],
      ["lib64", "symlink", "usr/lib64"],
      ["sbin", "symlink", "usr/sbin"],
      ["usr", "dir", 0o755],
      ["usr/bin", "dir", 0o755],
      ["usr/lib", "dir", 0o755],
      ["usr/lib64", "dir", 0o755],
      ["usr/sbin", "dir", 0o755],
    ]);
    expect(entries.every((entry) => entry.mtime === 42 && entry.uid === 0 && entry.gid === 0)).toBe(
      true,
    );
  });

  it("has no lib64 on arm64", () => {
    const paths = mergedUsrSkeleton("arm64", 0).map((entry) => entry.path);
    expect(paths).toEqual(["bin", "lib", "sbin", "usr", "usr/bin", "usr/lib", "usr/sbin"]);
  });
});

describe("statusStanza", () => {
  it("puts Status after Package and keeps the rest in order", () => {
    const pkg = installedPackage(dir, {
      name: "zlib1g",
      control: [
        ["Package", "zlib1g"],
        ["Source", "zlib"],
        ["Version", "1:1.3"],
        ["Description", "compression library\n A longer text.\n ."],
      ],
    });
    expect(statusStanza(pkg)).toBe(
      "Package: zlib1g\nStatus: install ok installed\nSource: zlib\nVersion: 1:1.3\n" +
        "Description: compression library\n A longer text.\n .\n",
    );
  });

  it("replaces a Status field and adds a missing Package", () => {
    const pkg = installedPackage(dir, {
      name: "odd",
      control: [
        ["Status", "purge"],
        ["Version", "1"],
      ],
    });
    expect(statusStanza(pkg)).toBe("Package: odd\nStatus: install ok installed\nVersion: 1\n");
  });
});

describe("dpkgDatabase", () => {
  it("writes status.d stanzas, md5sums and file lists", () => {
    const packages = [
      installedPackage(dir, {
        name: "hello",
        paths: { usr: { dir: true }, "usr/bin": { dir: true }, "usr/bin/hello": "hi" },
        md5sums: "49f68a5c8493ec2c0bf489821c21fc3b  usr/bin/hello\n",
      }),
      installedPackage(dir, { name: "empty" }),
    ];
    const entries = dpkgDatabase(packages, 7);
    expect(entries.map((entry) => entry.path)).toEqual([
      "var",
      "var/lib",
      "var/lib/dpkg",
      "var/lib/dpkg/info",
      "var/lib/dpkg/info/empty.list",
      "var/lib/dpkg/info/hello.list",
      "var/lib/dpkg/status.d",
      "var/lib/dpkg/status.d/empty",
      "var/lib/dpkg/status.d/hello",
      "var/lib/dpkg/status.d/hello.md5sums",
    ]);
    expect(text(entries, "var/lib/dpkg/status.d/hello")).toMatch(
      /^Package: hello\nStatus: install ok installed\nVersion: 1\.0\n/,
    );
    expect(text(entries, "var/lib/dpkg/status.d/hello.md5sums")).toBe(
      "49f68a5c8493ec2c0bf489821c21fc3b  usr/bin/hello\n",
    );
    expect(text(entries, "var/lib/dpkg/info/hello.list")).toBe(
      "/.\n/usr\n/usr/bin\n/usr/bin/hello\n",
    );
    expect(text(entries, "var/lib/dpkg/info/empty.list")).toBe("/.\n");
    for (const entry of entries) {
      expect(entry).toMatchObject({
        uid: 0,
        gid: 0,
        mtime: 7,
        mode: entry.type === "dir" ? 0o755 : 0o644,
      });
    }
  });
});
