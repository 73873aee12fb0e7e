// Writes `<outDir>/<name>/` as an OCI image layout. The layout is built in a staging folder
// beside the target and swapped in with replaceDirAtomic, so a build that fails or is
// interrupted leaves the previous output as it was. The staging folders of killed builds are
// removed by the next write into the same folder.

import { chmod, copyFile, link, mkdir, rm, stat, unlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import {
  recoverReplacedDir,
  removeStaleTemporaries,
  replaceDirAtomic,
  temporarySibling,
} from "../util/fs.js";
import { silentReporter } from "../util/reporter.js";
import { layoutFiles, type LayoutFile, type LayoutInput } from "./layout-files.js";
import { checkOutDir, outputError } from "./output-error.js";

export type { LayoutBlob, LayoutInput } from "./layout-files.js";

// Fixed modes, whatever the umask: every user's runtime must be able to read the layout.
const FILE_MODE = 0o644;
const DIR_MODE = 0o755;

/**
 * Writes the layout and returns its path, `<outDir>/<name>`. File system errors become
 * ImgcErrors that name the layout.
 */
export async function writeLayout(input: LayoutInput): Promise<{ path: string }> {
  const files = layoutFiles(input);
  checkOutDir(input.outDir);
  const target = join(input.outDir, input.name);
  try {
    await prepareOutDir(input);
    // A crash between the two renames of an earlier run left only the `.old` copy: restore it.
    await recoverReplacedDir(target);
    await stageLayout(files, target);
  } catch (error) {
    throw outputError(error, `the image layout ${target}`, input.outDir);
  }
  return { path: target };
}

/** Creates the output folder and removes the temporaries that killed builds left in it. */
export async function prepareOutDir(input: LayoutInput): Promise<void> {
  await mkdir(input.outDir, { recursive: true });
  const { removed, failed } = await removeStaleTemporaries(input.outDir);
  const reporter = input.reporter ?? silentReporter;
  for (const path of removed) reporter.debug(`emit: removed ${path}, left by an ended build`);
  for (const { path, error } of failed) {
    reporter.debug(`emit: failed to remove ${path}, left by an ended build: ${String(error)}`);
  }
}

/** Writes the files into a staging folder beside `target`, then swaps it in. */
async function stageLayout(files: readonly LayoutFile[], target: string): Promise<void> {
  const staging = temporarySibling(target, "staging");
  try {
    await makeDir(staging);
    await makeDir(join(staging, "blobs"));
    await makeDir(join(staging, "blobs", "sha256"));
    for (const file of files) await placeFile(file, join(staging, file.path));
    await replaceDirAtomic(staging, target);
  } catch (error) {
    // The write's own error is the one to report. A staging folder that cannot be removed now is
    // removed by the next write into this folder, because its pid will have ended.
    await rm(staging, { recursive: true, force: true }).catch(() => undefined);
    throw error;
  }
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
