// "Did you mean" suggestions for a package or suite name that the archive does not have.

import { distance } from "fastest-levenshtein";
import { compareCodeUnits } from "./sort-order.js";

/**
 * Returns up to `limit` names from `candidates` that are close to `name` in edit distance,
 * closest first and then by name. Names further than a third of the length (at least 2 edits)
 * are left out.
 */
export function suggestNames(name: string, candidates: Iterable<string>, limit = 3): string[] {
  const maxDistance = Math.max(2, Math.floor(name.length / 3));
  const scored = new Map<string, number>();
  for (const candidate of candidates) {
    if (Math.abs(candidate.length - name.length) > maxDistance) continue;
    const edits = distance(name, candidate);
    if (edits <= maxDistance) scored.set(candidate, edits);
  }
  return [...scored]
    .sort(([a, editsA], [b, editsB]) => editsA - editsB || compareCodeUnits(a, b))
    .slice(0, limit)
    .map(([candidate]) => candidate);
}
