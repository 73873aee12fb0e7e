// Paths of .deb tar members: normalised, checked against hostile input, and moved to the
// merged-/usr layout.

/** Top-level folders that are symlinks into /usr on a merged-/usr system. */
export const mergedUsrDirs: ReadonlySet<string> = new Set([
  "bin",
  "sbin",
  "lib",
  "lib32",
  "lib64",
  "libx32",
]);

/** A path that must not be unpacked, with the reason. */
export class HostilePathError extends Error {
  override name = "HostilePathError";
}

/**
 * Normalises a tar member path: strips "./" and trailing "/", drops "." and empty segments.
 * Returns "" for the root. Throws on absolute paths, ".." segments and NUL bytes, which could
 * place files outside the image root.
 */
export function normalizeMemberPath(raw: string): string {
  if (raw.includes("\0")) throw new HostilePathError(`path ${JSON.stringify(raw)} contains NUL`);
  if (raw.startsWith("/"))
    throw new HostilePathError(`absolute path ${JSON.stringify(raw)} is not allowed in a package`);
  const segments = raw.split("/").filter((segment) => segment !== "" && segment !== ".");
  if (segments.includes("..")) {
    throw new HostilePathError(`path ${JSON.stringify(raw)} contains a ".." segment`);
  }
  return segments.join("/");
}

/**
 * Returns where `path` goes on a merged-/usr system: `bin/ls` becomes `usr/bin/ls`. Returns
 * undefined for the top-level names themselves (a package's `bin` folder, or base-files' `bin`
 * symlink), because imgc creates those links itself and no package may replace them.
 */
export function mergeUsrPath(path: string): string | undefined {
  const slash = path.indexOf("/");
  const top = slash < 0 ? path : path.slice(0, slash);
  if (!mergedUsrDirs.has(top)) return path;
  if (slash < 0) return undefined;
  return `usr/${path}`;
}
