// Turns the config's `files` entries into layer entries: walks copied trees on the build host
// and fixes every attribute that would otherwise leak from the host (mtime, umask, owner).

import { lstat, readdir, readlink, stat } from "node:fs/promises";
import { basename, join } from "node:path";

import type { LayerEntry } from "../build/layer-entry.js";
import type { FileSpec } from "../check/spec.js";
import { ImgcError } from "../util/errors.js";

/**
 * Returns a source file's mode as imgc writes it: 0755 when the owner may execute it, else 0644.
 * The host's umask and group/other bits must not reach the image, or a checkout under umask
 * 077 would give another digest.
 */
export function normalisedFileMode(hostMode: number): number {
  return hostMode & 0o100 ? 0o755 : 0o644;
}

/**
 * Returns the layer entries of one `files` entry, without their parent directories.
 * `outputs` are host paths a copied tree leaves out: imgc's own output folder and lock file,
 * which would otherwise nest the previous image in the next one and change the digest on every
 * build.
 */
export async function resolveFileEntries(
  spec: FileSpec,
  mtime: number,
  outputs: readonly string[] = [],
): Promise<LayerEntry[]> {
  switch (spec.kind) {
    case "text": {
      const data = new TextEncoder().encode(spec.content);
      return [
        {
          path: spec.dest,
          type: "file",
          mode: spec.mode,
          ...spec.owner,
          mtime,
          size: data.length,
          content: { kind: "bytes", data },
        },
      ];
    }
    case "symlink":
      return [
        {
          path: spec.dest,
          type: "symlink",
          mode: 0o777,
          ...spec.owner,
          mtime,
          linkname: spec.target,
          size: 0,
        },
      ];
    case "dir":
      return [{ path: spec.dest, type: "dir", mode: spec.mode, ...spec.owner, mtime, size: 0 }];
    case "copy":
      return resolveCopy(spec, mtime, outputs);
  }
}

async function resolveCopy(
  spec: Extract<FileSpec, { kind: "copy" }>,
  mtime: number,
  outputs: readonly string[],
): Promise<LayerEntry[]> {
  // The copy source itself is followed when it is a symlink, as `docker build` COPY does; links
  // inside a copied tree are kept as links.
  let top;
  try {
    top = await stat(spec.src);
  } catch (error) {
    throw new ImgcError(`copy source ${spec.src} cannot be read`, {
      cause: error,
      hint: "check that the file exists and is readable",
    });
  }
  const owner = { uid: spec.owner.uid, gid: spec.owner.gid };
  if (top.isFile() && spec.dest === ".") {
    throw new ImgcError(
      `copy source ${spec.src} is a file, so its dest needs a file name, not "/"`,
      {
        hint: `write the file's path in the image, such as "/${basename(spec.src)}"`,
      },
    );
  }
  if (top.isFile()) {
    return [
      fileEntry(
        spec.dest,
        spec.src,
        top.size,
        spec.mode ?? normalisedFileMode(top.mode),
        owner,
        mtime,
      ),
    ];
  }
  if (!top.isDirectory()) {
    throw new ImgcError(`copy source ${spec.src} is not a regular file or a directory`);
  }
  // A tree copied to "/" (dest ".") adds its children only: the root has no entry of its own.
  const entries: LayerEntry[] =
    spec.dest === "."
      ? []
      : [{ path: spec.dest, type: "dir", mode: spec.dirMode, ...owner, mtime, size: 0 }];
  await walk(spec, "", entries, owner, mtime, outputs);
  return entries;
}

function fileEntry(
  path: string,
  source: string,
  size: number,
  mode: number,
  owner: { uid: number; gid: number },
  mtime: number,
): LayerEntry {
  const entry: LayerEntry = { path, type: "file", mode, ...owner, mtime, size };
  if (size > 0) entry.content = { kind: "file", path: source, offset: 0, size };
  return entry;
}

function isExcluded(relative: string, exclude: readonly string[]): boolean {
  return exclude.some((prefix) => {
    const clean = prefix.replace(/^\.\//, "").replace(/\/+$/, "");
    return relative === clean || relative.startsWith(`${clean}/`);
  });
}

/** Returns true for an output path, something inside one, or a temporary file beside one. */
function isOutput(hostPath: string, outputs: readonly string[]): boolean {
  return outputs.some((output) => {
    if (hostPath === output || hostPath.startsWith(`${output}/`)) return true;
    // Atomic writes leave `.<name>.tmp-…` siblings for a moment (see util/fs.ts).
    const slash = output.lastIndexOf("/");
    return hostPath.startsWith(`${output.slice(0, slash)}/.${output.slice(slash + 1)}.`);
  });
}

async function walk(
  spec: Extract<FileSpec, { kind: "copy" }>,
  relative: string,
  entries: LayerEntry[],
  owner: { uid: number; gid: number },
  mtime: number,
  outputs: readonly string[],
): Promise<void> {
  const folder = join(spec.src, relative);
  const names = (await readdir(folder)).sort();
  for (const name of names) {
    const childRelative = relative ? `${relative}/${name}` : name;
    if (isExcluded(childRelative, spec.exclude)) continue;
    if (isOutput(join(folder, name), outputs)) continue;
    if (name.startsWith(".wh.")) {
      throw new ImgcError(
        `${join(folder, name)}: names starting with ".wh." mark deletions in image layers`,
        {
          hint: "rename the file or add it to the copy's exclude list",
        },
      );
    }
    const hostPath = join(folder, name);
    const info = await lstat(hostPath);
    const path = spec.dest === "." ? childRelative : `${spec.dest}/${childRelative}`;
    if (info.isDirectory()) {
      entries.push({ path, type: "dir", mode: spec.dirMode, ...owner, mtime, size: 0 });
      await walk(spec, childRelative, entries, owner, mtime, outputs);
    } else if (info.isSymbolicLink()) {
      const linkname = await readlink(hostPath);
      entries.push({ path, type: "symlink", mode: 0o777, ...owner, mtime, linkname, size: 0 });
    } else if (info.isFile()) {
      // Hard links between source files are copied as separate files: whether two host paths
      // share an inode is a fact of the checkout, not of the content.
      entries.push(
        fileEntry(
          path,
          hostPath,
          info.size,
          spec.mode ?? normalisedFileMode(info.mode),
          owner,
          mtime,
        ),
      );
    } else {
      throw new ImgcError(
        `${hostPath} is a socket, FIFO or device; only files, folders and symlinks can be copied`,
        {
          hint: "add it to the copy's exclude list",
        },
      );
    }
  }
}
