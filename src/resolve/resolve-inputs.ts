// The resolve stage: pins the base image and the Debian packages of every platform, reusing the
// lock when it still matches the config, and produces the lock to write.

import type { ImageSpec } from "../check/spec.js";
import type { Platform } from "../config/types.js";
import { Codes } from "../diagnostics/codes.js";
import { DiagnosticError, hasErrors, type Diagnostic } from "../diagnostics/diagnostic.js";
import { HttpStatusError } from "../util/http.js";
import type { Reporter } from "../util/reporter.js";
import { resolveBaseImage, type BaseImage } from "./base-image.js";
import { debianMirrorFromHost } from "./debian/host-sources.js";
import { loadDebianIndex } from "./debian/index.js";
import { suggestNames } from "./debian/suggest-names.js";
import { resolveDebianPackages, toLockedPackage } from "./debian/resolver.js";
import type { ReleasePin } from "./debian/types.js";
import { dependencyEdges } from "./dependency-edges.js";
import {
  canonicalJson,
  configHash,
  inputsHash,
  type LockedDebianPackage,
  type Lockfile,
  type PlatformLock,
} from "./lockfile.js";

/** The resolved inputs of one platform: its base image and locked packages. */
export interface ResolvedPlatform {
  platform: Platform;
  base: BaseImage | undefined;
  packages: readonly LockedDebianPackage[];
  /** The Release the packages were resolved from, when there are packages. */
  release: ReleasePin | undefined;
}

/** The resolve stage's result. */
export interface ResolvedInputs {
  platforms: ResolvedPlatform[];
  lock: Lockfile;
  /** Whether `lock` differs from the lock that was read. */
  lockChanged: boolean;
}

/** Options of the resolve stage. */
export interface ResolveOptions {
  /** The evaluated config object, for the lock's hashes. */
  config: unknown;
  existing: Lockfile | undefined;
  /** Refuse to change the lock. */
  frozen: boolean;
  /** Ignore the pins in the existing lock and resolve afresh. */
  update: boolean;
  cacheDir: string;
  reporter: Reporter;
  /** Path of the lock file, for messages. */
  lockPath: string;
}

/**
 * Debian's base-files is Essential, so no package depends on it, but it provides
 * /etc/os-release (which scanners need to recognise the image) and the root folder layout.
 */
const implicitPackages = ["base-files"];

function architectureOf(platform: Platform): string {
  return platform.split("/")[1] as string;
}

function staleLock(lockPath: string, reason: string): DiagnosticError {
  const diagnostic: Diagnostic = {
    code: Codes.staleLock,
    severity: "error",
    message: `${lockPath} is out of date: ${reason}`,
    fix: "run `imgc lock` and commit the updated lock, or compile without --frozen",
  };
  return new DiagnosticError([diagnostic]);
}

// Canonical JSON, so that a lock whose keys a formatter reordered still counts as the same lock.
function sameLock(a: Lockfile | undefined, b: Lockfile): boolean {
  return a !== undefined && canonicalJson(a) === canonicalJson(b);
}

/** Debian's suite names and codenames, for "did you mean" when a suite is not on the mirror. */
const knownSuites = [
  "stable",
  "testing",
  "unstable",
  "oldstable",
  "sid",
  "forky",
  "trixie",
  "bookworm",
  "bullseye",
  "buster",
  "trixie-updates",
  "bookworm-updates",
  "trixie-backports",
  "bookworm-backports",
];

/** Turns a 404 for the suite's InRelease into a config diagnostic; returns undefined otherwise. */
function suiteNotFound(error: unknown, mirror: string, suite: string): DiagnosticError | undefined {
  if (!(error instanceof HttpStatusError) || error.status !== 404) return undefined;
  if (!error.url.endsWith(`/dists/${suite}/InRelease`)) return undefined;
  const [suggestion] = suggestNames(suite, knownSuites);
  return new DiagnosticError([
    {
      code: Codes.unknownSuite,
      severity: "error",
      message: `suite ${JSON.stringify(suite)} not found on ${mirror} (no dists/${suite}/InRelease)`,
      path: "packages.suite",
      fix: `${suggestion && suggestion !== suite ? `did you mean ${JSON.stringify(suggestion)}? ` : ""}use a suite this mirror has, such as "trixie"; security updates live on a separate archive`,
    },
  ]);
}

