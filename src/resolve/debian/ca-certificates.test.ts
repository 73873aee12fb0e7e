import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { afterEach, beforeEach, describe, expect, it } from "vitest";

import { installedPackage } from "../../../test/fixtures/installed-package.js";
import type { LayerEntry } from "../../build/layer-entry.js";
import { caCertificates, pemLinkName } from "./ca-certificates.js";

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "imgc-ca-"));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const pem = (name: string) => `-----BEGIN CERTIFICATE-----\n${name}\n-----END CERTIFICATE-----`;

function caPackage() {
  return installedPackage(dir, {
    name: "ca-certificates",
    paths: {
      "usr/share/ca-certificates": { dir: true },
      "usr/share/ca-certificates/mozilla": { dir: true },
      "usr/share/ca-certificates/mozilla/b_Root.crt": `${pem("B")}\n`,
      "usr/share/ca-certificates/mozilla/A_Root.crt": pem("A"),
      "usr/share/ca-certificates/mozilla/NetLock_Arany_=Class_Gold=_Főtanúsítvány.crt": `${pem("N")}\n`,
      "usr/share/ca-certificates/mozilla/Ünicode.crt": `${pem("U")}\n`,
      "usr/share/ca-certificates/mozilla/README": "not a certificate\n",
      "usr/share/ca-certificates/mozilla/link.crt": { symlink: "A_Root.crt" },
      "usr/sbin/update-ca-certificates": "#!/bin/sh\n",
    },
  });
}

function text(entries: LayerEntry[], path: string): string | undefined {
  const entry = entries.find((candidate) => candidate.path === path);
  if (entry?.content?.kind !== "bytes") return undefined;
  return Buffer.from(entry.content.data).toString("utf8");
}

describe("caCertificates", () => {
  it("lists every .crt file in byte order in ca-certificates.conf", () => {
    const conf = text(caCertificates([caPackage()], 0), "etc/ca-certificates.conf") ?? "";
    expect(conf).toMatch(
      /^# This file lists certificates that you wish to use or to ignore to be\n/,
    );
    expect(conf.split("\n").filter((line) => line && !line.startsWith("#"))).toEqual([
      "mozilla/A_Root.crt",
      "mozilla/NetLock_Arany_=Class_Gold=_Főtanúsítvány.crt",
      "mozilla/b_Root.crt",
      "mozilla/Ünicode.crt",
    ]);
  });

  it("appends local certificates after the packaged ones", () => {
    const local = [
      { name: "corp/z-proxy.crt", content: Buffer.from(pem("Z")) },
      { name: "corp/a-root.crt", content: Buffer.from(`${pem("L")}\n`) },
    ];
    const entries = caCertificates([caPackage()], 0, local);
    const bundle = text(entries, "etc/ssl/certs/ca-certificates.crt") ?? "";
    expect(bundle.endsWith(`${pem("U")}\n${pem("L")}\n${pem("Z")}\n`)).toBe(true);
    const link = entries.find((e) => e.path === "etc/ssl/certs/a-root.pem");
    expect(link?.linkname).toBe("/usr/local/share/ca-certificates/corp/a-root.crt");
    const conf = text(entries, "etc/ca-certificates.conf") ?? "";
    expect(conf).not.toContain("corp/");
  });

  it("concatenates the bundle in conf order, each ending with a newline", () => {
    const bundle = text(caCertificates([caPackage()], 0), "etc/ssl/certs/ca-certificates.crt");
    expect(bundle).toBe(`${pem("A")}\n${pem("N")}\n${pem("B")}\n${pem("U")}\n`);
  });

  it("links each certificate as <name>.pem", () => {
    const entries = caCertificates([caPackage()], 5);
    const links = entries.filter((entry) => entry.type === "symlink");
    expect(links.map((entry) => [entry.path, entry.linkname])).toEqual([
      ["etc/ssl/certs/A_Root.pem", "/usr/share/ca-certificates/mozilla/A_Root.crt"],
      [
        "etc/ssl/certs/NetLock_Arany_=Class_Gold=_Főtanúsítvány.pem",
        "/usr/share/ca-certificates/mozilla/NetLock_Arany_=Class_Gold=_Főtanúsítvány.crt",
      ],
      ["etc/ssl/certs/b_Root.pem", "/usr/share/ca-certificates/mozilla/b_Root.crt"],
      ["etc/ssl/certs/Ünicode.pem", "/usr/share/ca-certificates/mozilla/Ünicode.crt"],
    ]);
    expect(entries.every((entry) => entry.mtime === 5 && entry.uid === 0 && entry.gid === 0)).toBe(
      true,
    );
    expect(entries.find((entry) => entry.path.endsWith(".crt"))?.mode).toBe(0o644);
  });

  it("creates /usr/local/share/ca-certificates only with base-files", () => {
    const without = caCertificates([caPackage()], 0).map((entry) => entry.path);
    expect(without).not.toContain("usr/local/share/ca-certificates");
    const withBase = caCertificates(
      [caPackage(), installedPackage(dir, { name: "base-files" })],
      0,
    );
    expect(
      withBase.find((entry) => entry.path === "usr/local/share/ca-certificates"),
    ).toMatchObject({
      type: "dir",
      mode: 0o755,
    });
  });

  it("does nothing without ca-certificates", () => {
    const other = installedPackage(dir, {
      name: "other",
      paths: { "usr/share/ca-certificates/x.crt": pem("X") },
    });
    expect(caCertificates([other], 0)).toEqual([]);
  });
});

describe("pemLinkName", () => {
  it("replaces spaces, parentheses and commas as update-ca-certificates does", () => {
    expect(pemLinkName("local/My CA (test), v2.crt")).toBe("My_CA_=test=__v2.pem");
  });
});
