// The build stage for one platform: turns each planned layer into entries (package contents,
// the user's files, generated files) and each list of entries into a layer blob.

import type { ImageSpec } from "../check/spec.js";
import { Codes } from "../diagnostics/codes.js";
import { DiagnosticError, type Diagnostic } from "../diagnostics/diagnostic.js";
import { MediaTypes } from "../oci/media-types.js";
import type { Descriptor, ImageConfigBlob } from "../oci/types.js";
import { nameLookups } from "../plan/accounts.js";
import { FilesystemView } from "../plan/filesystem-view.js";
import { withParentDirectories } from "../plan/parents.js";
import type { PlannedLayer, PlatformPlan } from "../plan/plan-layers.js";
import { readBaseFilesystem } from "../resolve/base-image.js";
import { baseFilesEffects } from "../resolve/debian/base-files.js";
import { fetchDeb } from "../resolve/debian/fetch-deb.js";
import { mergedUsrSkeleton } from "../resolve/debian/install.js";
import type { InstalledPackage } from "../resolve/debian/types.js";
import { unpackDeb } from "../resolve/debian/unpack-deb.js";
import { resolveFileEntries } from "../resolve/files.js";
import type { LockedDebianPackage } from "../resolve/lockfile.js";
import type { ResolvedPlatform } from "../resolve/resolve-inputs.js";
import type { Digest } from "../util/digest.js";
import { assert } from "../util/errors.js";
import type { Reporter } from "../util/reporter.js";
import { accountTable, generatedEntries } from "./generated-layer.js";
import type { LayerEntry } from "./layer-entry.js";
import { mergeEntries } from "./merge-entries.js";
import { buildLayer } from "./layer-cache.js";

/** A layer of the finished image. */
export interface BuiltLayer {
  descriptor: Descriptor;
  diffId: Digest;
  /** Path of the blob on disk (the cache, or the base image's layout). */
  blobPath: string;
  /** The history line for the image config. */
  createdBy: string;
  /** When a base layer was made, from the base's history, in seconds; else the image's time. */
  created?: number;
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

  const userEntries = new Map<string, LayerEntry>();
  const layers: BuiltLayer[] = [];
  for (const planned of plan.layers) {
    const createdBy = describeLayer(planned);
    if (planned.kind === "base") {
      const at =
        resolved.base?.layers.findIndex((l) => l.descriptor.digest === planned.digest) ?? -1;
      const baseLayer = resolved.base?.layers[at];
      assert(
        baseLayer !== undefined,
        `base layer ${planned.digest} is missing from the resolved base`,
      );
      layers.push({
        descriptor: baseLayer.descriptor,
        diffId: baseLayer.diffId,
        blobPath: baseLayer.blobPath,
        ...baseHistory(resolved.base?.config.history, at, createdBy),
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
        const placed = placeEntries(resolvedEntries, view);
        checkNoFolderReplaced(placed, view, index);
        for (const entry of placed) userEntries.set(entry.path, entry);
        lists.push(placed);
      }
      entries = mergeEntries(lists);
    } else {
      // What the config's files put somewhere wins over what imgc would generate there.
      const generated = generatedEntries(
        spec,
        accounts,
        [...installed.values()],
        view,
        epoch,
        options.reporter,
        [...userEntries.values()],
      );
      entries = generated.filter((e) => !userEntries.has(e.path));
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

/**
 * Returns the history of the base's `index`-th layer: the base's own line (history entries that
 * made no layer are skipped when pairing), or imgc's description when the base has none.
 */
function baseHistory(
  history: ImageConfigBlob["history"],
  index: number,
  fallback: string,
): { createdBy: string; created?: number } {
  const entry = (history ?? []).filter((h) => !h.empty_layer)[index];
  if (!entry) return { createdBy: fallback };
  const seconds =
    entry.created === undefined ? Number.NaN : Math.floor(Date.parse(entry.created) / 1000);
  return {
    createdBy: entry.created_by ?? fallback,
    ...(Number.isSafeInteger(seconds) && seconds >= 0 ? { created: seconds } : {}),
  };
}

/**
 * Moves entries through the symlinks of the layers below: a destination under /bin lands in
 * /usr/bin when /bin links there, or the layer would replace the link with a folder. A folder
 * entry whose path is already a link to a folder is dropped, because its children land in the
 * link's target.
 */
function placeEntries(entries: readonly LayerEntry[], view: FilesystemView): LayerEntry[] {
  const placed: LayerEntry[] = [];
  for (const entry of entries) {
    const path = view.resolveParents(entry.path);
    if (entry.type === "dir" && view.get(path)?.type === "symlink") {
      const target = view.resolveParents(`${path}/.`).slice(0, -2);
      if (target !== path && view.get(target)?.type === "dir") continue;
    }
    placed.push({ ...entry, path });
  }
  return placed;
}

/**
 * Rejects a file entry that would replace a folder of the layers below (or a folder entry that
 * would replace a file): the runtime would delete the whole folder, such as every program in
 * /usr/bin, which is never what a config means.
 */
function checkNoFolderReplaced(
  entries: readonly LayerEntry[],
  view: FilesystemView,
  fileIndex: number,
): void {
  const diagnostics: Diagnostic[] = [];
  for (const entry of entries) {
    const below = view.get(entry.path);
    if (!below || (below.type === "dir") === (entry.type === "dir")) continue;
    const what =
      below.type === "dir" ? "a folder" : below.type === "symlink" ? "a symlink" : "a file";
    diagnostics.push({
      code: Codes.replacesFolder,
      severity: "error",
      message: `/${entry.path} is ${what} in the layers below, and this ${entry.type === "dir" ? "folder" : "entry"} would replace it`,
      path: `files[${fileIndex}].dest`,
      fix:
        below.type === "dir"
          ? `put the file inside the folder, such as /${entry.path}/<name>`
          : `choose another destination; /${entry.path} already exists`,
    });
  }
  if (diagnostics.length > 0) throw new DiagnosticError(diagnostics);
}
