// The cache entry of an unpacked package, `<cacheDir>/debs/<sha256>/`: control.json (control
// fields, md5sums, conffiles, scripts), entries.json (the data archive's entries), data.bin
// (every regular file's bytes back to back), and sha256sums over those three, in the format
// `sha256sum -c` reads. A damaged or edited entry fails the check and is unpacked again from
// the verified .deb, so it never reaches an image.

import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";

import { sha256File, sha256Hex } from "../../util/digest.js";
import { ImgcError } from "../../util/errors.js";
import type { DebEntry, UnpackedDeb } from "./types.js";

/** Version of the cache layout under `debs/`. Changing it makes imgc unpack every package again. */
export const cacheFormat = 2;

/** The content of control.json. */
export interface CachedControl {
  format: number;
  sha256: string;
  control: [string, string][];
  md5sums: string | undefined;
  conffiles: string | undefined;
  scripts: Record<string, string>;
  newestMtime: number;
}

/** The outcome of looking up a cache entry. */
export type CacheLookup =
  | { state: "hit"; unpacked: UnpackedDeb }
  /** No entry, or one in an older format. */
  | { state: "missing" }
  /** An entry whose files do not match its sha256sums. */
  | { state: "damaged"; reason: string };

const sumsFile = "sha256sums";
const checkedFiles = ["control.json", "data.bin", "entries.json"];

/** Writes control.json, entries.json and sha256sums into `dir`, beside its finished data.bin. */
export async function writeUnpackedCache(
  dir: string,
  control: CachedControl,
  entries: readonly DebEntry[],
  dataSha256: string,
): Promise<void> {
  const controlJson = JSON.stringify(control);
  const entriesJson = JSON.stringify(entries);
  await writeFile(join(dir, "entries.json"), entriesJson);
  await writeFile(join(dir, "control.json"), controlJson);
  const sums = new Map([
    ["control.json", sha256Hex(controlJson)],
    ["data.bin", dataSha256],
    ["entries.json", sha256Hex(entriesJson)],
  ]);
  const text = checkedFiles.map((name) => `${sums.get(name)}  ${name}\n`).join("");
  await writeFile(join(dir, sumsFile), text);
}

function parseSums(text: string): Map<string, string> | undefined {
  const sums = new Map<string, string>();
  for (const line of text.split("\n")) {
    if (line === "") continue;
    const match = /^([0-9a-f]{64}) {2}(\S+)$/.exec(line);
    if (!match?.[1] || !match[2]) return undefined;
    sums.set(match[2], match[1]);
  }
  const complete = sums.size === checkedFiles.length && checkedFiles.every((n) => sums.has(n));
  return complete ? sums : undefined;
}

async function readOptional(path: string): Promise<Buffer | undefined> {
  try {
    return await readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new ImgcError(`reading the cached package file ${path} failed`, {
      cause: error,
      hint: `delete ${path} and build again`,
    });
  }
}

/**
 * Looks up the cache entry in `dir` for the .deb with sha256 `debSha256`, checking control.json
 * and entries.json against sha256sums, and data.bin too when `verifyData` is set. Skip that
 * only for an entry this process has just written.
 */
export async function readUnpackedCache(
  dir: string,
  debSha256: string,
  options: { verifyData: boolean },
): Promise<CacheLookup> {
  const sumsText = await readOptional(join(dir, sumsFile));
  // Entries of format 1 have no sha256sums, and are unpacked again like a missing one.
  if (sumsText === undefined) return { state: "missing" };
  const sums = parseSums(sumsText.toString("utf8"));
  if (!sums) return { state: "damaged", reason: `${sumsFile} is malformed` };

  const texts = new Map<string, string>();
  for (const name of ["control.json", "entries.json"]) {
    const data = await readOptional(join(dir, name));
    if (data === undefined) return { state: "damaged", reason: `${name} is missing` };
    if (sha256Hex(data) !== sums.get(name)) {
      return { state: "damaged", reason: `${name} does not match its sha256` };
    }
    texts.set(name, data.toString("utf8"));
  }
  const dataPath = join(dir, "data.bin");
  if (options.verifyData) {
    const actual = await sha256File(dataPath).catch((error: unknown) => {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw new ImgcError(`reading the cached package file ${dataPath} failed`, { cause: error });
    });
    if (actual === undefined) return { state: "damaged", reason: "data.bin is missing" };
    if (actual.hex !== sums.get("data.bin")) {
      return { state: "damaged", reason: "data.bin does not match its sha256" };
    }
  }

  let cached: CachedControl;
  let entries: DebEntry[];
  try {
    cached = JSON.parse(texts.get("control.json") ?? "") as CachedControl;
    entries = JSON.parse(texts.get("entries.json") ?? "") as DebEntry[];
  } catch (error) {
    // The files match sha256sums, so sha256sums was rewritten along with them.
    return { state: "damaged", reason: `invalid JSON (${(error as Error).message})` };
  }
  if (cached.format !== cacheFormat) return { state: "missing" };
  if (cached.sha256 !== debSha256) {
    return { state: "damaged", reason: `control.json is for the .deb ${cached.sha256}` };
  }
  const { format: _format, ...rest } = cached;
  return { state: "hit", unpacked: { ...rest, entries, dataPath } };
}
