// Package records read from a Packages index, and the lookup maps the resolver uses.

import { ImgcError } from "../../util/errors.js";
import { type ControlParagraph, fieldMap } from "./control.js";
import type { PackageRecord, ReleasePin } from "./types.js";
import { compareVersions, invalidVersionReason, parseRelations } from "./version.js";

/** A package that provides a (virtual) name, at a version when the Provides entry has one. */
export interface Provider {
  record: PackageRecord;
  version: string | undefined;
}

/** The packages of one suite and architecture, verified, with lookup maps. */
export interface DebianIndex {
  release: ReleasePin;
  architecture: string;
  /** Records in index order, of `architecture` and of `all`. */
  packages: readonly PackageRecord[];
  /** Records by package name, highest version first. */
  byName: ReadonlyMap<string, readonly PackageRecord[]>;
  /** Packages by the names they provide, in index order. */
  providers: ReadonlyMap<string, readonly Provider[]>;
}

/** Splits `Source: glibc (2.41-12)` into the source name and version. */
function parseSource(value: string | undefined, name: string, version: string): [string, string] {
  if (!value) return [name, version];
  const match = /^(\S+)(?:\s*\(([^)]+)\))?$/.exec(value.trim());
  return [match?.[1] ?? name, match?.[2]?.trim() ?? version];
}

function requiredField(fields: Map<string, string>, name: string, source: string): string {
  const value = fields.get(name.toLowerCase());
  if (value === undefined || value === "") {
    const pkg = fields.get("package") ?? "(unnamed)";
    throw new ImgcError(`package ${pkg} in ${source} has no ${name} field`, {
      hint: "the mirror's index is malformed; try another mirror",
    });
  }
  return value;
}

function integerField(fields: Map<string, string>, name: string, source: string): number {
  const text = requiredField(fields, name, source);
  if (!/^\d+$/.test(text)) {
    throw new ImgcError(
      `package ${fields.get("package")} in ${source} has an invalid ${name}: ${text}`,
    );
  }
  return Number(text);
}

/** Converts a stanza of a Packages index into a record. */
export function toPackageRecord(paragraph: ControlParagraph, source: string): PackageRecord {
  const fields = fieldMap(paragraph);
  const name = requiredField(fields, "Package", source);
  const version = requiredField(fields, "Version", source);
  // The version goes into the lock and the image's dpkg status file, so one that dpkg would
  // reject in a package's control file is rejected here too.
  const versionProblem = invalidVersionReason(version);
  if (versionProblem !== undefined) {
    throw new ImgcError(
      `package ${name} in ${source} has an invalid Version ${JSON.stringify(version)}: ` +
        versionProblem,
      { hint: "the mirror's index is malformed; try another mirror" },
    );
  }
  const [sourceName, sourceVersion] = parseSource(fields.get("source"), name, version);
  const sha256 = requiredField(fields, "SHA256", source);
  if (!/^[0-9a-f]{64}$/.test(sha256)) {
    throw new ImgcError(`package ${name} in ${source} has an invalid SHA256: ${sha256}`);
  }
  return {
    name,
    version,
    architecture: requiredField(fields, "Architecture", source),
    multiArch: fields.get("multi-arch") ?? "no",
    source: sourceName,
    sourceVersion,
    depends: fields.get("depends") ?? "",
    preDepends: fields.get("pre-depends") ?? "",
    provides: fields.get("provides") ?? "",
    conflicts: fields.get("conflicts") ?? "",
    breaks: fields.get("breaks") ?? "",
    essential: (fields.get("essential") ?? "").toLowerCase() === "yes",
    priority: fields.get("priority") ?? "",
    filename: requiredField(fields, "Filename", source),
    size: integerField(fields, "Size", source),
    sha256,
    installedSize: Number(fields.get("installed-size") ?? "0") || 0,
    maintainer: fields.get("maintainer") ?? "",
    description: fields.get("description") ?? "",
    homepage: fields.get("homepage") ?? "",
    section: fields.get("section") ?? "",
  };
}

function addProviders(providers: Map<string, Provider[]>, record: PackageRecord): void {
  if (record.provides === "") return;
  for (const dependency of parseRelations(record.provides)) {
    for (const relation of dependency) {
      const list = providers.get(relation.name) ?? [];
      list.push({ record, version: relation.operator === "=" ? relation.version : undefined });
      providers.set(relation.name, list);
    }
  }
}

/**
 * Builds the lookup maps over `records`. Records of other architectures are dropped, and so is
 * a repeat of the same name, version and architecture (as when two components list it).
 */
export function buildDebianIndex(
  release: ReleasePin,
  architecture: string,
  records: readonly PackageRecord[],
): DebianIndex {
  const packages: PackageRecord[] = [];
  const seen = new Set<string>();
  const byName = new Map<string, PackageRecord[]>();
  const providers = new Map<string, Provider[]>();
  for (const record of records) {
    if (record.architecture !== architecture && record.architecture !== "all") continue;
    const key = `${record.name}\0${record.version}\0${record.architecture}`;
    if (seen.has(key)) continue;
    seen.add(key);
    packages.push(record);
    const list = byName.get(record.name) ?? [];
    list.push(record);
    byName.set(record.name, list);
    addProviders(providers, record);
  }
  for (const list of byName.values()) list.sort((a, b) => compareVersions(b.version, a.version));
  return { release, architecture, packages, byName, providers };
}
