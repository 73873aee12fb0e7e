// Writes `<outDir>/<name>/` as an OCI image layout. The layout is built in a staging folder
// beside the target and swapped in with replaceDirAtomic, so a build that fails or is
// interrupted leaves the previous output as it was.

import { chmod, copyFile, link, mkdir, rm, stat, unlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { ImgcError } from "../util/errors.js";
import { recoverReplacedDir, replaceDirAtomic, temporarySibling } from "../util/fs.js";
import { layoutFiles, type LayoutFile, type LayoutInput } from "./layout-files.js";

export type { LayoutBlob, LayoutInput } from "./layout-files.js";

// Fixed modes, whatever the umask: every user's runtime must be able to read the layout.
const FILE_MODE = 0o644;
const DIR_MODE = 0o755;

/** Writes the layout and returns its path, `<outDir>/<name>`. */
export async function writeLayout(input: LayoutInput): Promise<{ path: string }> {
  const files = layoutFiles(input);
  const target = join(input.outDir, input.name);
  await mkdir(input.outDir, { recursive: true });
  // A crash between the two renames of an earlier run left only the `.old` copy: restore it.
  await recoverReplacedDir(target);

  const staging = temporarySibling(target, "staging");
  try {
    await makeDir(staging);
    await makeDir(join(staging, "blobs"));
    await makeDir(join(staging, "blobs", "sha256"));
    for (const file of files) await placeFile(file, join(staging, file.path));
    await replaceDirAtomic(staging, target);
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    throw new ImgcError(`failed to write the image layout ${target}`, { cause: error });
  }
  return { path: target };
}

async function makeDir(path: string): Promise<void> {
  await mkdir(path);
  await chmod(path, DIR_MODE);
}

/**
 * Writes one layout file. A blob that is a file is hard-linked when it is on the same file
 * system, which costs no copy, and copied otherwise.
 */
async function placeFile(file: LayoutFile, destination: string): Promise<void> {
  if ("bytes" in file.source) {
    await writeFile(destination, file.source.bytes);
    await chmod(destination, FILE_MODE);
    return;
  }

  const source = file.source.file;
  let linked = false;
  try {
    await link(source, destination);
    linked = true;
  } catch (error) {
    // EXDEV: another file system. EPERM, EMLINK, ENOTSUP, EACCES: the file system rejects the link.
    if (!cannotLink(error)) throw error;
  }
  if (linked && ((await stat(destination)).mode & 0o777) === FILE_MODE) return;
  if (linked) {
    // The link shares the cache file's mode. Fix it there, or copy if that file is not ours.
    try {
      await chmod(destination, FILE_MODE);
      return;
    } catch {
      await unlink(destination);
    }
  }
  await copyFile(source, destination);
  await chmod(destination, FILE_MODE);
}

function cannotLink(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return (
    code === "EXDEV" ||
    code === "EPERM" ||
    code === "EMLINK" ||
    code === "ENOTSUP" ||
    code === "EACCES"
  );
}
