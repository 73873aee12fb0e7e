// Chooses the Debian packages an image gets: the requested names and everything they Depend or
// Pre-Depend on, one version per name, deterministically. Recommends and Suggests are ignored.
//
// NOTE: the resolver is greedy and does not backtrack. A selected version stays selected, so a
// set that apt solves by taking another alternative or an older version can end in IMGC3002.

import { Codes } from "../../diagnostics/codes.js";
import type { Diagnostic } from "../../diagnostics/diagnostic.js";
import type { DebianIndex } from "./package-index.js";
import { compareProviders, providerSatisfies, recordSatisfies } from "./relation-match.js";
import { findConflicts } from "./resolver-conflicts.js";
import { suggestNames } from "./suggest-names.js";
import type { LockedPackage, PackageRecord } from "./types.js";
import {
  type Dependency,
  formatDependency,
  parseRelations,
  type Relation,
  relationApplies,
} from "./version.js";
import { compareCodeUnits } from "./sort-order.js";

/** Options of a resolution. */
export interface ResolveOptions {
  architecture: string;
  /** Versions to keep by package name, such as the lock's pins, used when they still fit. */
  preferred?: ReadonlyMap<string, string>;
}

/** The chosen packages and the problems found on the way. */
export interface DebianResolution {
  /** Selected packages, sorted by name. */
  packages: PackageRecord[];
  diagnostics: Diagnostic[];
}

/** Why a package was selected: the user named it, or a dependency of `parent` pulled it in. */
export interface SelectionReason {
  parent: string | undefined;
  /** The dependency as written, or the requested name for a package the user named. */
  dependency: string;
  /** Index in the requested list of the name this selection descends from. */
  rootIndex: number;
}

/** Resolver state: the selection so far and why each package is in it. */
export class Resolution {
  readonly selected = new Map<string, PackageRecord>();
  readonly reasons = new Map<string, SelectionReason>();
  readonly diagnostics: Diagnostic[] = [];
  private readonly queue: PackageRecord[] = [];

  constructor(
    readonly index: DebianIndex,
    readonly architecture: string,
    private readonly preferred: ReadonlyMap<string, string>,
  ) {}

  /** Returns the chain from a requested name to `name`, such as `nodejs → libnode115 (= 20)`. */
  chainOf(name: string): string {
    const steps: string[] = [];
    let reason = this.reasons.get(name);
    while (reason) {
      steps.unshift(reason.dependency);
      reason = reason.parent === undefined ? undefined : this.reasons.get(reason.parent);
    }
    return steps.join(" → ");
  }

  select(record: PackageRecord, reason: SelectionReason): void {
    this.selected.set(record.name, record);
    this.reasons.set(record.name, reason);
    this.queue.push(record);
  }

  /** Returns the preferred version among `candidates` when it is there, else the first (highest). */
  pickVersion(name: string, candidates: readonly PackageRecord[]): PackageRecord | undefined {
    const preferred = this.preferred.get(name);
    return candidates.find((record) => record.version === preferred) ?? candidates[0];
  }

  /** Selects the dependencies of every selected package until nothing new is pulled in. */
  resolveQueue(): void {
    for (let next = this.queue.shift(); next; next = this.queue.shift()) {
      const dependencies = [...parseRelations(next.preDepends), ...parseRelations(next.depends)];
      const required = dependencies.filter((dependency) => dependency.length === 1).flat();
      for (const dependency of dependencies) this.resolveDependency(next, dependency, required);
    }
  }

