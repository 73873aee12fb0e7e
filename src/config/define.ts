// The helpers a config calls. This module imports nothing else from imgc, because the config
// loader bundles it into the evaluated config.

import type {
  CopyEntry,
  CopyOptions,
  DebianPackages,
  DirEntry,
  FileOptions,
  ImageConfig,
  OciLayoutBase,
  Owner,
  SymlinkEntry,
  TextEntry,
} from "./types.js";

/** Returns the config unchanged; it exists so that editors check the object against `ImageConfig`. */
export function defineImage(config: ImageConfig): ImageConfig {
  return config;
}

/** Debian packages from a suite, with their dependencies. */
export function debian(options: Omit<DebianPackages, "kind">): DebianPackages {
  return { kind: "debian", ...options };
}

/** Copy `src` (a file or a tree, relative to the config) to the absolute path `dest`. */
export function copy(src: string, dest: string, options: CopyOptions = {}): CopyEntry {
  return { kind: "copy", src, dest, ...options };
}

/** Returns a file entry: a file at `dest` with the given content. */
export function text(dest: string, content: string, options: FileOptions = {}): TextEntry {
  return { kind: "text", dest, content, ...options };
}

/** Returns a symlink entry: a link at `dest` that points to `target`. */
export function symlink(
  dest: string,
  target: string,
  options: { owner?: Owner } = {},
): SymlinkEntry {
  return { kind: "symlink", dest, target, ...options };
}

/** Returns a directory entry: an empty directory at `dest`. */
export function dir(dest: string, options: FileOptions = {}): DirEntry {
  return { kind: "dir", dest, ...options };
}

/** Returns a base image from a local OCI layout; `tag` picks the image when it contains several. */
export function ociLayout(path: string, tag?: string): OciLayoutBase {
  return tag === undefined ? { kind: "oci-layout", path } : { kind: "oci-layout", path, tag };
}
