// Conflicts and Breaks between selected packages. imgc reports them and does not pick a side,
// because which package to drop is the user's decision.

import { Codes } from "../../diagnostics/codes.js";
import type { Diagnostic } from "../../diagnostics/diagnostic.js";
import { providerSatisfies, recordSatisfies } from "./relation-match.js";
import type { Resolution } from "./resolver.js";
import type { PackageRecord } from "./types.js";
import { formatRelation, parseRelations, type Relation, relationApplies } from "./version.js";
import { compareCodeUnits } from "./sort-order.js";

/** Returns the selected packages that `relation`, from `owner`'s Conflicts or Breaks, matches. */
function conflictingPackages(
  resolution: Resolution,
  owner: PackageRecord,
  relation: Relation,
): PackageRecord[] {
  const hits: PackageRecord[] = [];
  const { architecture, selected } = resolution;
  const real = selected.get(relation.name);
  if (real && real !== owner && recordSatisfies(real, relation, architecture, "conflicts")) {
    hits.push(real);
  }
  for (const provider of resolution.index.providers.get(relation.name) ?? []) {
    const record = provider.record;
    // A package may conflict with a virtual name it provides itself, to be its only provider.
    if (record === owner || selected.get(record.name) !== record || hits.includes(record)) continue;
    if (providerSatisfies(provider, relation, architecture, "conflicts")) hits.push(record);
  }
  return hits;
}

function conflictDiagnostic(
  resolution: Resolution,
  owner: PackageRecord,
  other: PackageRecord,
  field: string,
  relation: Relation,
): Diagnostic {
  return {
    code: Codes.packageConflict,
    severity: "error",
    message:
      `${owner.name} ${owner.version} and ${other.name} ${other.version} cannot be installed ` +
      `together: ${owner.name} has "${field}: ${formatRelation(relation)}" ` +
      `(${owner.name} comes from ${resolution.chainOf(owner.name)}, ` +
      `${other.name} from ${resolution.chainOf(other.name)})`,
    path: `packages.packages[${resolution.reasons.get(owner.name)?.rootIndex ?? 0}]`,
    fix: `remove ${owner.name} or ${other.name}, or the package that pulls it in, from \`packages\``,
  };
}

/** Returns an IMGC3003 error for each pair of selected packages that conflict or break. */
export function findConflicts(resolution: Resolution): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  const reported = new Set<string>();
  const owners = [...resolution.selected.values()].sort((a, b) => compareCodeUnits(a.name, b.name));
  for (const owner of owners) {
    for (const [field, text] of [
      ["Conflicts", owner.conflicts],
      ["Breaks", owner.breaks],
    ] as const) {
      for (const relation of parseRelations(text).flat()) {
        if (!relationApplies(relation, resolution.architecture)) continue;
        for (const other of conflictingPackages(resolution, owner, relation)) {
          const pair = [owner.name, other.name].sort().join("\0");
          if (reported.has(pair)) continue;
          reported.add(pair);
          diagnostics.push(conflictDiagnostic(resolution, owner, other, field, relation));
        }
      }
    }
  }
  return diagnostics;
}