  /**
   * Selects a package for one dependency of `parent`, unless a selected package or an Essential
   * one already satisfies it, and reports the dependency when nothing can.
   *
   * @param required the parent's dependencies without alternatives. A version chosen for a name
   *   must also meet the parent's other constraints on it, as in `foo (>= 1), foo (<< 2)`.
   */
  private resolveDependency(
    parent: PackageRecord,
    dependency: Dependency,
    required: readonly Relation[],
  ): void {
    const alternatives = dependency.filter((relation) =>
      relationApplies(relation, this.architecture),
    );
    if (alternatives.length === 0) return;
    if (alternatives.some((relation) => this.isSelected(relation))) return;
    // Essential packages are present on every Debian system, and a base image that needs them
    // brings them. Pulling coreutils or perl-base into a distroless image would defeat its purpose.
    if (alternatives.some((relation) => this.isEssential(relation))) return;

    const rootIndex = this.reasons.get(parent.name)?.rootIndex ?? 0;
    for (const relation of alternatives) {
      const choice = this.chooseFor(relation, required);
      if (!choice) continue;
      this.select(choice, {
        parent: parent.name,
        dependency: formatDependency(dependency),
        rootIndex,
      });
      return;
    }
    this.reportUnsatisfiable(parent, dependency, alternatives);
  }

  private isSelected(relation: Relation): boolean {
    const record = this.selected.get(relation.name);
    if (record && recordSatisfies(record, relation, this.architecture)) return true;
    const providers = this.index.providers.get(relation.name) ?? [];
    return providers.some(
      (provider) =>
        this.selected.get(provider.record.name) === provider.record &&
        providerSatisfies(provider, relation, this.architecture),
    );
  }

  private isEssential(relation: Relation): boolean {
    const records = this.index.byName.get(relation.name) ?? [];
    if (
      !this.selected.has(relation.name) &&
      records.some(
        (record) => record.essential && recordSatisfies(record, relation, this.architecture),
      )
    ) {
      return true;
    }
    const providers = this.index.providers.get(relation.name) ?? [];
    return providers.some(
      (provider) =>
        provider.record.essential &&
        !this.selected.has(provider.record.name) &&
        providerSatisfies(provider, relation, this.architecture),
    );
  }

  /**
   * Returns the package to select for `relation`: a real package of that name when one
   * satisfies it, else the best provider (highest Priority, then name).
   */
  chooseFor(relation: Relation, required: readonly Relation[] = []): PackageRecord | undefined {
    if (!this.selected.has(relation.name)) {
      const constraints = [relation, ...required.filter((other) => other.name === relation.name)];
      const records = this.index.byName.get(relation.name) ?? [];
      const real = records.filter((record) =>
        constraints.every((constraint) => recordSatisfies(record, constraint, this.architecture)),
      );
      if (real.length > 0) return this.pickVersion(relation.name, real);
    }
    const providers = (this.index.providers.get(relation.name) ?? []).filter(
      (provider) =>
        !this.selected.has(provider.record.name) &&
        providerSatisfies(provider, relation, this.architecture),
    );
    const best = [...providers].sort((a, b) => compareProviders(a.record, b.record))[0];
    if (!best) return undefined;
    const versions = this.index.byName.get(best.record.name) ?? [];
    return this.pickVersion(
      best.record.name,
      versions.filter((record) => providers.some((provider) => provider.record === record)),
    );
  }

  private describeAlternative(relation: Relation): string {
    const selected = this.selected.get(relation.name);
    if (selected) {
      return `${relation.name} ${selected.version} is already selected (${this.chainOf(relation.name)})`;
    }
    const versions = (this.index.byName.get(relation.name) ?? []).map((record) => record.version);
    if (versions.length > 0) return `${relation.name} is available only as ${versions.join(", ")}`;
    const providers = (this.index.providers.get(relation.name) ?? []).map((p) => p.record.name);
    if (providers.length > 0) {
      return `${relation.name} is provided only by ${[...new Set(providers)].join(", ")}, none of which fits`;
    }
    return `no package ${relation.name} in ${this.index.release.suite}`;
  }

