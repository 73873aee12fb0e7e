// Which packages satisfy a relation: by name and version, by Provides, and by architecture, as
// dpkg decides it.

import type { Provider } from "./package-index.js";
import type { PackageRecord } from "./types.js";
import { type Relation, satisfies, versionSatisfies } from "./version.js";
import { compareCodeUnits } from "./sort-order.js";

/** The kind of field a relation comes from. Conflicts and Breaks match any architecture. */
export type RelationKind = "depends" | "conflicts";

/**
 * Returns true when `record`'s architecture and Multi-Arch value meet the architecture
 * qualifier of `relation`, with the rules of dpkg's deparchsatisfied. An unqualified relation
 * accepts Multi-Arch `foreign` packages and packages of the native architecture (or `all`).
 * `:any` needs Multi-Arch `allowed`, and `:native` or `:<arch>` need that architecture.
 */
export function architectureSatisfies(
  record: PackageRecord,
  relation: Relation,
  architecture: string,
  kind: RelationKind,
): boolean {
  const qualifier = relation.archQualifier;
  if (qualifier === undefined && record.multiArch === "foreign") return true;
  if (qualifier === "any" && (record.multiArch === "allowed" || kind === "conflicts")) return true;
  const expected = qualifier === undefined || qualifier === "native" ? architecture : qualifier;
  const actual = record.architecture === "all" ? architecture : record.architecture;
  return expected === actual;
}

/** Returns true when the real package `record` satisfies `relation`. */
export function recordSatisfies(
  record: PackageRecord,
  relation: Relation,
  architecture: string,
  kind: RelationKind = "depends",
): boolean {
  return (
    record.name === relation.name &&
    satisfies(record.version, relation) &&
    architectureSatisfies(record, relation, architecture, kind)
  );
}

/**
 * Returns true when `provider` satisfies `relation` through its Provides field. A versioned
 * relation needs a versioned Provides entry (`Provides: foo (= 1.0)`) whose version satisfies it.
 */
export function providerSatisfies(
  provider: Provider,
  relation: Relation,
  architecture: string,
  kind: RelationKind = "depends",
): boolean {
  if (relation.operator && relation.version !== undefined) {
    if (provider.version === undefined) return false;
    if (!versionSatisfies(provider.version, relation.operator, relation.version)) return false;
  }
  return architectureSatisfies(provider.record, relation, architecture, kind);
}

const priorityRank: Record<string, number> = {
  required: 0,
  important: 1,
  standard: 2,
  optional: 3,
  extra: 4,
};

/** Orders providers of a virtual package: highest Priority first, then by name. */
export function compareProviders(a: PackageRecord, b: PackageRecord): number {
  const rankA = priorityRank[a.priority] ?? 5;
  const rankB = priorityRank[b.priority] ?? 5;
  if (rankA !== rankB) return rankA - rankB;
  return compareCodeUnits(a.name, b.name);
}
