import { randomBytes } from "node:crypto";
import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

/** Returns a unique sibling path of `path` for a temporary file or folder. */
export function temporarySibling(path: string, purpose = "tmp"): string {
  const suffix = `${process.pid}-${randomBytes(4).toString("hex")}`;
  return join(dirname(path), `.${basename(path)}.${purpose}-${suffix}`);
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
