// Downloads a locked .deb into the content-addressed cache and checks it against the lock.

import { mkdir, rename, rm } from "node:fs/promises";
import { basename, join } from "node:path";

import { sha256File } from "../../util/digest.js";
import { ImgcError, VerificationError } from "../../util/errors.js";
import { temporarySibling } from "../../util/fs.js";
import { fetchToFile } from "../../util/http.js";
import { type Reporter, silentReporter } from "../../util/reporter.js";
import { blobPath } from "./index.js";
import type { LockedPackage } from "./types.js";

/** Options of fetchDeb. */
export interface FetchDebOptions {
  cacheDir: string;
  /**
   * Archive URL of the Release pin the package was locked from. When given, the package's
   * `url` must be this mirror followed by its `filename`.
   */
  mirror?: string;
  reporter?: Reporter;
}

const lockHint =
  "the lock file is damaged; restore it from version control or run `imgc lock --update`";

/** Returns true when `filename` is a relative archive path that stays under the mirror. */
function isArchivePath(filename: string): boolean {
  if (!/^[\x21-\x7e]+$/.test(filename) || /[?#\\]/.test(filename)) return false;
  // URL parsers read "%2e" as "." in a path segment, so an encoded ".." is rejected too.
  return filename.split("/").every((segment) => !/^(?:\.|%2e){0,2}$/i.test(segment));
}

/**
 * Checks the lock entry's fields that fetchDeb uses. The lock is a file in the user's
 * repository, so a hand edit or a bad merge can put anything in it.
 */
function checkLockedPackage(pkg: LockedPackage, mirror: string | undefined): void {
  if (!/^[0-9a-f]{64}$/.test(pkg.sha256)) {
    throw new ImgcError(`invalid sha256 ${JSON.stringify(pkg.sha256)} for package ${pkg.name}`, {
      hint: lockHint,
    });
  }
  if (!Number.isSafeInteger(pkg.size) || pkg.size < 0) {
    throw new ImgcError(`invalid size ${JSON.stringify(pkg.size)} for package ${pkg.name}`, {
      hint: lockHint,
    });
  }
  if (typeof pkg.filename !== "string" || !isArchivePath(pkg.filename)) {
    throw new ImgcError(
      `invalid filename ${JSON.stringify(pkg.filename)} for package ${pkg.name}: ` +
        "expected a relative path in the archive, such as pool/main/h/hello/hello_1.0-1_amd64.deb",
      { hint: lockHint },
    );
  }
  // The resolver writes each URL as the pinned mirror followed by the archive path. A URL that
  // points elsewhere is rejected rather than replaced by mirror + filename, because reviewers
  // read the lock as text, and a build that fetched from somewhere other than the URL they read
  // would hide the edit. The sha256 protects the content either way.
  if (mirror === undefined) {
    if (!pkg.url.endsWith(`/${pkg.filename}`)) {
      throw new ImgcError(
        `the lock's URL ${pkg.url} for package ${pkg.name} does not end with its filename ` +
          pkg.filename,
        { hint: lockHint },
      );
    }
    return;
  }
  const expected = `${mirror.replace(/\/+$/, "")}/${pkg.filename}`;
  if (pkg.url !== expected) {
    throw new ImgcError(
      `the lock's URL ${pkg.url} for package ${pkg.name} is not on the mirror the lock's ` +
        `Release pin names (expected ${expected})`,
      { hint: lockHint },
    );
  }
}

/** Checks the cached blob at `path` against the locked size and sha256. */
async function checkCachedBlob(
  path: string,
  pkg: LockedPackage,
): Promise<"verified" | "missing" | "mismatch"> {
  try {
    const { hex, size } = await sha256File(path);
    return size === pkg.size && hex === pkg.sha256 ? "verified" : "mismatch";
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return "missing";
    throw new ImgcError(`reading the cached package ${path} failed`, { cause: error });
  }
}

/**
 * Returns the path of `pkg`'s .deb in the cache (`<cacheDir>/blobs/sha256/<hex>`), downloading
 * it from `pkg.url` first unless the cache contains a copy whose sha256 matches. A download whose
 * size or sha256 differs from the lock is deleted and raises a VerificationError.
 */
export async function fetchDeb(pkg: LockedPackage, options: FetchDebOptions): Promise<string> {
  const reporter = options.reporter ?? silentReporter;
  checkLockedPackage(pkg, options.mirror);
  const target = blobPath(options.cacheDir, pkg.sha256);
  // The file name alone proves nothing, because any process of the user can write to the cache.
  const cached = await checkCachedBlob(target, pkg);
  if (cached === "verified") return target;
  if (cached === "mismatch") {
    reporter.info(
      `debian: the cached ${basename(pkg.filename)} does not match the lock's sha256; ` +
        "downloading it again",
    );
  }

  await mkdir(join(options.cacheDir, "blobs", "sha256"), { recursive: true });
  const temporary = temporarySibling(target, "download");
  const downloaded = await fetchToFile(pkg.url, temporary, pkg.size, { reporter });
  if (downloaded.sha256 !== pkg.sha256 || downloaded.size !== pkg.size) {
    await rm(temporary, { force: true });
    throw new VerificationError(
      basename(pkg.filename || pkg.url),
      `expected sha256 ${pkg.sha256} (${pkg.size} bytes), ` +
        `got sha256 ${downloaded.sha256} (${downloaded.size} bytes) from ${pkg.url}`,
      {
        hint: "the mirror served another file; retry, or run `imgc lock --update` if the lock is old",
      },
    );
  }
  // Replaces a cached copy that failed the check above.
  await rename(temporary, target);
  reporter.debug(`debian: downloaded ${pkg.url} (${downloaded.size} bytes)`);
  return target;
}
