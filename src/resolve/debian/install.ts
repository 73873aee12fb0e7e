// Installing packages without dpkg: the merged-/usr skeleton, the dpkg database that scanners
// read, and the maintainer-script effects imgc reproduces. Every function returns layer
// entries owned by root (0:0) with the given mtime.

import type { LayerEntry } from "../../build/layer-entry.js";
import { serializeControl } from "./control.js";
import type { InstalledPackage } from "./types.js";
import { compareCodeUnits } from "./sort-order.js";

export { alternatives } from "./alternatives.js";
export { caCertificates } from "./ca-certificates.js";
export { unreproducedScripts } from "./maintainer-scripts.js";

function dir(path: string, mtime: number): LayerEntry {
  return { path, type: "dir", mode: 0o755, uid: 0, gid: 0, mtime, size: 0 };
}

function symlink(path: string, target: string, mtime: number): LayerEntry {
  return { path, type: "symlink", mode: 0o777, uid: 0, gid: 0, mtime, linkname: target, size: 0 };
}

function file(path: string, text: string, mtime: number): LayerEntry {
  const data = new TextEncoder().encode(text);
  return {
    path,
    type: "file",
    mode: 0o644,
    uid: 0,
    gid: 0,
    mtime,
    size: data.length,
    content: { kind: "bytes", data },
  };
}

function byPath(a: LayerEntry, b: LayerEntry): number {
  return compareCodeUnits(a.path, b.path);
}

/**
 * Returns the merged-/usr links and folders: `bin → usr/bin`, `sbin → usr/sbin`,
 * `lib → usr/lib`, and on amd64 `lib64 → usr/lib64`, where the ELF loader lives. Debian's
 * base-files ships these links, but it is Essential and so not pulled in by dependencies,
 * and without them no binary finds its loader. Relative targets, as base-files writes them.
 */
export function mergedUsrSkeleton(architecture: string, mtime: number): LayerEntry[] {
  const names = architecture === "amd64" ? ["bin", "sbin", "lib", "lib64"] : ["bin", "sbin", "lib"];
  const entries: LayerEntry[] = [dir("usr", mtime)];
  for (const name of names) {
    entries.push(dir(`usr/${name}`, mtime));
    entries.push(symlink(name, `usr/${name}`, mtime));
  }
  return entries.sort(byPath);
}

/** Returns the package's control stanza with `Status` after `Package`, as dpkg records it. */
export function statusStanza(pkg: InstalledPackage): string {
  const fields: [string, string][] = [];
  for (const [name, value] of pkg.unpacked.control) {
    if (name.toLowerCase() === "status") continue;
    fields.push([name, value]);
    if (name.toLowerCase() === "package") fields.push(["Status", "install ok installed"]);
  }
  if (!fields.some(([name]) => name.toLowerCase() === "package")) {
    fields.unshift(["Package", pkg.locked.name], ["Status", "install ok installed"]);
  }
  return serializeControl(fields);
}

/** Returns dpkg's file list for a package: "/." and then every path, as `dpkg -L` prints it. */
function fileList(pkg: InstalledPackage): string {
  return ["/.", ...pkg.unpacked.entries.map((entry) => `/${entry.path}`)].join("\n") + "\n";
}

/**
 * Returns the dpkg database in the one-file-per-package form that distroless images use and
 * syft and trivy read: `var/lib/dpkg/status.d/<pkg>` (the control stanza with
 * `Status: install ok installed`), `status.d/<pkg>.md5sums` beside it, and
 * `var/lib/dpkg/info/<pkg>.list` (the package's paths, for trivy's file ownership).
 */
export function dpkgDatabase(packages: readonly InstalledPackage[], mtime: number): LayerEntry[] {
  const entries: LayerEntry[] = [
    dir("var", mtime),
    dir("var/lib", mtime),
    dir("var/lib/dpkg", mtime),
    dir("var/lib/dpkg/info", mtime),
    dir("var/lib/dpkg/status.d", mtime),
  ];
  for (const pkg of packages) {
    const name = pkg.locked.name;
    entries.push(file(`var/lib/dpkg/status.d/${name}`, statusStanza(pkg), mtime));
    if (pkg.unpacked.md5sums !== undefined) {
      entries.push(file(`var/lib/dpkg/status.d/${name}.md5sums`, pkg.unpacked.md5sums, mtime));
    }
    entries.push(file(`var/lib/dpkg/info/${name}.list`, fileList(pkg), mtime));
  }
  return entries.sort(byPath);
}
