// The generated layer's contents: account files, the home folder, the working directory, /tmp,
// and the dpkg database and maintainer-script effects of the installed packages.

import { closeSync, openSync, readSync } from "node:fs";

import type { ImageSpec } from "../check/spec.js";
import {
  buildAccountTable,
  renderGroup,
  renderPasswd,
  renderShadow,
  type AccountTable,
  type BaseAccountFiles,
} from "../plan/accounts.js";
import type { FilesystemView } from "../plan/filesystem-view.js";
import { baseFilesGroups } from "../resolve/debian/base-files.js";
import {
  alternatives,
  caCertificates,
  dpkgDatabase,
  unreproducedScripts,
} from "../resolve/debian/install.js";
import type { LocalCertificate } from "../resolve/debian/ca-certificates.js";
import type { InstalledPackage } from "../resolve/debian/types.js";
import type { Reporter } from "../util/reporter.js";
import type { LayerEntry } from "./layer-entry.js";
import { mergeEntries } from "./merge-entries.js";

/** Builds the account table, with the groups base-files' files belong to when it is installed. */
export function accountTable(
  spec: ImageSpec,
  baseAccounts: BaseAccountFiles,
  packageNames: ReadonlySet<string>,
): AccountTable {
  const table = buildAccountTable(spec.user, baseAccounts);
  if (packageNames.has("base-files")) {
    const groups = table.groups as { name: string; gid: number; members: string[] }[];
    for (const group of baseFilesGroups) {
      if (!groups.some((g) => g.gid === group.gid || g.name === group.name)) {
        groups.push({ name: group.name, gid: group.gid, members: [] });
      }
    }
    groups.sort((a, b) => a.gid - b.gid);
  }
  return table;
}

function textEntry(path: string, content: string, mode: number, mtime: number): LayerEntry {
  const data = new TextEncoder().encode(content);
  return {
    path,
    type: "file",
    mode,
    uid: 0,
    gid: 0,
    mtime,
    size: data.length,
    content: { kind: "bytes", data },
  };
}

const localCertificatesDir = "usr/local/share/ca-certificates/";

/** Reads the certificates the config's files put under /usr/local/share/ca-certificates. */
function localCertificates(entries: readonly LayerEntry[]): LocalCertificate[] {
  return entries
    .filter(
      (e) =>
        e.type === "file" && e.path.startsWith(localCertificatesDir) && e.path.endsWith(".crt"),
    )
    .map((e) => ({
      name: e.path.slice(localCertificatesDir.length),
      content: readEntryContent(e),
    }));
}

/** Reads a regular file entry's content; certificates are small, so whole reads are fine. */
function readEntryContent(entry: LayerEntry): Uint8Array {
  const source = entry.content;
  if (source === undefined) return new Uint8Array();
  if (source.kind === "bytes") return source.data;
  const buffer = Buffer.alloc(source.size);
  const fd = openSync(source.path, "r");
  try {
    readSync(fd, buffer, 0, source.size, source.offset);
  } finally {
    closeSync(fd);
  }
  return buffer;
}

/** Returns the entries of the generated layer. */
export function generatedEntries(
  spec: ImageSpec,
  accounts: AccountTable,
  packages: readonly InstalledPackage[],
  view: FilesystemView,
  mtime: number,
  reporter: Reporter,
  /** Entries the config's files put in the image, for the certificates they add. */
  userEntries: readonly LayerEntry[],
): LayerEntry[] {
  const lists: LayerEntry[][] = [];
  if (spec.user || packages.length > 0) {
    lists.push([
      textEntry("etc/passwd", renderPasswd(accounts), 0o644, mtime),
      textEntry("etc/group", renderGroup(accounts), 0o644, mtime),
      // Debian's /etc/shadow is 0640 root:shadow; with no shadow group here, 0600 root.
      textEntry("etc/shadow", renderShadow(accounts), 0o600, mtime),
    ]);
  }
  if (spec.user) {
    const home = spec.user.home.slice(1);
    lists.push([
      {
        path: home,
        type: "dir",
        mode: 0o700,
        uid: spec.user.uid,
        gid: spec.user.gid,
        mtime,
        size: 0,
      },
    ]);
  }
  if (spec.workdir) {
    const workdir = view.resolveParents(spec.workdir.slice(1));
    if (!view.has(workdir))
      lists.push([{ path: workdir, type: "dir", mode: 0o755, uid: 0, gid: 0, mtime, size: 0 }]);
  }
  if ((spec.user || packages.length > 0) && !view.has("tmp")) {
    lists.push([{ path: "tmp", type: "dir", mode: 0o1777, uid: 0, gid: 0, mtime, size: 0 }]);
  }
  if (packages.length > 0) {
    lists.push(dpkgDatabase(packages, mtime));
    lists.push(caCertificates(packages, mtime, localCertificates(userEntries)));
    lists.push(alternatives(packages, mtime));
    for (const warning of unreproducedScripts(packages)) reporter.warn(warning);
  }
  return mergeEntries(lists);
}
