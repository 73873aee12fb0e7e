import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { type DebianFixture, startDebianFixture } from "../../test/fixtures/debian-repo.js";
import { writeOciLayout } from "../../test/helpers/oci-layout.js";
import type { ImageSpec } from "../check/spec.js";
import { Codes } from "../diagnostics/codes.js";
import { DiagnosticError } from "../diagnostics/diagnostic.js";
import { silentReporter } from "../util/reporter.js";
import type { Lockfile } from "./lockfile.js";
import { resolveInputs, type ResolveOptions } from "./resolve-inputs.js";

let work: string;
let layout: string;
let fixture: DebianFixture;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "imgc-resolve-inputs-"));
  layout = join(work, "base");
  await writeOciLayout(layout, [
    {
      tag: "1.0",
      layers: [
        [
          { name: "etc/", type: "directory" },
          { name: "etc/hostname", content: "a\n" },
        ],
      ],
    },
    {
      tag: "2.0",
      layers: [
        [
          { name: "etc/", type: "directory" },
          { name: "etc/hostname", content: "b\n" },
        ],
      ],
    },
  ]);
  fixture = await startDebianFixture([
    { name: "tool", version: "1.0-1", depends: "libtool", files: { "/usr/bin/tool": "1\n" } },
    { name: "tool", version: "2.0-1", depends: "libtool", files: { "/usr/bin/tool": "2\n" } },
    { name: "libtool", version: "1.0-1", files: { "/usr/lib/libtool.so": "1\n" } },
    { name: "libtool", version: "1.1-1", files: { "/usr/lib/libtool.so": "1.1\n" } },
    { name: "extra", version: "3.0-1", files: { "/usr/share/extra": "x\n" } },
  ]);
});

afterAll(async () => {
  await fixture?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

function imageSpec(overrides: Partial<ImageSpec> = {}): ImageSpec {
  return {
    name: "app",
    tags: [],
    base: { kind: "oci-layout", path: layout, tag: "1.0" },
    platforms: ["linux/amd64"],
    debian: undefined,
    files: [],
    user: undefined,
    workdir: undefined,
    env: [],
    entrypoint: undefined,
    cmd: undefined,
    ports: [],
    labels: {},
    annotations: {},
    stopSignal: undefined,
    volumes: [],
    configFile: join(work, "image.config.ts"),
    configDir: work,
    ...overrides,
  };
}

function debianSpec(packages: string[]): NonNullable<ImageSpec["debian"]> {
  return {
    suite: fixture.suite,
    packages,
    mirror: fixture.mirror,
    components: ["main"],
    keyring: fixture.keyringPath,
  };
}

/** Returns a config object for `spec`, as the loader would evaluate it; only its hashes matter. */
function configOf(spec: ImageSpec, extra: Record<string, unknown> = {}): unknown {
  const base = spec.base.kind === "scratch" ? "scratch" : `oci:${spec.base.path}:${spec.base.tag}`;
  return {
    name: spec.name,
    base,
    platforms: spec.platforms,
    ...(spec.debian
      ? { packages: { suite: spec.debian.suite, packages: spec.debian.packages } }
      : {}),
    ...extra,
  };
}

function options(config: unknown, overrides: Partial<ResolveOptions> = {}): ResolveOptions {
  return {
    config,
    existing: undefined,
    frozen: false,
    update: false,
    cacheDir: join(work, "cache"),
    reporter: silentReporter,
    lockPath: join(work, "image.lock.json"),
    ...overrides,
  };
}

/** Awaits `promise` and returns the DiagnosticError it rejects with. */
async function diagnosticOf(promise: Promise<unknown>): Promise<DiagnosticError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof DiagnosticError) return error;
    throw error;
  }
  throw new Error("expected a DiagnosticError, but the promise resolved");
}

function versions(lock: Lockfile): Record<string, string> {
  const packages = lock.platforms["linux/amd64"]?.debian?.packages ?? [];
  return Object.fromEntries(packages.map((p) => [p.name, p.version]));
}

