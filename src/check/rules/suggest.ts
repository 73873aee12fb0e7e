// "Did you mean" suggestions for misspelt keys and values. fastest-levenshtein is imported only
// here.

import { closest, distance } from "fastest-levenshtein";

/**
 * Returns the candidate closest to `input` when it is close enough to be a plausible typo. That
 * is a change in case only, or an edit distance of at most a third of the input's length. The
 * limit is at least 2, so that short names still get suggestions.
 */
export function suggest(input: string, candidates: readonly string[]): string | undefined {
  if (candidates.length === 0) {
    return undefined;
  }
  const lower = input.toLowerCase();
  const sameLetters = candidates.find((candidate) => candidate.toLowerCase() === lower);
  if (sameLetters !== undefined) {
    return sameLetters;
  }
  const lowerCandidates = candidates.map((candidate) => candidate.toLowerCase());
  const best = closest(lower, lowerCandidates);
  const limit = Math.max(2, Math.floor(input.length / 3));
  if (distance(lower, best) > limit) {
    return undefined;
  }
  return candidates[lowerCandidates.indexOf(best)];
}

/** Formats a suggestion as the start of a fix: `Did you mean "name"? ` or nothing. */
export function didYouMean(input: string, candidates: readonly string[]): string {
  const suggestion = suggest(input, candidates);
  return suggestion === undefined ? "" : `Did you mean ${JSON.stringify(suggestion)}? `;
}
