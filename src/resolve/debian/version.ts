// Debian version comparison and package relationships (Depends, Provides, Conflicts, ...), with
// the semantics of dpkg: deb-version(7) and deb-control(5).

import { ImgcError } from "../../util/errors.js";

/** A version split into its parts: `[epoch:]upstream[-revision]`. */
export interface DebianVersion {
  epoch: number;
  upstream: string;
  /** Empty when the version has no revision. dpkg compares "" and "0" as equal. */
  revision: string;
}

/** A relation operator. The obsolete `<` and `>` are read as `<=` and `>=`, as dpkg does. */
export type RelationOperator = "<<" | "<=" | "=" | ">=" | ">>";

/** One package in a relationship field, such as `libc6:any (>= 2.34) [amd64] <!nocheck>`. */
export interface Relation {
  name: string;
  /** Architecture qualifier after ":", such as `any` or `native`, or absent when not written. */
  archQualifier?: string;
  operator?: RelationOperator;
  version?: string;
  /** Architecture restriction list (`[amd64 !i386]`), as written. */
  architectures?: readonly string[];
  /** Build profile formula (`<!nocheck> <stage1 cross>`): a list of groups of terms. */
  profiles?: readonly (readonly string[])[];
}

/** Alternatives separated by "|": any one of them satisfies the dependency. */
export type Dependency = readonly Relation[];

/** Splits a version into epoch, upstream version and revision, and rejects malformed versions. */
export function parseVersion(text: string): DebianVersion {
  const version = text.trim();
  const colon = version.indexOf(":");
  const epochText = colon >= 0 ? version.slice(0, colon) : "0";
  const rest = colon >= 0 ? version.slice(colon + 1) : version;
  const hyphen = rest.lastIndexOf("-");
  const upstream = hyphen >= 0 ? rest.slice(0, hyphen) : rest;
  const revision = hyphen >= 0 ? rest.slice(hyphen + 1) : "";
  if (!/^\d{1,9}$/.test(epochText) || upstream === "" || /\s/.test(version)) {
    throw new ImgcError(`invalid Debian version ${JSON.stringify(text)}`);
  }
  return { epoch: Number(epochText), upstream, revision };
}

// dpkg stores epochs as a C int.
const maxEpoch = 2 ** 31 - 1;

/**
 * Returns why `text` is not a valid Debian version, or undefined when it is one. The checks and
 * messages are those of dpkg's parseversion (lib/dpkg/parsehelp.c). dpkg only warns about a
 * bad character or a first character that is not a digit when it reads its own database, but
 * rejects them in a package's control file, and so does this function. parseVersion, which
 * comparisons use, stays lenient, as `dpkg --compare-versions` only warns about them.
 */
export function invalidVersionReason(text: string): string | undefined {
  const version = text.trim();
  if (version === "") return "version string is empty";
  if (/\s/.test(version)) return "version string has embedded spaces";
  const colon = version.indexOf(":");
  if (colon >= 0) {
    const epochText = version.slice(0, colon);
    if (epochText === "") return "epoch in version is empty";
    if (!/^\d+$/.test(epochText)) return "epoch in version is not number";
    if (Number(epochText) > maxEpoch) return "epoch in version is too big";
    if (colon === version.length - 1) return "nothing after colon in version number";
  }
  const rest = version.slice(colon + 1);
  const hyphen = rest.lastIndexOf("-");
  const upstream = hyphen >= 0 ? rest.slice(0, hyphen) : rest;
  const revision = hyphen >= 0 ? rest.slice(hyphen + 1) : "";
  if (hyphen >= 0 && revision === "") return "revision number is empty";
  if (upstream === "") return "version number is empty";
  if (!isDigit(upstream.charCodeAt(0))) return "version number does not start with digit";
  if (!/^[A-Za-z0-9.+~:-]*$/.test(upstream)) return "invalid character in version number";
  if (!/^[A-Za-z0-9.+~]*$/.test(revision)) return "invalid character in revision number";
  return undefined;
}

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

function isLetter(code: number): boolean {
  return (code >= 65 && code <= 90) || (code >= 97 && code <= 122);
}

/** Returns the sort weight of a non-digit: "~" first, then the end of the string, letters, others. */
function order(text: string, index: number): number {
  if (index >= text.length) return 0;
  const code = text.charCodeAt(index);
  if (isDigit(code)) return 0;
  if (isLetter(code)) return code;
  if (code === 126) return -1;
  return code + 256;
}

/** Compares two upstream versions or two revisions the way dpkg's verrevcmp does. */
function compareFragments(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    let firstDifference = 0;
    while (
      (i < a.length && !isDigit(a.charCodeAt(i))) ||
      (j < b.length && !isDigit(b.charCodeAt(j)))
    ) {
      const difference = order(a, i) - order(b, j);
      if (difference !== 0) return difference;
      i++;
      j++;
    }
    while (a.charCodeAt(i) === 48) i++;
    while (b.charCodeAt(j) === 48) j++;
    while (isDigit(a.charCodeAt(i)) && isDigit(b.charCodeAt(j))) {
      if (firstDifference === 0) firstDifference = a.charCodeAt(i) - b.charCodeAt(j);
      i++;
      j++;
    }
    if (isDigit(a.charCodeAt(i))) return 1;
    if (isDigit(b.charCodeAt(j))) return -1;
    if (firstDifference !== 0) return firstDifference;
  }
  return 0;
}

