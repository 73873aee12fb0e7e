// A filesystem entry as the layer writer takes it. Every stage that contributes files (Debian
// packages, the user's files, generated files, base layers) produces these.

/** Where a regular file's bytes come from. */
export type ContentSource =
  | { kind: "bytes"; data: Uint8Array }
  /** A byte range of a file on disk, such as a cached package's data or a user's source file. */
  | { kind: "file"; path: string; offset: number; size: number };

/** Kind of a tar entry. Devices and FIFOs are not produced by imgc. */
export type EntryType = "file" | "dir" | "symlink" | "hardlink";

/** One path in a layer. */
export interface LayerEntry {
  /** Path inside the image, relative, `/`-separated, without a leading `/`, `./` or trailing `/`. */
  path: string;
  type: EntryType;
  /** Permission bits including setuid, setgid and sticky (`0o7777` at most). */
  mode: number;
  uid: number;
  gid: number;
  /** Modification time in whole seconds since the epoch. */
  mtime: number;
  /** Symlink target (any string), or for a hardlink the layer-relative path of its target. */
  linkname?: string;
  /** Size of a regular file's content in bytes; 0 for other types. */
  size: number;
  /** Content of a regular file; absent for other types and for empty files. */
  content?: ContentSource;
  /**
   * sha256 (hex) of the content when the producer already knows it. The layer cache keys on it;
   * the writer hashes the content itself when it is absent.
   */
  contentSha256?: string;
}