  private reportUnsatisfiable(
    parent: PackageRecord,
    dependency: Dependency,
    alternatives: readonly Relation[],
  ): void {
    const reason = this.reasons.get(parent.name);
    const chain = `${this.chainOf(parent.name)} → ${formatDependency(dependency)}`;
    const details = alternatives.map((relation) => this.describeAlternative(relation)).join("; ");
    this.diagnostics.push({
      code: Codes.unsatisfiableDependency,
      severity: "error",
      message:
        `unsatisfiable dependency ${chain}: ${parent.name} ${parent.version} needs ` +
        `${formatDependency(dependency)}, and ${details}`,
      path: `packages.packages[${reason?.rootIndex ?? 0}]`,
      fix:
        "run `imgc lock --update` if the lock pins versions that no longer fit together, " +
        "or remove the package that needs it from `packages`",
    });
  }
}

function requestReal(resolution: Resolution, name: string, rootIndex: number): boolean {
  const records = resolution.index.byName.get(name) ?? [];
  const record = resolution.pickVersion(name, records);
  if (!record) return false;
  resolution.select(record, { parent: undefined, dependency: name, rootIndex });
  return true;
}

function requestVirtual(resolution: Resolution, name: string, rootIndex: number): boolean {
  if ([...resolution.selected.values()].some((record) => isProvidedBy(resolution, name, record))) {
    return true;
  }
  const record = resolution.chooseFor({ name });
  if (!record) return false;
  resolution.select(record, { parent: undefined, dependency: name, rootIndex });
  return true;
}

function isProvidedBy(resolution: Resolution, name: string, record: PackageRecord): boolean {
  const providers = resolution.index.providers.get(name) ?? [];
  return providers.some((provider) => provider.record === record);
}

function unknownPackage(index: DebianIndex, name: string, rootIndex: number): Diagnostic {
  const names = [...index.byName.keys(), ...index.providers.keys()];
  const suggestions = suggestNames(name, names);
  const where = `${index.release.suite} (${index.architecture})`;
  return {
    code: Codes.unknownPackage,
    severity: "error",
    message: `package ${JSON.stringify(name)} not found in ${where}`,
    path: `packages.packages[${rootIndex}]`,
    fix:
      suggestions.length > 0
        ? `did you mean ${suggestions.map((s) => JSON.stringify(s)).join(", ")}?`
        : "check the package name, the suite and `components` in debian({...})",
  };
}

/**
 * Resolves `requested` package names (real or virtual) against `index`: selects each one and,
 * transitively, its Depends and Pre-Depends. User mistakes come back as diagnostics: an unknown
 * name (IMGC3001), an unsatisfiable dependency (IMGC3002), conflicting packages (IMGC3003).
 */
export function resolveDebianPackages(
  index: DebianIndex,
  requested: readonly string[],
  options: ResolveOptions,
): DebianResolution {
  const resolution = new Resolution(index, options.architecture, options.preferred ?? new Map());
  const names = requested.map((name) => name.trim());

  // Real packages first, so that a virtual name the user also requested, or that a dependency
  // needs, goes to a package the user named whatever the order of the list.
  const virtual = names
    .map((name, i) => [name, i] as const)
    .filter(([name, i]) => {
      if (names.indexOf(name) !== i || resolution.selected.has(name)) return false;
      return !requestReal(resolution, name, i);
    });
  for (const [name, i] of virtual) {
    if (!requestVirtual(resolution, name, i))
      resolution.diagnostics.push(unknownPackage(index, name, i));
  }
  resolution.resolveQueue();

  const packages = [...resolution.selected.values()].sort((a, b) =>
    compareCodeUnits(a.name, b.name),
  );
  return { packages, diagnostics: [...resolution.diagnostics, ...findConflicts(resolution)] };
}

/** Returns what the lock records for a selected package downloaded from `mirror`. */
export function toLockedPackage(record: PackageRecord, mirror: string): LockedPackage {
  return {
    name: record.name,
    version: record.version,
    architecture: record.architecture,
    source: record.source,
    sourceVersion: record.sourceVersion,
    url: `${mirror.replace(/\/+$/, "")}/${record.filename}`,
    filename: record.filename,
    size: record.size,
    sha256: record.sha256,
  };
}