/** Compares two Debian versions: negative when `a` sorts before `b`, 0 when equal, else positive. */
export function compareVersions(a: string, b: string): number {
  const left = parseVersion(a);
  const right = parseVersion(b);
  if (left.epoch !== right.epoch) return left.epoch - right.epoch;
  return (
    compareFragments(left.upstream, right.upstream) ||
    compareFragments(left.revision, right.revision)
  );
}

/** Returns true when comparing `version` with `constraint` satisfies `operator`. */
export function versionSatisfies(
  version: string,
  operator: RelationOperator,
  constraint: string,
): boolean {
  const comparison = compareVersions(version, constraint);
  switch (operator) {
    case "<<":
      return comparison < 0;
    case "<=":
      return comparison <= 0;
    case "=":
      return comparison === 0;
    case ">=":
      return comparison >= 0;
    case ">>":
      return comparison > 0;
  }
}

/** Returns true when a package at `version` meets the version constraint of `relation`. */
export function satisfies(version: string, relation: Relation): boolean {
  if (!relation.operator || relation.version === undefined) return true;
  return versionSatisfies(version, relation.operator, relation.version);
}

const relationPattern =
  /^([A-Za-z0-9][A-Za-z0-9+.-]*)(?::([a-z0-9-]+))?\s*(?:\(\s*(<<|<=|>=|>>|=|<|>)\s*([^\s)]+)\s*\))?\s*(?:\[([^\]]*)\])?\s*((?:<[^>]*>\s*)*)$/;

function parseOperator(text: string): RelationOperator {
  if (text === "<") return "<=";
  if (text === ">") return ">=";
  return text as RelationOperator;
}

function parseRelation(text: string, field: string): Relation {
  const match = relationPattern.exec(text);
  if (!match?.[1]) {
    throw new ImgcError(
      `invalid package relation ${JSON.stringify(text)} in ${JSON.stringify(field)}`,
    );
  }
  const [, name, archQualifier, operator, version, architectures, profiles] = match;
  const relation: Relation = { name };
  if (archQualifier) relation.archQualifier = archQualifier;
  if (operator && version) {
    relation.operator = parseOperator(operator);
    relation.version = version;
  }
  if (architectures !== undefined) relation.architectures = architectures.trim().split(/\s+/);
  if (profiles) relation.profiles = parseProfiles(profiles);
  return relation;
}

function parseProfiles(text: string): string[][] {
  return [...text.matchAll(/<([^>]*)>/g)].map((group) => (group[1] ?? "").trim().split(/\s+/));
}

/** Parses a relationship field (Depends, Pre-Depends, Provides, Conflicts, Breaks). */
export function parseRelations(field: string): Dependency[] {
  const dependencies: Dependency[] = [];
  for (const part of field.split(",")) {
    const text = part.trim();
    if (text === "") continue;
    dependencies.push(
      text.split("|").map((alternative) => parseRelation(alternative.trim(), field)),
    );
  }
  return dependencies;
}

/** Returns true when an architecture restriction token such as `amd64` or `linux-any` matches. */
function architectureMatches(token: string, architecture: string): boolean {
  return (
    token === architecture ||
    token === "any" ||
    token === "linux-any" ||
    token === `any-${architecture}` ||
    token === `linux-${architecture}`
  );
}

/**
 * Returns true when `relation` applies on `architecture` with no build profile active, which
 * is the case when installing binary packages.
 */
export function relationApplies(relation: Relation, architecture: string): boolean {
  if (relation.architectures && relation.architectures.length > 0) {
    const negated = relation.architectures.filter((token) => token.startsWith("!"));
    const positive = relation.architectures.filter((token) => !token.startsWith("!"));
    if (negated.some((token) => architectureMatches(token.slice(1), architecture))) return false;
    if (
      positive.length > 0 &&
      !positive.some((token) => architectureMatches(token, architecture))
    ) {
      return false;
    }
  }
  if (relation.profiles && relation.profiles.length > 0) {
    // With no profile active, a term `!name` is true and a term `name` is false.
    return relation.profiles.some((group) => group.every((term) => term.startsWith("!")));
  }
  return true;
}

/** Formats a relation as it is written in a control file, without restrictions. */
export function formatRelation(relation: Relation): string {
  const qualifier = relation.archQualifier ? `:${relation.archQualifier}` : "";
  const constraint = relation.operator ? ` (${relation.operator} ${relation.version})` : "";
  return `${relation.name}${qualifier}${constraint}`;
}

/** Formats a dependency with its alternatives, such as `debconf (>= 0.5) | debconf-2.0`. */
export function formatDependency(dependency: Dependency): string {
  return dependency.map(formatRelation).join(" | ");
}
