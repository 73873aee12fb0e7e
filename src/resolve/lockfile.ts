// image.lock.json: every pin a build depends on, so that the same config and lock give the same
// image on any machine. It lives beside the config and is meant to be committed.

import { readFile } from "node:fs/promises";
import { dirname, join } from "node:path";

import type { Platform } from "../config/types.js";
import { Codes } from "../diagnostics/codes.js";
import { DiagnosticError } from "../diagnostics/diagnostic.js";
import type { LockedPackage, ReleasePin } from "./debian/types.js";
import { compareCodeUnits } from "./debian/sort-order.js";
import { invalidVersionReason } from "./debian/version.js";
import { sha256Digest, type Digest } from "../util/digest.js";
import { writeFileAtomic } from "../util/fs.js";

/** A locked package with the names of the locked packages its dependencies resolved to. */
export interface LockedDebianPackage extends LockedPackage {
  dependsOn: string[];
}

/** The pins of one platform. */
export interface PlatformLock {
  base: { reference: string; manifestDigest: Digest } | null;
  debian: { release: ReleasePin; packages: LockedDebianPackage[] } | null;
}

/** The whole lock file. */
export interface Lockfile {
  lockfileVersion: 1;
  /** Hash of the whole evaluated config; `--frozen` refuses a lock whose hash differs. */
  configHash: Digest;
  /** Hash of the config parts that decide the pins (base, packages, platforms). */
  inputsHash: Digest;
  platforms: Partial<Record<Platform, PlatformLock>>;
}

export const lockFileName = "image.lock.json";

/** Returns the lock path for a config file: `image.lock.json` in the config's folder. */
export function lockPathFor(configFile: string): string {
  return join(dirname(configFile), lockFileName);
}

/**
 * Serialises a value as JSON with object keys sorted at every level and no whitespace. Config
 * hashes use it so that key order in the user's object does not change the hash.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) => {
    if (item && typeof item === "object" && !Array.isArray(item)) {
      return Object.fromEntries(Object.entries(item).sort(([a], [b]) => compareCodeUnits(a, b)));
    }
    return item;
  });
}

/** Returns the hash of the evaluated config object. */
export function configHash(config: unknown): Digest {
  return sha256Digest(canonicalJson(config));
}

/** Returns the hash of the config fields that decide what the lock pins. */
export function inputsHash(config: unknown): Digest {
  const object = (config ?? {}) as Record<string, unknown>;
  return sha256Digest(
    canonicalJson({
      base: object.base ?? null,
      packages: object.packages ?? null,
      platforms: object.platforms ?? null,
    }),
  );
}

function invalid(path: string, message: string): DiagnosticError {
  return new DiagnosticError([
    {
      code: Codes.invalidLock,
      severity: "error",
      message: `${path}: ${message}`,
      fix: "restore the file from version control, or delete it and run `imgc lock`",
    },
  ]);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Debian package names: lowercase letters, digits, "+", "-" and ".", starting alphanumeric. */
const packageNamePattern = /^[a-z0-9][a-z0-9+.-]+$/;

/**
 * Returns what is wrong with a locked package, or undefined. The name becomes a file name under
 * /var/lib/dpkg/status.d and the version goes into the status file, so both are checked as
 * dpkg would. The URL must be the release's mirror followed by the archive path.
 */
function packageProblem(
  pkg: Partial<LockedDebianPackage> | undefined,
  mirror: unknown,
): string | undefined {
  if (!isObject(pkg)) return "is not an object";
  if (typeof pkg.name !== "string" || !packageNamePattern.test(pkg.name))
    return "has an invalid name";
  if (typeof pkg.version !== "string") return "lacks a version";
  const versionProblem = invalidVersionReason(pkg.version);
  if (versionProblem)
    return `has an invalid version ${JSON.stringify(pkg.version)}: ${versionProblem}`;
  if (typeof pkg.architecture !== "string" || !/^[a-z0-9-]+$/.test(pkg.architecture))
    return "has an invalid architecture";
  if (!/^[0-9a-f]{64}$/.test(pkg.sha256 ?? "")) return "has an invalid sha256";
  if (!Number.isSafeInteger(pkg.size) || (pkg.size as number) < 0) return "has an invalid size";
  if (typeof pkg.filename !== "string" || typeof pkg.url !== "string")
    return "lacks a url or filename";
  if (typeof mirror !== "string" || pkg.url !== `${mirror}/${pkg.filename}`) {
    return `has url ${JSON.stringify(pkg.url)}, which is not the release's mirror followed by its filename`;
  }
  if (!Array.isArray(pkg.dependsOn) || !pkg.dependsOn.every((d) => typeof d === "string"))
    return "has no dependsOn list";
  return undefined;
}

/** Reads the lock, or returns undefined when there is none. A malformed lock is an error. */
export async function readLockfile(path: string): Promise<Lockfile | undefined> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw invalid(path, `not valid JSON (${(error as Error).message})`);
  }
  if (!isObject(parsed)) throw invalid(path, "not a JSON object");
  const lock = parsed as Partial<Lockfile>;
  if (lock.lockfileVersion !== 1)
    throw invalid(path, `unsupported lockfileVersion ${String(lock.lockfileVersion)}`);
  if (
    typeof lock.configHash !== "string" ||
    typeof lock.inputsHash !== "string" ||
    !isObject(lock.platforms)
  ) {
    throw invalid(path, "missing configHash, inputsHash or platforms");
  }
  for (const [platform, pins] of Object.entries(lock.platforms)) {
    const packages: unknown = pins?.debian?.packages ?? [];
    if (!Array.isArray(packages))
      throw invalid(path, `platform ${platform}: debian.packages is not a list`);
    const mirror = pins?.debian?.release?.mirror;
    for (const pkg of packages as Partial<LockedDebianPackage>[]) {
      const problem = packageProblem(pkg, mirror);
      if (problem) {
        throw invalid(
          path,
          `platform ${platform}: package ${JSON.stringify(pkg?.name)} ${problem}`,
        );
      }
    }
  }
  return lock as Lockfile;
}

/** Serialises the lock: two-space JSON with a final newline, stable for diffs. */
export function serializeLockfile(lock: Lockfile): string {
  return `${JSON.stringify(lock, null, 2)}\n`;
}

/** Writes the lock atomically. */
export async function writeLockfile(path: string, lock: Lockfile): Promise<void> {
  await writeFileAtomic(path, serializeLockfile(lock));
}