async function resolveDebian(
  spec: NonNullable<ImageSpec["debian"]>,
  platform: Platform,
  previous: PlatformLock | undefined,
  options: ResolveOptions,
): Promise<NonNullable<PlatformLock["debian"]>> {
  const mirror = spec.mirror ?? (await debianMirrorFromHost());
  const architecture = architectureOf(platform);
  options.reporter.info(
    `resolve: reading the ${spec.suite} index for ${architecture} from ${mirror}`,
  );
  const index = await loadDebianIndex({
    mirror,
    suite: spec.suite,
    components: spec.components,
    architecture,
    keyringPath: spec.keyring,
    cacheDir: options.cacheDir,
    reporter: options.reporter,
  }).catch((error: unknown) => {
    throw suiteNotFound(error, mirror, spec.suite) ?? error;
  });
  // An archive without base-files (a third-party repository) gets no implicit packages.
  const implicit = implicitPackages.filter(
    (p) => !spec.packages.includes(p) && index.byName.has(p),
  );
  const requested = [...spec.packages, ...implicit];
  const preferred = new Map<string, string>();
  if (!options.update) {
    for (const pkg of previous?.debian?.packages ?? []) preferred.set(pkg.name, pkg.version);
  }
  const result = resolveDebianPackages(index, requested, { architecture, preferred });
  for (const diagnostic of result.diagnostics) {
    if (diagnostic.severity === "warning") options.reporter.warn(diagnostic);
  }
  if (hasErrors(result.diagnostics))
    throw new DiagnosticError(result.diagnostics.filter((d) => d.severity === "error"));
  const edges = dependencyEdges(result.packages, architecture);
  const packages = result.packages.map((record) => ({
    ...toLockedPackage(record, mirror),
    dependsOn: edges.get(record.name) ?? [],
  }));
  options.reporter.info(`resolve: ${packages.length} packages for ${platform}`);
  return { release: index.release, packages };
}

/** Resolves the inputs of every platform, from the lock where it still applies. */
export async function resolveInputs(
  spec: ImageSpec,
  options: ResolveOptions,
): Promise<ResolvedInputs> {
  const existing = options.existing;
  const wantedConfigHash = configHash(options.config);
  const wantedInputsHash = inputsHash(options.config);
  if (options.frozen) {
    if (!existing) throw staleLock(options.lockPath, "there is no lock yet");
    if (existing.configHash !== wantedConfigHash)
      throw staleLock(options.lockPath, "the config changed since the lock was written");
  }
  const pinsStillApply = !options.update && existing?.inputsHash === wantedInputsHash;

  const platforms: ResolvedPlatform[] = [];
  const locks: Partial<Record<Platform, PlatformLock>> = {};
  for (const platform of spec.platforms) {
    const previous = existing?.platforms[platform];
    const base = await resolveBaseImage(spec.base, platform);
    const baseLock = base
      ? { reference: base.reference, manifestDigest: base.manifestDigest }
      : null;
    if (options.frozen && JSON.stringify(baseLock) !== JSON.stringify(previous?.base ?? null)) {
      throw staleLock(
        options.lockPath,
        `the base image for ${platform} is not the one the lock pins`,
      );
    }
    let debian: PlatformLock["debian"] = null;
    if (spec.debian) {
      // A lock whose mirror is not the one the config names was edited or belongs to another
      // config: its URLs would send the download elsewhere, so its pins do not apply.
      const configMirror = spec.debian.mirror;
      const foreignMirror =
        configMirror !== undefined &&
        previous?.debian &&
        previous.debian.release.mirror !== configMirror;
      const locked = pinsStillApply && !foreignMirror ? previous?.debian : undefined;
      if (locked) {
        debian = locked;
      } else if (options.frozen) {
        const reason = foreignMirror
          ? `its packages come from ${previous?.debian?.release.mirror}, but the config names ${configMirror}`
          : `it has no packages for ${platform}`;
        throw staleLock(options.lockPath, reason);
      } else {
        debian = await resolveDebian(spec.debian, platform, previous, options);
      }
    }
    locks[platform] = { base: baseLock, debian };
    platforms.push({ platform, base, packages: debian?.packages ?? [], release: debian?.release });
  }

  const lock: Lockfile = {
    lockfileVersion: 1,
    configHash: wantedConfigHash,
    inputsHash: wantedInputsHash,
    platforms: locks,
  };
  const lockChanged = !sameLock(existing, lock);
  // The checks above name the usual causes. This one keeps `--frozen` from rewriting the lock in
  // any other case, such as a lock that lacks one of the config's platforms.
  if (options.frozen && lockChanged) {
    throw staleLock(options.lockPath, "it does not record what the config resolves to");
  }
  return { platforms, lock, lockChanged };
}