describe("resolveInputs without packages", () => {
  it("pins the base manifest", async () => {
    const spec = imageSpec();
    const result = await resolveInputs(spec, options(configOf(spec)));
    const pin = result.lock.platforms["linux/amd64"]?.base;
    expect(pin?.reference).toBe(`oci:${layout}:1.0`);
    expect(pin?.manifestDigest).toBe(result.platforms[0]?.base?.manifestDigest);
    expect(result.platforms[0]?.packages).toEqual([]);
  });

  it("scratch pins no base", async () => {
    const spec = imageSpec({ base: { kind: "scratch" } });
    const result = await resolveInputs(spec, options(configOf(spec)));
    expect(result.lock.platforms["linux/amd64"]).toEqual({ base: null, debian: null });
    expect(result.platforms[0]?.base).toBeUndefined();
  });

  it("no lock: lockChanged", async () => {
    const spec = imageSpec();
    const result = await resolveInputs(spec, options(configOf(spec)));
    expect(result.lockChanged).toBe(true);
  });

  it("fresh lock reused: not lockChanged", async () => {
    const spec = imageSpec();
    const first = await resolveInputs(spec, options(configOf(spec)));
    const second = await resolveInputs(spec, options(configOf(spec), { existing: first.lock }));
    expect(second.lockChanged).toBe(false);
    expect(second.lock).toEqual(first.lock);
  });

  it("lock read back from JSON is the same lock", async () => {
    const spec = imageSpec();
    const first = await resolveInputs(spec, options(configOf(spec)));
    const existing = JSON.parse(JSON.stringify(first.lock)) as Lockfile;
    const second = await resolveInputs(spec, options(configOf(spec), { existing }));
    expect(second.lockChanged).toBe(false);
  });

  it("changed config: lockChanged", async () => {
    const spec = imageSpec();
    const first = await resolveInputs(spec, options(configOf(spec)));
    const changed = configOf(spec, { entrypoint: ["/bin/true"] });
    const second = await resolveInputs(spec, options(changed, { existing: first.lock }));
    expect(second.lockChanged).toBe(true);
    expect(second.lock.configHash).not.toBe(first.lock.configHash);
    expect(second.lock.inputsHash).toBe(first.lock.inputsHash);
  });

  it("changed base: new pin", async () => {
    const spec = imageSpec();
    const first = await resolveInputs(spec, options(configOf(spec)));
    const other = imageSpec({ base: { kind: "oci-layout", path: layout, tag: "2.0" } });
    const second = await resolveInputs(other, options(configOf(other), { existing: first.lock }));
    expect(second.lockChanged).toBe(true);
    expect(second.lock.platforms["linux/amd64"]?.base?.manifestDigest).not.toBe(
      first.lock.platforms["linux/amd64"]?.base?.manifestDigest,
    );
  });

  it("frozen with no lock", async () => {
    const spec = imageSpec();
    const error = await diagnosticOf(
      resolveInputs(spec, options(configOf(spec), { frozen: true })),
    );
    expect(error.diagnostics[0]?.code).toBe(Codes.staleLock);
    expect(error.message).toContain(join(work, "image.lock.json"));
    expect(error.message).toContain("no lock");
  });

  it("frozen with a changed config", async () => {
    const spec = imageSpec();
    const first = await resolveInputs(spec, options(configOf(spec)));
    const changed = configOf(spec, { entrypoint: ["/bin/true"] });
    const error = await diagnosticOf(
      resolveInputs(spec, options(changed, { existing: first.lock, frozen: true })),
    );
    expect(error.diagnostics[0]?.code).toBe(Codes.staleLock);
    expect(error.message).toContain("config changed");
  });

  it("frozen with a current lock", async () => {
    const spec = imageSpec();
    const first = await resolveInputs(spec, options(configOf(spec)));
    const second = await resolveInputs(
      spec,
      options(configOf(spec), { existing: first.lock, frozen: true }),
    );
    expect(second.lockChanged).toBe(false);
  });

  it("frozen with keys reordered in the lock", async () => {
    const spec = imageSpec();
    const first = await resolveInputs(spec, options(configOf(spec)));
    const { platforms, inputsHash, configHash, lockfileVersion } = first.lock;
    const reordered: Lockfile = { platforms, inputsHash, configHash, lockfileVersion };
    const second = await resolveInputs(
      spec,
      options(configOf(spec), { existing: reordered, frozen: true }),
    );
    expect(second.lockChanged).toBe(false);
  });

  it("frozen with another base manifest", async () => {
    const spec = imageSpec();
    const first = await resolveInputs(spec, options(configOf(spec)));
    const existing = structuredClone(first.lock);
    const pin = existing.platforms["linux/amd64"]?.base;
    if (pin) pin.manifestDigest = `sha256:${"0".repeat(64)}`;
    const error = await diagnosticOf(
      resolveInputs(spec, options(configOf(spec), { existing, frozen: true })),
    );
    expect(error.diagnostics[0]?.code).toBe(Codes.staleLock);
    expect(error.message).toContain("base image for linux/amd64");
  });

  it("frozen with a platform missing from the lock", async () => {
    const spec = imageSpec({ base: { kind: "scratch" } });
    const first = await resolveInputs(spec, options(configOf(spec)));
    const existing: Lockfile = { ...first.lock, platforms: {} };
    const error = await diagnosticOf(
      resolveInputs(spec, options(configOf(spec), { existing, frozen: true })),
    );
    expect(error.diagnostics[0]?.code).toBe(Codes.staleLock);
  });
});

