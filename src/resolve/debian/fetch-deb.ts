// Downloads a locked .deb into the content-addressed cache and checks it against the lock.

import { mkdir, rename, rm, stat } from "node:fs/promises";
import { basename, join } from "node:path";

import { ImgcError, VerificationError } from "../../util/errors.js";
import { temporarySibling } from "../../util/fs.js";
import { fetchToFile } from "../../util/http.js";
import { type Reporter, silentReporter } from "../../util/reporter.js";
import { blobPath } from "./index.js";
import type { LockedPackage } from "./types.js";

/** Options of fetchDeb: the cache folder, and the reporter that hears about downloads. */
export interface FetchDebOptions {
  cacheDir: string;
  reporter?: Reporter;
}

async function sizeOf(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

/**
 * Returns the path of `pkg`'s .deb in the cache (`<cacheDir>/blobs/sha256/<hex>`), downloading
 * it from `pkg.url` first unless it is there. A download whose size or sha256 differs from the
 * lock is deleted and raises a VerificationError.
 */
export async function fetchDeb(pkg: LockedPackage, options: FetchDebOptions): Promise<string> {
  const reporter = options.reporter ?? silentReporter;
  if (!/^[0-9a-f]{64}$/.test(pkg.sha256)) {
    throw new ImgcError(`invalid sha256 ${JSON.stringify(pkg.sha256)} for package ${pkg.name}`, {
      hint: "the lock file is damaged; run `imgc lock --update`",
    });
  }
  const target = blobPath(options.cacheDir, pkg.sha256);
  // Cache entries are only ever created by the rename below, after the hash check, so a file of
  // the right size is the verified one.
  if ((await sizeOf(target)) === pkg.size) return target;

  await mkdir(join(options.cacheDir, "blobs", "sha256"), { recursive: true });
  const temporary = temporarySibling(target, "download");
  const downloaded = await fetchToFile(pkg.url, temporary);
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
  await rename(temporary, target);
  reporter.debug(`debian: downloaded ${pkg.url} (${downloaded.size} bytes)`);
  return target;
}
