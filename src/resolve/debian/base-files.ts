// The effects of base-files' postinst on a fresh install, reproduced as layer entries: default
// dotfiles and /etc/profile, the standard empty folders, and the /var/run → /run links. Checked
// against the postinst of base-files 13.8 (trixie).

import type { LayerEntry } from "../../build/layer-entry.js";
import type { UnpackedDeb } from "./types.js";

/** Groups that base-files' folders and files belong to, with Debian's fixed gids (base-passwd). */
export const baseFilesGroups = [
  { name: "mail", gid: 8 },
  { name: "utmp", gid: 43 },
] as const;

const copiedDefaults: [from: string, to: string][] = [
  ["dot.profile", "root/.profile"],
  ["dot.bashrc", "root/.bashrc"],
  ["profile", "etc/profile"],
  ["motd", "etc/motd"],
];

const directories: [path: string, mode: number, gid: number][] = [
  ["mnt", 0o755, 0],
  ["srv", 0o755, 0],
  ["opt", 0o755, 0],
  ["etc/opt", 0o755, 0],
  ["var/opt", 0o755, 0],
  ["media", 0o755, 0],
  ["var/mail", 0o2775, 8],
  ["run/lock", 0o1777, 0],
  ["usr/local", 0o755, 0],
  ["usr/local/share", 0o755, 0],
  ["usr/local/share/man", 0o755, 0],
  ["usr/local/bin", 0o755, 0],
  ["usr/local/games", 0o755, 0],
  ["usr/local/lib", 0o755, 0],
  ["usr/local/libexec", 0o755, 0],
  ["usr/local/include", 0o755, 0],
  ["usr/local/sbin", 0o755, 0],
  ["usr/local/src", 0o755, 0],
  ["usr/local/etc", 0o755, 0],
];

const symlinks: [path: string, target: string][] = [
  ["var/spool/mail", "../mail"],
  // migrate_directory turns these package folders into links.
  ["var/run", "/run"],
  ["var/lock", "/run/lock"],
  ["usr/local/man", "share/man"],
  ["etc/dpkg/origins/default", "debian"],
];

const emptyFiles: [path: string, mode: number][] = [
  ["var/log/wtmp", 0o664],
  ["var/log/btmp", 0o660],
  ["var/log/lastlog", 0o664],
];

/**
 * Returns the entries base-files' postinst would create, given the unpacked package. `present`
 * returns whether a path already exists in the package set, because postinst only creates what is
 * missing. Paths it replaces (var/run, var/lock) are returned as symlinks; the caller's later
 * layer hides the package's folders.
 */
export function baseFilesEffects(
  unpacked: UnpackedDeb,
  present: (path: string) => boolean,
  mtime: number,
): LayerEntry[] {
  const byPath = new Map(unpacked.entries.map((e) => [e.path, e]));
  const result: LayerEntry[] = [];
  for (const [from, to] of copiedDefaults) {
    const source = byPath.get(`usr/share/base-files/${from}`);
    if (!source || source.type !== "file" || present(to)) continue;
    // `cp -p` keeps the source's mode and mtime.
    result.push({
      path: to,
      type: "file",
      mode: source.mode,
      uid: 0,
      gid: 0,
      mtime: source.mtime,
      size: source.size,
      ...(source.size > 0
        ? {
            content: {
              kind: "file" as const,
              path: unpacked.dataPath,
              offset: source.offset,
              size: source.size,
            },
          }
        : {}),
    });
  }
  const info = byPath.get("usr/share/base-files/info.dir");
  if (info && byPath.has("usr/share/info") && !present("usr/share/info/dir")) {
    result.push({
      path: "usr/share/info/dir",
      type: "file",
      mode: 0o644,
      uid: 0,
      gid: 0,
      mtime: info.mtime,
      size: info.size,
      content: { kind: "file", path: unpacked.dataPath, offset: info.offset, size: info.size },
    });
  }
  for (const [path, mode, gid] of directories) {
    if (!present(path)) result.push({ path, type: "dir", mode, uid: 0, gid, mtime, size: 0 });
  }
  for (const [path, target] of symlinks) {
    const existing = byPath.get(path);
    if (existing?.type === "symlink") continue;
    result.push({
      path,
      type: "symlink",
      mode: 0o777,
      uid: 0,
      gid: 0,
      mtime,
      linkname: target,
      size: 0,
    });
  }
  for (const [path, mode] of emptyFiles) {
    if (!present(path)) result.push({ path, type: "file", mode, uid: 0, gid: 43, mtime, size: 0 });
  }
  return result;
}
