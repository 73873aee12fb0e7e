// Against the real Debian archive named in this machine's apt sources. Skipped when the host
// has no apt sources or no archive keyring.

import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { fetchBytes } from "../../util/http.js";
import { caCertificates } from "./ca-certificates.js";
import { fetchDeb } from "./fetch-deb.js";
import { debianMirrorFromHost } from "./host-sources.js";
import { type DebianIndex, loadDebianIndex } from "./index.js";
import { dpkgDatabase } from "./install.js";
import { verifyClearsigned } from "./openpgp-verify.js";
import { resolveDebianPackages, toLockedPackage } from "./resolver.js";
import { unpackDeb } from "./unpack-deb.js";

const keyringPath = "/usr/share/keyrings/debian-archive-keyring.gpg";
const mirror = await debianMirrorFromHost().catch(() => undefined);
const available = mirror !== undefined && existsSync(keyringPath);

describe.skipIf(!available)("the Debian archive", () => {
  let cacheDir: string;
  let index: DebianIndex;

  beforeAll(async () => {
    cacheDir = await mkdtemp(join(tmpdir(), "imgc-mirror-"));
    index = await loadDebianIndex({
      mirror: mirror as string,
      suite: "trixie",
      components: ["main"],
      architecture: "amd64",
      keyringPath,
      cacheDir,
    });
  }, 60_000);

  afterAll(async () => {
    await rm(cacheDir, { recursive: true, force: true });
  });

  it("resolves nodejs and ca-certificates on trixie amd64", () => {
    const result = resolveDebianPackages(index, ["nodejs", "ca-certificates"], {
      architecture: "amd64",
    });
    const names = result.packages.map((record) => record.name);
    expect(result.diagnostics).toEqual([]);
    expect(names).toContain("nodejs");
    expect(names).toContain("libc6");
    expect(names.some((name) => /^libnode\d+$/.test(name))).toBe(true);
    expect(result.packages.filter((record) => record.essential)).toEqual([]);
    expect(names).not.toContain("base-files");
  });

  it("verifies and unpacks ca-certificates", async () => {
    const record = index.byName.get("ca-certificates")?.[0];
    if (!record) throw new Error("trixie has no ca-certificates");
    const locked = toLockedPackage(record, mirror as string);
    const unpacked = await unpackDeb(await fetchDeb(locked, { cacheDir }), locked.sha256, {
      cacheDir,
    });
    expect(unpacked.control[0]).toEqual(["Package", "ca-certificates"]);
    expect(unpacked.scripts.postinst).toContain("update-ca-certificates");

    const entries = caCertificates([{ locked, unpacked }], 0);
    const bundle = entries.find((entry) => entry.path === "etc/ssl/certs/ca-certificates.crt");
    const text =
      bundle?.content?.kind === "bytes" ? Buffer.from(bundle.content.data).toString() : "";
    expect(text.match(/-----BEGIN CERTIFICATE-----/g)?.length).toBeGreaterThan(100);
    expect(dpkgDatabase([{ locked, unpacked }], 0).map((entry) => entry.path)).toContain(
      "var/lib/dpkg/status.d/ca-certificates.md5sums",
    );
  });

  it("verifies bookworm's InRelease, signed with RSA keys", async () => {
    const url = `${mirror}/dists/bookworm/InRelease`;
    const signed = Buffer.from(await fetchBytes(url)).toString("utf8");
    const verified = await verifyClearsigned(signed, keyringPath, url);
    expect(verified.signers.length).toBeGreaterThan(0);
    expect(verified.text).toMatch(/^Origin: Debian\n/m);
  });
});
