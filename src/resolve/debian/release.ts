// The Release file of a suite: its fields and the hashes of its index files.

import { VerificationError } from "../../util/errors.js";
import { fieldMap, parseControl, valueLines } from "./control.js";

/** An index file listed in a Release file. */
export interface ReleaseEntry {
  /** Path relative to `dists/<suite>/`, such as `main/binary-amd64/Packages.xz`. */
  path: string;
  sha256: string;
  size: number;
}

/** The fields of a Release file that imgc uses. */
export interface ReleaseFile {
  suite: string;
  codename: string;
  /** The `Date:` field, verbatim. */
  date: string;
  /** The `Valid-Until:` field, verbatim, when present. */
  validUntil: string | undefined;
  acquireByHash: boolean;
  architectures: string[];
  components: string[];
  /** The SHA256 list, keyed by path. */
  sha256: ReadonlyMap<string, ReleaseEntry>;
}

function parseSha256List(value: string, file: string): Map<string, ReleaseEntry> {
  const entries = new Map<string, ReleaseEntry>();
  for (const line of valueLines(value)) {
    const [sha256, size, path] = line.split(/\s+/);
    if (!sha256 || !/^[0-9a-f]{64}$/.test(sha256) || !path || !/^\d+$/.test(size ?? "")) {
      throw new VerificationError(file, `invalid SHA256 line ${JSON.stringify(line)}`);
    }
    entries.set(path, { path, sha256, size: Number(size) });
  }
  return entries;
}

/** Parses the (already verified) text of a Release file. */
export function parseRelease(text: string, file: string): ReleaseFile {
  const [paragraph] = parseControl(text, file);
  const fields = fieldMap(paragraph ?? []);
  const date = fields.get("date");
  const sha256 = fields.get("sha256");
  if (!date || !sha256) {
    throw new VerificationError(file, "the Release file has no Date or no SHA256 field");
  }
  const words = (name: string) => (fields.get(name) ?? "").split(/\s+/).filter(Boolean);
  return {
    suite: fields.get("suite") ?? "",
    codename: fields.get("codename") ?? "",
    date,
    validUntil: fields.get("valid-until"),
    acquireByHash: (fields.get("acquire-by-hash") ?? "").toLowerCase() === "yes",
    architectures: words("architectures"),
    components: words("components"),
    sha256: parseSha256List(sha256, file),
  };
}

/**
 * Checks that a verified Release file belongs to `suite` and has not expired at `now`. A
 * signed Release of another suite, or an old one replayed after its `Valid-Until`, would
 * otherwise pass the signature check.
 */
export function checkRelease(release: ReleaseFile, suite: string, file: string, now: Date): void {
  if (release.suite !== suite && release.codename !== suite) {
    throw new VerificationError(
      file,
      `the Release file is for suite ${JSON.stringify(release.suite)} ` +
        `(codename ${JSON.stringify(release.codename)}), not ${JSON.stringify(suite)}`,
    );
  }
  if (release.validUntil === undefined) return;
  const validUntil = Date.parse(release.validUntil);
  if (Number.isNaN(validUntil)) {
    throw new VerificationError(file, `invalid Valid-Until ${JSON.stringify(release.validUntil)}`);
  }
  if (validUntil < now.getTime()) {
    throw new VerificationError(file, `the Release file expired on ${release.validUntil}`, {
      hint: "the mirror is out of date; use another mirror, or check the system clock",
    });
  }
}
