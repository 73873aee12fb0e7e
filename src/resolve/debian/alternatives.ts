// The links that `update-alternatives --install` calls in postinst scripts would create:
// `<link> → /etc/alternatives/<name> → <path>`, the highest priority winning, as in auto mode.

import type { LayerEntry } from "../../build/layer-entry.js";
import { mergeUsrPath } from "./deb-paths.js";
import { listCommands } from "./shell-commands.js";
import type { InstalledPackage } from "./types.js";
import { compareCodeUnits } from "./sort-order.js";

/** A link group member: the link, the alternative's name and the file it points to. */
interface LinkSpec {
  link: string;
  name: string;
  path: string;
}

/** One `update-alternatives --install` call. */
export interface AlternativeInstall extends LinkSpec {
  priority: number;
  slaves: LinkSpec[];
  /** The package whose postinst makes the call. */
  packageName: string;
}

/**
 * Returns the `--install` calls of a postinst script whose arguments are all literal. Calls
 * built from variables cannot be reproduced, so the IMGC3004 warning reports them.
 */
export function parseAlternativeInstalls(
  script: string,
  packageName: string,
): AlternativeInstall[] {
  const installs: AlternativeInstall[] = [];
  for (const command of listCommands(script)) {
    const words = command.words;
    const at = words.indexOf("--install");
    if (words[0] !== "update-alternatives" || at < 0 || command.dynamic.some(Boolean)) continue;
    const [link, name, path, priority] = words.slice(at + 1, at + 5);
    if (!link || !name || !path || !/^-?\d+$/.test(priority ?? "")) continue;
    const slaves: LinkSpec[] = [];
    for (let i = at + 5; i + 3 < words.length && words[i] === "--slave"; i += 4) {
      const [slaveLink, slaveName, slavePath] = words.slice(i + 1, i + 4);
      if (slaveLink && slaveName && slavePath) {
        slaves.push({ link: slaveLink, name: slaveName, path: slavePath });
      }
    }
    installs.push({ link, name, path, priority: Number(priority), slaves, packageName });
  }
  return installs;
}

/** Returns where an absolute path of the image lands in a layer, merged-/usr applied. */
function layerPath(absolute: string): string | undefined {
  const relative = absolute.replace(/^\/+/, "");
  return relative === "" ? undefined : mergeUsrPath(relative);
}

function symlink(path: string, target: string, mtime: number): LayerEntry {
  return { path, type: "symlink", mode: 0o777, uid: 0, gid: 0, mtime, linkname: target, size: 0 };
}

/** Picks the winner of each alternative name: highest priority, then the lowest path. */
function chooseWinners(installs: readonly AlternativeInstall[]): AlternativeInstall[] {
  const winners = new Map<string, AlternativeInstall>();
  for (const install of installs) {
    const current = winners.get(install.name);
    const better =
      !current ||
      install.priority > current.priority ||
      (install.priority === current.priority && install.path < current.path);
    if (better) winners.set(install.name, install);
  }
  return [...winners.values()].sort((a, b) => compareCodeUnits(a.name, b.name));
}

/**
 * Returns the symlinks of the alternatives that the packages' postinst scripts install. Like
 * update-alternatives, it skips a group whose target file no package ships, a slave whose
 * target is missing, and a link where a package already ships a file or folder.
 */
export function alternatives(packages: readonly InstalledPackage[], mtime: number): LayerEntry[] {
  const shipped = new Map<string, string>();
  for (const { unpacked } of packages) {
    for (const entry of unpacked.entries) shipped.set(entry.path, entry.type);
  }
  const exists = (absolute: string) => shipped.has(layerPath(absolute) ?? "");
  const canLink = (absolute: string) => {
    const path = layerPath(absolute);
    const type = path === undefined ? "dir" : shipped.get(path);
    return path !== undefined && (type === undefined || type === "symlink");
  };

  const installs = packages.flatMap(({ locked, unpacked }) =>
    parseAlternativeInstalls(unpacked.scripts.postinst ?? "", locked.name),
  );
  const entries: LayerEntry[] = [];
  for (const winner of chooseWinners(installs)) {
    if (!exists(winner.path) || !canLink(winner.link)) continue;
    for (const member of [winner, ...winner.slaves.filter((slave) => exists(slave.path))]) {
      if (!canLink(member.link)) continue;
      // update-alternatives writes absolute targets, through /etc/alternatives so that a later
      // `update-alternatives --set` changes one link.
      entries.push(
        symlink(layerPath(member.link) as string, `/etc/alternatives/${member.name}`, mtime),
      );
      entries.push(symlink(`etc/alternatives/${member.name}`, member.path, mtime));
    }
  }
  if (entries.length === 0) return [];
  // NOTE: the admin files in /var/lib/dpkg/alternatives/ are not written, so
  // `update-alternatives --display` inside the image does not know these groups.
  entries.push({
    path: "etc/alternatives",
    type: "dir",
    mode: 0o755,
    uid: 0,
    gid: 0,
    mtime,
    size: 0,
  });
  return entries.sort((a, b) => compareCodeUnits(a.path, b.path));
}
