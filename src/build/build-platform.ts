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
  /** Host paths copied trees leave out: the output folder and the lock file. */
  outputs: readonly string[];
}

/** Number of packages fetched and unpacked at once. */
const fetchConcurrency = 4;

/**
 * Starts fetching and unpacking every package, `fetchConcurrency` at a time in the order given,
 * and returns a promise per package. The build awaits a layer's packages only when it gets to
 * that layer, so unpacking later packages overlaps compressing earlier layers.
 */
function startFetchAndUnpack(
  packages: readonly LockedDebianPackage[],
  mirror: string | undefined,
  options: BuildOptions,
): Map<string, Promise<InstalledPackage>> {
  const queue = [...packages];
  const waiting = new Map<
    string,
    { resolve: (p: InstalledPackage) => void; reject: (e: unknown) => void }
  >();
  const result = new Map<string, Promise<InstalledPackage>>();
  for (const pkg of packages) {
    const promise = new Promise<InstalledPackage>((resolve, reject) =>
      waiting.set(pkg.name, { resolve, reject }),
    );
    // Failures surface where the build awaits the package; this only keeps Node from calling an
    // early failure unhandled.
    promise.catch(() => undefined);
    result.set(pkg.name, promise);
  }
  const worker = async () => {
    for (let pkg = queue.shift(); pkg; pkg = queue.shift()) {
      const settle = waiting.get(pkg.name);
      try {
        const debPath = await fetchDeb(pkg, {
          cacheDir: options.cacheDir,
          reporter: options.reporter,
          ...(mirror === undefined ? {} : { mirror }),
        });
        const unpacked = await unpackDeb(debPath, pkg.sha256, {
          cacheDir: options.cacheDir,
          reporter: options.reporter,
        });
        settle?.resolve({ locked: pkg, unpacked });
      } catch (error) {
        settle?.reject(error);
        // Stop taking new packages: the build fails at the first package it awaits that failed.
        queue.length = 0;
        for (const rest of waiting.values()) rest.reject(error);
      }
    }
  };
  for (let i = 0; i < Math.min(fetchConcurrency, packages.length); i++) void worker();
  return result;
}

/** Orders packages as the plan's layers use them, so the first layer's are unpacked first. */
function inLayerOrder(
  plan: PlatformPlan,
  packages: readonly LockedDebianPackage[],
): LockedDebianPackage[] {
  const byName = new Map(packages.map((p) => [p.name, p]));
  const ordered = plan.layers.flatMap((layer) => (layer.kind === "packages" ? layer.packages : []));
  const seen = new Set(ordered);
  return [
    ...ordered.map((name) => byName.get(name)).filter((p) => p !== undefined),
    ...packages.filter((p) => !seen.has(p.name)),
  ];
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

  const unpacking = startFetchAndUnpack(
    inLayerOrder(plan, resolved.packages),
    resolved.release?.mirror,
    options,
  );
  const accounts = accountTable(spec, base?.accounts ?? {}, new Set(unpacking.keys()));
  const names = nameLookups(accounts);

  const userEntries = new Map<string, LayerEntry>();
  const writtenBy = new Map<string, number>();
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
        const pending = unpacking.get(name);
        assert(pending !== undefined, `package ${name} of the plan was never fetched`);
        lists.push(packageEntries(await pending, options.sourceDateEpoch));
      }
      entries = mergeEntries(lists);
    } else if (planned.kind === "files") {
      const lists: LayerEntry[][] = [];
      for (const index of planned.files) {
        const file = spec.files[index];
        if (!file) continue;
        const resolvedEntries = await resolveFileEntries(file, epoch, options.outputs);
        const placed = placeEntries(resolvedEntries, view);
        checkNoFolderReplaced(placed, view, index);
        checkNoPathWrittenTwice(placed, writtenBy, index);
        for (const entry of placed) userEntries.set(entry.path, entry);
        lists.push(placed);
        // The next entry of this layer must see this one's links: symlink("/bin", "usr/bin")
        // then text("/bin/tool") writes usr/bin/tool, never a path through the link.
        view.apply(placed);
      }
      entries = mergeEntries(lists);
    } else {
      const installed = await Promise.all(unpacking.values());
      const generated = [
        ...baseFilesLayerEntries(installed, view, epoch),
        ...generatedEntries(spec, accounts, installed, view, epoch, options.reporter, [
          ...userEntries.values(),
        ]),
      ];
      // What the config's files put somewhere wins over what imgc would generate there.
      entries = mergeEntries([generated.filter((e) => !userEntries.has(e.path))]);
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

  const installed = await Promise.all(unpacking.values());
  const newestPackage = Math.max(0, ...installed.map((p) => p.unpacked.newestMtime));
  return { platform: resolved.platform, layers, created: options.sourceDateEpoch ?? newestPackage };
}

/**
 * Returns base-files' postinst effects, which run after every package is unpacked, so they see
 * the whole set: postinst creates only what no package or base layer has.
 */
function baseFilesLayerEntries(
  installed: readonly InstalledPackage[],
  view: FilesystemView,
  epoch: number,
): LayerEntry[] {
  const baseFiles = installed.find((p) => p.locked.name === "base-files");
  return baseFiles ? baseFilesEffects(baseFiles.unpacked, (p) => view.has(p), epoch) : [];
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
 * Rejects two `files` entries that write the same path once links are followed, such as
 * `/bin/tool` and `/usr/bin/tool` with `/bin → usr/bin`: the check stage compares destinations
 * as written, and one of the two would silently be lost. Folders may be shared.
 */
function checkNoPathWrittenTwice(
  entries: readonly LayerEntry[],
  writtenBy: Map<string, number>,
  fileIndex: number,
): void {
  const diagnostics: Diagnostic[] = [];
  for (const entry of entries) {
    if (entry.type === "dir") continue;
    const earlier = writtenBy.get(entry.path);
    if (earlier !== undefined && earlier !== fileIndex) {
      diagnostics.push({
        code: Codes.duplicatePath,
        severity: "error",
        message: `/${entry.path} is also written by files[${earlier}]`,
        path: `files[${fileIndex}].dest`,
        fix: "give each file its own destination; links such as /bin → usr/bin make two spellings one path",
      });
    } else writtenBy.set(entry.path, fileIndex);
  }
  if (diagnostics.length > 0) throw new DiagnosticError(diagnostics);
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
