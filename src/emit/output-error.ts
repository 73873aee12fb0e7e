// File system errors met while writing the outputs, turned into ImgcErrors that name the output
// imgc was writing and give a hint the user can act on.

import { ImgcError } from "../util/errors.js";

/** Rejects an empty output folder, which path.join would silently turn into the working folder. */
export function checkOutDir(outDir: string): void {
  if (outDir === "") {
    throw new ImgcError("the output folder is an empty string", {
      hint: "pass a folder with --out, or leave --out unset to write out/ beside the config",
    });
  }
}

/**
 * Returns the error to throw for `error`, met while writing `output` (such as "the image layout
 * out/hello") into `outDir`. A file system error becomes an ImgcError with a hint. ImgcErrors
 * and internal errors are returned unchanged.
 */
export function outputError(error: unknown, output: string, outDir: string): unknown {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (error instanceof ImgcError || typeof code !== "string") return error;
  const hint = outputHint(code, outDir);
  return new ImgcError(`failed to write ${output}`, {
    cause: error,
    ...(hint === undefined ? {} : { hint }),
  });
}

function outputHint(code: string, outDir: string): string | undefined {
  switch (code) {
    case "EACCES":
    case "EPERM":
      return `make ${outDir} writable for this user, or choose another output folder with --out`;
    case "EROFS":
      return `${outDir} is on a read-only file system, so choose another output folder with --out`;
    case "ENOSPC":
    case "EDQUOT":
      return `the file system of ${outDir} is full or over quota: free space, or choose another output folder with --out`;
    case "ENOTDIR":
    case "EEXIST":
      return `a path in ${outDir} is a file where imgc needs a folder: remove it, or choose another output folder with --out`;
    case "ENOENT":
      return "a file or folder that imgc was writing or copying was removed during the write, so build again";
    case "ENAMETOOLONG":
      return "the path is too long for the file system, so choose a shorter output folder with --out";
    default:
      return undefined;
  }
}
