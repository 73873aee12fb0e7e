import { createHash, randomBytes } from "node:crypto";
import { mkdir, readdir, rename, rm, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import { basename, dirname, join } from "node:path";

/**
 * Tag of this host in temporary names: the first 8 hex digits of the sha256 of its hostname. A
 * pid only identifies a process on its own host, and containers that share a cache folder have
 * their own pid namespaces but (by default) their own hostnames.
 *
 * NOTE: after a hostname change (macOS renames a host on some networks), earlier temporaries no
 * longer match and stay until removed by hand. Containers that share a hostname and a folder but
 * not a pid namespace would see each other's writers as dead.
 */
const HOST_TAG = createHash("sha256").update(hostname()).digest("hex").slice(0, 8);

/** `.<name>.<purpose>-<pid>-<host tag>-<random>`, as temporarySibling names a temporary. */
const TEMPORARY_NAME = /^\..+\.[a-z]+-([1-9][0-9]*)-([0-9a-f]{8})-[0-9a-f]{8}$/;

/**
 * Returns a unique sibling path of `path` for a temporary file or folder. The name contains the
 * pid and a tag of the host, so that removeStaleTemporaries can tell when its writer has died.
 */
export function temporarySibling(path: string, purpose = "tmp"): string {
  const suffix = `${process.pid}-${HOST_TAG}-${randomBytes(4).toString("hex")}`;
  return join(dirname(path), `.${basename(path)}.${purpose}-${suffix}`);
}

/** Outcome of removeStaleTemporaries. */
export interface StaleTemporaries {
  /** Paths removed. */
  removed: string[];
  /** Stale temporaries that could not be removed, with the error. */
  failed: { path: string; error: unknown }[];
}

/**
 * Removes the temporary files and folders that temporarySibling named in `dir` for processes of
 * this host that are no longer running, such as those of a build that was killed. A temporary of
 * a live process, of another host, or with any other name is kept. A missing folder has none.
 */
export async function removeStaleTemporaries(dir: string): Promise<StaleTemporaries> {
  const result: StaleTemporaries = { removed: [], failed: [] };
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return result;
    throw error;
  }

  for (const name of names) {
    const match = TEMPORARY_NAME.exec(name);
    if (match?.[2] !== HOST_TAG || isRunning(Number(match[1]))) continue;
    const path = join(dir, name);
    try {
      await rm(path, { recursive: true, force: true });
      result.removed.push(path);
    } catch (error) {
      result.failed.push({ path, error });
    }
  }
  return result;
}

/**
 * Returns whether a process with this pid exists. Signal 0 checks without sending anything, and
 * EPERM means the process exists but belongs to another user. A pid reused by an unrelated
 * process reads as running, which keeps a stale temporary rather than removing a live one.
 */
function isRunning(pid: number): boolean {
  // process.kill(0) would address the process group, so only positive safe integers are pids.
  if (!Number.isSafeInteger(pid) || pid <= 0) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== "ESRCH";
  }
}

/**
 * Writes `data` to `path` through a temporary file and a rename, so a reader sees either the old
 * file or the whole new one, never a part.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = temporarySibling(path);
  try {
    await writeFile(tmp, data);
    await rename(tmp, path);
  } catch (error) {
    await rm(tmp, { force: true });
    throw error;
  }
}

/**
 * Moves the finished folder `staged` to `target`, replacing what was there. The old folder is
 * renamed aside first and removed last; `recoverReplacedDir` restores it if a crash happened in
 * between.
 */
export async function replaceDirAtomic(staged: string, target: string): Promise<void> {
  const aside = `${join(dirname(target), `.${basename(target)}`)}.old`;
  await rm(aside, { recursive: true, force: true });
  let movedAside = false;
  try {
    await rename(target, aside);
    movedAside = true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  try {
    await rename(staged, target);
  } catch (error) {
    if (movedAside) await rename(aside, target);
    throw error;
  }
  await rm(aside, { recursive: true, force: true });
}

/** Restores `target` from its `.old` copy when a crash left only the copy behind. */
export async function recoverReplacedDir(target: string): Promise<void> {
  const aside = `${join(dirname(target), `.${basename(target)}`)}.old`;
  try {
    await rename(aside, target);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // ENOENT: nothing was left aside. ENOTEMPTY/EEXIST: the target exists, so the copy is stale.
    if (code === "ENOTEMPTY" || code === "EEXIST")
      await rm(aside, { recursive: true, force: true });
    else if (code !== "ENOENT") throw error;
  }
}