describe("resolveInputs with packages", () => {
  it("resolves the newest versions", async () => {
    const spec = imageSpec({ debian: debianSpec(["tool"]) });
    const result = await resolveInputs(spec, options(configOf(spec)));
    expect(versions(result.lock)).toEqual({ libtool: "1.1-1", tool: "2.0-1" });
    expect(result.platforms[0]?.release?.suite).toBe(fixture.suite);
    expect(result.lock.platforms["linux/amd64"]?.debian?.release.mirror).toBe(fixture.mirror);
  });

  it("records dependency edges", async () => {
    const spec = imageSpec({ debian: debianSpec(["tool"]) });
    const result = await resolveInputs(spec, options(configOf(spec)));
    const tool = result.platforms[0]?.packages.find((p) => p.name === "tool");
    expect(tool?.dependsOn).toEqual(["libtool"]);
  });

  it("matching inputsHash reuses the lock without a request", async () => {
    const spec = imageSpec({ debian: debianSpec(["tool"]) });
    const first = await resolveInputs(spec, options(configOf(spec)));
    const before = fixture.requests.length;
    const changed = configOf(spec, { entrypoint: ["/usr/bin/tool"] });
    const second = await resolveInputs(spec, options(changed, { existing: first.lock }));
    expect(fixture.requests.slice(before)).toEqual([]);
    expect(second.lock.platforms).toEqual(first.lock.platforms);
    expect(second.platforms[0]?.packages).toEqual(first.platforms[0]?.packages);
    expect(second.lockChanged).toBe(true);
  });

  it("frozen with packages makes no request", async () => {
    const spec = imageSpec({ debian: debianSpec(["tool"]) });
    const first = await resolveInputs(spec, options(configOf(spec)));
    const before = fixture.requests.length;
    const second = await resolveInputs(
      spec,
      options(configOf(spec), { existing: first.lock, frozen: true }),
    );
    expect(fixture.requests.slice(before)).toEqual([]);
    expect(second.lockChanged).toBe(false);
  });

  it("frozen with no packages in the lock", async () => {
    const spec = imageSpec({ debian: debianSpec(["tool"]) });
    const first = await resolveInputs(spec, options(configOf(spec)));
    const existing = structuredClone(first.lock);
    const pins = existing.platforms["linux/amd64"];
    if (pins) pins.debian = null;
    const error = await diagnosticOf(
      resolveInputs(spec, options(configOf(spec), { existing, frozen: true })),
    );
    expect(error.diagnostics[0]?.code).toBe(Codes.staleLock);
  });

  it("frozen with the lock's mirror edited", async () => {
    const spec = imageSpec({ debian: debianSpec(["tool"]) });
    const first = await resolveInputs(spec, options(configOf(spec)));
    const existing = structuredClone(first.lock);
    const debian = existing.platforms["linux/amd64"]?.debian;
    if (debian) {
      debian.release.mirror = "http://elsewhere.invalid/debian";
      for (const pkg of debian.packages)
        pkg.url = `http://elsewhere.invalid/debian/${pkg.filename}`;
    }
    const error = await diagnosticOf(
      resolveInputs(spec, options(configOf(spec), { existing, frozen: true })),
    );
    expect(error.diagnostics[0]?.code).toBe(Codes.staleLock);
    expect(error.diagnostics[0]?.message).toContain("elsewhere.invalid");
  });

  /** Returns a lock that pins the older tool and libtool, as if written before 2.0-1 came out. */
  async function olderLock(): Promise<Lockfile> {
    const spec = imageSpec({ debian: debianSpec(["tool"]) });
    const lock = structuredClone((await resolveInputs(spec, options(configOf(spec)))).lock);
    for (const pkg of lock.platforms["linux/amd64"]?.debian?.packages ?? []) {
      pkg.version = "1.0-1";
    }
    return lock;
  }

  it("changed package list keeps locked versions", async () => {
    const existing = await olderLock();
    const spec = imageSpec({ debian: debianSpec(["tool", "extra"]) });
    const before = fixture.requests.length;
    const result = await resolveInputs(spec, options(configOf(spec), { existing }));
    expect(fixture.requests.slice(before)).toContain(`/dists/${fixture.suite}/InRelease`);
    expect(versions(result.lock)).toEqual({ extra: "3.0-1", libtool: "1.0-1", tool: "1.0-1" });
    expect(result.lock.inputsHash).not.toBe(existing.inputsHash);
    expect(result.lockChanged).toBe(true);
  });

  it("update ignores locked versions", async () => {
    const existing = await olderLock();
    const spec = imageSpec({ debian: debianSpec(["tool", "extra"]) });
    const result = await resolveInputs(spec, options(configOf(spec), { existing, update: true }));
    expect(versions(result.lock)).toEqual({ extra: "3.0-1", libtool: "1.1-1", tool: "2.0-1" });
  });

  it("update re-resolves an unchanged config", async () => {
    const existing = await olderLock();
    const spec = imageSpec({ debian: debianSpec(["tool"]) });
    const before = fixture.requests.length;
    const result = await resolveInputs(spec, options(configOf(spec), { existing, update: true }));
    expect(fixture.requests.length).toBeGreaterThan(before);
    expect(versions(result.lock)).toEqual({ libtool: "1.1-1", tool: "2.0-1" });
  });

  it("unknown package raises IMGC3001", async () => {
    const spec = imageSpec({ debian: debianSpec(["tol"]) });
    const error = await diagnosticOf(resolveInputs(spec, options(configOf(spec))));
    expect(error.diagnostics[0]?.code).toBe(Codes.unknownPackage);
  });
});
