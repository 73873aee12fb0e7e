// The layer plan: which layers an image has and what goes in each, decided from the resolved
// inputs alone. Pure: no I/O, so `imgc plan` can print it and tests can compare it whole.
//
// Order, stable before volatile: base layers, Debian packages (most depended-on first),
// the user's files in config order, and last one layer of generated files (accounts, dpkg
// database, CA bundle), which changes whenever anything above it does.

import type { FileSpec, ImageSpec } from "../check/spec.js";
import type { Platform } from "../config/types.js";
import { compareCodeUnits } from "../resolve/debian/sort-order.js";
import type { LockedDebianPackage } from "../resolve/lockfile.js";
import type { Digest } from "../util/digest.js";

/**
 * Package layers at most. Packages are grouped by source package; beyond this many groups the
 * smallest neighbours merge. Ten keeps pulls parallel without the per-layer overhead of dozens.
 */
export const packageLayerBudget = 10;

/** One layer of the plan. */
export type PlannedLayer =
  | { kind: "base"; digest: Digest; diffId: Digest; size: number; mediaType: string }
  | {
      kind: "packages";
      /** Package names in this layer, sorted. */
      packages: string[];
      /** Source package names, sorted. */
      sources: string[];
      /** Sum of the .deb sizes, in bytes. */
      downloadSize: number;
      /** Whether the merged-/usr symlinks (`bin → usr/bin`, …) go in this layer. */
      skeleton: boolean;
    }
  | {
      kind: "files";
      /** Indexes into the config's `files`. */ files: number[];
      destinations: string[];
    }
  | { kind: "generated"; contents: string[] };

/** The plan of one platform. */
export interface PlatformPlan {
  platform: Platform;
  packages: readonly LockedDebianPackage[];
  layers: PlannedLayer[];
}

/** Inputs of the planner for one platform. */
export interface PlanInputs {
  spec: ImageSpec;
  platform: Platform;
  baseLayers: readonly { digest: Digest; diffId: Digest; size: number; mediaType: string }[];
  packages: readonly LockedDebianPackage[];
}

interface PackageGroup {
  packages: LockedDebianPackage[];
  sources: Set<string>;
  size: number;
}

/**
 * Orders source groups from the most depended-on to the least, so that the packages that change
 * least sit lowest and images that share them share a prefix of layers. Runtimes deduplicate
 * layers by chain ID, which depends on every layer below. base-files goes first: nothing
 * depends on it, but it is the root of the filesystem. Ties are broken by name.
 */
function orderGroups(
  groups: Map<string, PackageGroup>,
  packages: readonly LockedDebianPackage[],
): PackageGroup[] {
  const sourceOf = new Map(packages.map((p) => [p.name, p.source]));
  const dependents = new Map<string, Set<string>>();
  for (const pkg of packages) {
    for (const dep of pkg.dependsOn) {
      const depSource = sourceOf.get(dep);
      if (depSource === undefined || depSource === pkg.source) continue;
      const set = dependents.get(depSource) ?? new Set<string>();
      set.add(pkg.source);
      dependents.set(depSource, set);
    }
  }
  const reach = (source: string): number => {
    const seen = new Set<string>();
    const stack = [source];
    for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
      for (const dependent of dependents.get(next) ?? []) {
        if (!seen.has(dependent) && dependent !== source) {
          seen.add(dependent);
          stack.push(dependent);
        }
      }
    }
    return seen.size;
  };
  const rank = new Map(
    [...groups.keys()].map((source) => [
      source,
      source === "base-files" ? Infinity : reach(source),
    ]),
  );
  return [...groups.keys()]
    .sort((a, b) => (rank.get(b) as number) - (rank.get(a) as number) || compareCodeUnits(a, b))
    .map((source) => groups.get(source) as PackageGroup);
}

/** Merges neighbouring groups, smallest pair first, until at most `budget` remain. */
function fitBudget(groups: PackageGroup[], budget: number): PackageGroup[] {
  const result = [...groups];
  while (result.length > budget) {
    let best = 0;
    for (let i = 1; i < result.length - 1; i++) {
      const size = (result[i] as PackageGroup).size + (result[i + 1] as PackageGroup).size;
      const bestSize =
        (result[best] as PackageGroup).size + (result[best + 1] as PackageGroup).size;
      if (size < bestSize) best = i;
    }
    const [a, b] = result.slice(best, best + 2) as [PackageGroup, PackageGroup];
    result.splice(best, 2, {
      packages: [...a.packages, ...b.packages],
      sources: new Set([...a.sources, ...b.sources]),
      size: a.size + b.size,
    });
  }
  return result;
}

function planPackageLayers(packages: readonly LockedDebianPackage[]): PlannedLayer[] {
  if (packages.length === 0) return [];
  const groups = new Map<string, PackageGroup>();
  for (const pkg of packages) {
    const group = groups.get(pkg.source) ?? {
      packages: [],
      sources: new Set([pkg.source]),
      size: 0,
    };
    group.packages.push(pkg);
    group.size += pkg.size;
    groups.set(pkg.source, group);
  }
  return fitBudget(orderGroups(groups, packages), packageLayerBudget).map((group, i) => ({
    kind: "packages",
    packages: group.packages.map((p) => p.name).sort(compareCodeUnits),
    sources: [...group.sources].sort(compareCodeUnits),
    downloadSize: group.size,
    skeleton: i === 0,
  }));
}

/** Returns the absolute form of a relative image path: `srv/www` → `/srv/www`, the root "." → `/`. */
function absoluteImagePath(dest: string): string {
  return dest === "." ? "/" : `/${dest}`;
}

/** Plans the file layers: each `copy` gets its own, and consecutive small entries share one. */
function planFileLayers(files: readonly FileSpec[]): PlannedLayer[] {
  const layers: PlannedLayer[] = [];
  let pending: number[] = [];
  const flush = () => {
    if (pending.length === 0) return;
    const destinations = pending.map((i) => absoluteImagePath(files[i]?.dest ?? ""));
    layers.push({ kind: "files", files: pending, destinations });
    pending = [];
  };
  files.forEach((file, i) => {
    if (file.kind === "copy") {
      flush();
      layers.push({ kind: "files", files: [i], destinations: [absoluteImagePath(file.dest)] });
    } else pending.push(i);
  });
  flush();
  return layers;
}

function generatedContents(spec: ImageSpec, packages: readonly LockedDebianPackage[]): string[] {
  const contents: string[] = [];
  if (spec.user || packages.length > 0) contents.push("/etc/passwd", "/etc/group", "/etc/shadow");
  if (spec.user) contents.push(spec.user.home);
  // The working directory is generated only when no file entry creates it or something in it.
  const workdir = spec.workdir?.slice(1);
  if (workdir && !spec.files.some((f) => f.dest === workdir || f.dest.startsWith(`${workdir}/`))) {
    contents.push(`/${workdir}`);
  }
  if (packages.length > 0) contents.push("/var/lib/dpkg/status.d/");
  if (packages.some((p) => p.name === "ca-certificates"))
    contents.push("/etc/ssl/certs/ca-certificates.crt");
  return contents;
}

/** Plans the layers of one platform. */
export function planLayers(inputs: PlanInputs): PlatformPlan {
  const layers: PlannedLayer[] = [
    ...inputs.baseLayers.map((l) => ({ kind: "base" as const, ...l })),
    ...planPackageLayers(inputs.packages),
    ...planFileLayers(inputs.spec.files),
  ];
  const contents = generatedContents(inputs.spec, inputs.packages);
  if (contents.length > 0) layers.push({ kind: "generated", contents });
  return { platform: inputs.platform, packages: inputs.packages, layers };
}
