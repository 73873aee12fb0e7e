// The build stage for one platform: turns each planned layer into entries (package contents,
// the user's files, generated files) and each list of entries into a layer blob.

import type { ImageSpec } from "../check/spec.js";
import { MediaTypes } from "../oci/media-types.js";
import type { Descriptor } from "../oci/types.js";
import {
  buildAccountTable,
  nameLookups,
  renderGroup,
  renderPasswd,
  renderShadow,
  type AccountTable,
} from "../plan/accounts.js";
import { FilesystemView } from "../plan/filesystem-view.js";
import { withParentDirectories } from "../plan/parents.js";
import type { PlannedLayer, PlatformPlan } from "../plan/plan-layers.js";
import { readBaseFilesystem } from "../resolve/base-image.js";
import { baseFilesEffects, baseFilesGroups } from "../resolve/debian/base-files.js";
import { fetchDeb } from "../resolve/debian/fetch-deb.js";
import {
  alternatives,
  caCertificates,
  dpkgDatabase,
  mergedUsrSkeleton,
  unreproducedScripts,
} from "../resolve/debian/install.js";
import type { UnpackedDeb } from "../resolve/debian/types.js";
import { unpackDeb } from "../resolve/debian/unpack-deb.js";
import { resolveFileEntries } from "../resolve/files.js";
import type { LockedDebianPackage } from "../resolve/lockfile.js";
import type { ResolvedPlatform } from "../resolve/resolve-inputs.js";
import type { Digest } from "../util/digest.js";
import type { Reporter } from "../util/reporter.js";
import type { LayerEntry } from "./layer-entry.js";
import { buildLayer } from "./layer-cache.js";

/** A layer of the finished image. */
export interface BuiltLayer {
  descriptor: Descriptor;
  diffId: Digest;
  /** Path of the blob on disk (the cache, or the base image's layout). */
  blobPath: string;
  /** The history line for the image config. */
  createdBy: string;
}

/** The layers of one platform and the image's creation time. */
export interface BuiltPlatform {
  platform: ResolvedPlatform["platform"];
  layers: BuiltLayer[];
  /** Seconds since the epoch for `created`: SOURCE_DATE_EPOCH, else the newest package, else 0. */
  created: number;
}

/** Options of the build stage. */
export interface BuildOptions {
  cacheDir: string;
  reporter: Reporter;
  /** SOURCE_DATE_EPOCH, when set: the mtime of generated files and a clamp on package mtimes. */
  sourceDateEpoch: number | undefined;
}

interface InstalledPackage {
  locked: LockedDebianPackage;
  unpacked: UnpackedDeb;
}

/** Number of packages fetched and unpacked at once. */
const fetchConcurrency = 4;

async function fetchAndUnpack(
  packages: readonly LockedDebianPackage[],
  options: BuildOptions,
): Promise<Map<string, InstalledPackage>> {
  const result = new Map<string, InstalledPackage>();
  const queue = [...packages];
  const worker = async () => {
    for (let pkg = queue.shift(); pkg; pkg = queue.shift()) {
      const debPath = await fetchDeb(pkg, {
        cacheDir: options.cacheDir,
        reporter: options.reporter,
      });
      const unpacked = await unpackDeb(debPath, pkg.sha256, { cacheDir: options.cacheDir });
      result.set(pkg.name, { locked: pkg, unpacked });
    }
  };
  await Promise.all(Array.from({ length: Math.min(fetchConcurrency, queue.length) }, worker));
  return result;
}

function packageEntries(installed: InstalledPackage, clamp: number | undefined): LayerEntry[] {
  const { unpacked } = installed;
  return unpacked.entries.map((e) => {
    const entry: LayerEntry = {
      path: e.path,
      type: e.type,
      mode: e.mode,
      uid: e.uid,
      gid: e.gid,
      // Package mtimes are the package's own build times, so they are already reproducible;
      // SOURCE_DATE_EPOCH, when set, caps them as reproducible-builds.org prescribes.
      mtime: clamp === undefined ? e.mtime : Math.min(e.mtime, clamp),
      size: e.size,
    };
    if (e.linkname !== undefined) entry.linkname = e.linkname;
    if (e.type === "file" && e.size > 0) {
      entry.content = { kind: "file", path: unpacked.dataPath, offset: e.offset, size: e.size };
      if (e.sha256) entry.contentSha256 = e.sha256;
    }
    return entry;
  });
}

/**
 * Merges entry lists so that each path appears once. A later list replaces an earlier one's
 * file, as unpacking in that order would; two directories keep the first one's attributes.
 */
function mergeEntries(lists: readonly (readonly LayerEntry[])[]): LayerEntry[] {
  const byPath = new Map<string, LayerEntry>();
  for (const list of lists) {
    for (const entry of list) {
      const existing = byPath.get(entry.path);
      if (existing?.type === "dir" && entry.type === "dir") continue;
      byPath.set(entry.path, entry);
    }
  }
  return [...byPath.values()];
}

