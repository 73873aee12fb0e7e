import type { PackageRecord } from "./debian/types.js";
import { parseRelations, relationApplies, satisfies } from "./debian/version.js";

/**
 * Returns, for each selected package, the selected packages its Depends and Pre-Depends resolved
 * to: for each dependency the first alternative that a selected package satisfies, by name or
 * through Provides. Dependencies met by nothing selected (Essential packages) are left out.
 */
export function dependencyEdges(
  selected: readonly PackageRecord[],
  architecture: string,
): Map<string, string[]> {
  const byName = new Map(selected.map((p) => [p.name, p]));
  const providers = new Map<string, { name: string; version: string | undefined }[]>();
  for (const pkg of selected) {
    for (const [provided] of parseRelations(pkg.provides)) {
      if (!provided) continue;
      const list = providers.get(provided.name) ?? [];
      list.push({ name: pkg.name, version: provided.version });
      providers.set(provided.name, list);
    }
  }
  const edges = new Map<string, string[]>();
  for (const pkg of selected) {
    const targets = new Set<string>();
    for (const dependency of parseRelations(
      [pkg.preDepends, pkg.depends].filter(Boolean).join(", "),
    )) {
      for (const relation of dependency) {
        if (!relationApplies(relation, architecture)) continue;
        const real = byName.get(relation.name);
        if (real && satisfies(real.version, relation)) {
          targets.add(real.name);
          break;
        }
        const provider = (providers.get(relation.name) ?? []).find(
          (p) => !relation.operator || (p.version !== undefined && satisfies(p.version, relation)),
        );
        if (provider) {
          targets.add(provider.name);
          break;
        }
      }
    }
    targets.delete(pkg.name);
    edges.set(pkg.name, [...targets].sort());
  }
  return edges;
}