function describeLayer(layer: PlannedLayer): string {
  switch (layer.kind) {
    case "base":
      return `imgc: base layer ${layer.digest}`;
    case "packages":
      return `imgc: debian packages ${layer.packages.join(" ")}`;
    case "files":
      return `imgc: files ${layer.destinations.join(" ")}`;
    case "generated":
      return `imgc: generated ${layer.contents.join(" ")}`;
  }
}

/** Builds every layer of one platform's plan. */
export async function buildPlatform(
  spec: ImageSpec,
  resolved: ResolvedPlatform,
  plan: PlatformPlan,
  options: BuildOptions,
): Promise<BuiltPlatform> {
  const architecture = resolved.platform.split("/")[1] as string;
  const epoch = options.sourceDateEpoch ?? 0;
  const base = resolved.base ? await readBaseFilesystem(resolved.base) : undefined;
  const view = base?.view ?? new FilesystemView();

  const installed = await fetchAndUnpack(resolved.packages, options);
  const accounts = accountTable(spec, base?.accounts ?? {}, installed);
  const names = nameLookups(accounts);
  const allPackagePaths = new Set(
    [...installed.values()].flatMap((p) => p.unpacked.entries.map((e) => e.path)),
  );

  const layers: BuiltLayer[] = [];
  for (const planned of plan.layers) {
    const createdBy = describeLayer(planned);
    if (planned.kind === "base") {
      const baseLayer = resolved.base?.layers.find((l) => l.descriptor.digest === planned.digest);
      if (!baseLayer)
        throw new Error(
          `internal error (this is a bug in imgc): base layer ${planned.digest} lost`,
        );
      layers.push({
        descriptor: baseLayer.descriptor,
        diffId: baseLayer.diffId,
        blobPath: baseLayer.blobPath,
        createdBy,
      });
      continue;
    }
    let entries: LayerEntry[];
    if (planned.kind === "packages") {
      const lists: LayerEntry[][] = [];
      if (planned.skeleton) lists.push(mergedUsrSkeleton(architecture, epoch));
      for (const name of planned.packages) {
        const pkg = installed.get(name);
        if (!pkg)
          throw new Error(
            `internal error (this is a bug in imgc): package ${name} was not unpacked`,
          );
        lists.push(packageEntries(pkg, options.sourceDateEpoch));
        if (name === "base-files") {
          lists.push(
            baseFilesEffects(pkg.unpacked, (p) => allPackagePaths.has(p) || view.has(p), epoch),
          );
        }
      }
      entries = mergeEntries(lists);
    } else if (planned.kind === "files") {
      const lists: LayerEntry[][] = [];
      for (const index of planned.files) {
        const file = spec.files[index];
        if (!file) continue;
        const resolvedEntries = await resolveFileEntries(file, epoch);
        // A destination under /bin must land in /usr/bin when /bin is a link, or the layer
        // would replace the link with a folder.
        lists.push(resolvedEntries.map((e) => ({ ...e, path: view.resolveParents(e.path) })));
      }
      entries = mergeEntries(lists);
    } else {
      entries = generatedEntries(
        spec,
        accounts,
        [...installed.values()],
        view,
        epoch,
        options.reporter,
      );
    }
    const complete = withParentDirectories(entries, view, epoch);
    options.reporter.info(
      `build: layer ${layers.length + 1}/${plan.layers.length}: ${createdBy.slice(6)}`,
    );
    const built = await buildLayer(complete, {
      cacheDir: options.cacheDir,
      names,
      reporter: options.reporter,
    });
    view.apply(complete);
    layers.push({
      descriptor: { mediaType: MediaTypes.layerGzip, digest: built.digest, size: built.size },
      diffId: built.diffId,
      blobPath: built.path,
      createdBy,
    });
  }

  const newestPackage = Math.max(0, ...[...installed.values()].map((p) => p.unpacked.newestMtime));
  return { platform: resolved.platform, layers, created: options.sourceDateEpoch ?? newestPackage };
}

function accountTable(
  spec: ImageSpec,
  baseAccounts: Parameters<typeof buildAccountTable>[1],
  installed: Map<string, InstalledPackage>,
): AccountTable {
  const table = buildAccountTable(spec.user, baseAccounts);
  if (installed.has("base-files")) {
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

function generatedEntries(
  spec: ImageSpec,
  accounts: AccountTable,
  packages: InstalledPackage[],
  view: FilesystemView,
  mtime: number,
  reporter: Reporter,
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
    lists.push(caCertificates(packages, mtime));
    lists.push(alternatives(packages, mtime));
    for (const warning of unreproducedScripts(packages)) reporter.warn(warning);
  }
  return mergeEntries(lists);
}
