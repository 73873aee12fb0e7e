// Loads a suite's package index from a Debian mirror: InRelease verified with OpenPGP, then each
// Packages file checked against the Release hashes. Nothing unverified is used.

import { createReadStream } from "node:fs";
import { mkdir, readFile, rename, rm } from "node:fs/promises";
import { join } from "node:path";

import { ImgcError, VerificationError } from "../../util/errors.js";
import { sha256File, sha256Hex } from "../../util/digest.js";
import { temporarySibling, writeFileAtomic } from "../../util/fs.js";
import { fetchBytes, fetchToFile } from "../../util/http.js";
import { type Reporter, silentReporter } from "../../util/reporter.js";
import { ControlParser } from "./control.js";
import { type Compression, decompressStream } from "./decompress.js";
import { verifyClearsigned } from "./openpgp-verify.js";
import { buildDebianIndex, type DebianIndex, toPackageRecord } from "./package-index.js";
import { checkRelease, parseRelease, type ReleaseEntry, type ReleaseFile } from "./release.js";
import type { PackageRecord } from "./types.js";

export type { DebianIndex, Provider } from "./package-index.js";

/** Options of loadDebianIndex: the archive, suite and architecture, and the cache folder. */
export interface DebianIndexOptions {
  /** Archive URL, such as `http://mirror.example/debian`. */
  mirror: string;
  suite: string;
  components: readonly string[];
  architecture: string;
  keyringPath: string;
  /** imgc's cache folder. Verified Packages files go to `blobs/sha256/<hex>` under it. */
  cacheDir: string;
  reporter?: Reporter;
  /** The time that signatures and `Valid-Until` are checked against. Default: now. */
  now?: Date;
}

/** Index names in order of preference, with their compression. */
const packagesFiles: readonly [string, Compression][] = [
  ["Packages.xz", "xz"],
  ["Packages.gz", "gzip"],
  ["Packages", "none"],
];

/** Returns the path of a verified blob in the cache. */
export function blobPath(cacheDir: string, sha256: string): string {
  return join(cacheDir, "blobs", "sha256", sha256);
}

async function fetchRelease(
  options: DebianIndexOptions,
): Promise<{ release: ReleaseFile; url: string; sha256: string }> {
  const url = `${options.mirror}/dists/${options.suite}/InRelease`;
  const bytes = await fetchBytes(url, { reporter: options.reporter });
  const now = options.now ?? new Date();
  const signed = Buffer.from(bytes).toString("utf8");
  const verified = await verifyClearsigned(signed, options.keyringPath, url, now);
  options.reporter?.debug(`debian: ${url} signed by ${verified.signers.join(", ")}`);

  const release = parseRelease(verified.text, url);
  checkRelease(release, options.suite, url, now);
  return { release, url, sha256: sha256Hex(bytes) };
}

function findPackagesEntry(
  release: ReleaseFile,
  component: string,
  architecture: string,
  releaseUrl: string,
): [ReleaseEntry, Compression] {
  if (release.components.length > 0 && !release.components.includes(component)) {
    throw new ImgcError(
      `component ${JSON.stringify(component)} is not in ${releaseUrl} ` +
        `(it has ${release.components.join(", ")})`,
      { hint: "fix `components` in debian({...})" },
    );
  }
  if (release.architectures.length > 0 && !release.architectures.includes(architecture)) {
    throw new ImgcError(
      `architecture ${architecture} is not in ${releaseUrl} ` +
        `(it has ${release.architectures.join(", ")})`,
      { hint: "remove the platform from `platforms`, or use a suite that builds it" },
    );
  }
  // NOTE: a separate binary-all index is not read. Debian's archive lists `all` packages in
  // every binary-<arch> index (its Release has `No-Support-for-Architecture-all: Packages`),
  // but a third-party repository that keeps them only in binary-all would lose them.
  for (const [name, compression] of packagesFiles) {
    const entry = release.sha256.get(`${component}/binary-${architecture}/${name}`);
    if (entry) return [entry, compression];
  }
  throw new ImgcError(
    `${releaseUrl} lists no Packages index for ${component}/binary-${architecture}`,
  );
}

function packagesUrl(
  options: DebianIndexOptions,
  release: ReleaseFile,
  entry: ReleaseEntry,
): string {
  const base = `${options.mirror}/dists/${options.suite}`;
  if (!release.acquireByHash) return `${base}/${entry.path}`;
  // By-hash paths never change content, so a mirror update between fetching InRelease and the
  // index cannot hand out a Packages file that does not match the Release just verified.
  const folder = entry.path.slice(0, entry.path.lastIndexOf("/"));
  return `${base}/${folder}/by-hash/SHA256/${entry.sha256}`;
}

async function isCachedBlob(path: string, entry: ReleaseEntry): Promise<boolean> {
  try {
    const { hex, size } = await sha256File(path);
    return hex === entry.sha256 && size === entry.size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw error;
  }
}

/** Returns the cache path of a verified copy of the index `entry`, downloading it if needed. */
async function fetchPackagesFile(
  options: DebianIndexOptions,
  release: ReleaseFile,
  entry: ReleaseEntry,
): Promise<string> {
  const target = blobPath(options.cacheDir, entry.sha256);
  if (await isCachedBlob(target, entry)) return target;

  const url = packagesUrl(options, release, entry);
  await mkdir(join(options.cacheDir, "blobs", "sha256"), { recursive: true });
  const temporary = temporarySibling(target, "download");
  // The Release file gives the size, so a mirror that sends more is stopped at that size.
  const downloaded = await fetchToFile(url, temporary, entry.size, { reporter: options.reporter });
  if (downloaded.sha256 !== entry.sha256 || downloaded.size !== entry.size) {
    await rm(temporary, { force: true });
    throw new VerificationError(
      `${options.mirror}/dists/${options.suite}/${entry.path}`,
      `expected sha256 ${entry.sha256} and ${entry.size} bytes as the Release file says, ` +
        `got sha256 ${downloaded.sha256} and ${downloaded.size} bytes from ${url}`,
      { hint: "the mirror may be in the middle of an update; retry, or use another mirror" },
    );
  }
  await rename(temporary, target);
  options.reporter?.debug(`debian: downloaded ${url} (${downloaded.size} bytes)`);
  return target;
}

/** Streams a (verified) Packages file through decompression and the deb822 parser. */
async function readPackagesFile(
  path: string,
  compression: Compression,
  source: string,
): Promise<PackageRecord[]> {
  const records: PackageRecord[] = [];
  const parser = new ControlParser(source);
  const decoder = new TextDecoder("utf-8");
  const stream = decompressStream(createReadStream(path, { highWaterMark: 1 << 20 }), compression);
  try {
    for await (const chunk of stream) {
      const text = decoder.decode(chunk as Uint8Array, { stream: true });
      for (const paragraph of parser.push(text)) records.push(toPackageRecord(paragraph, source));
    }
  } catch (error) {
    if (error instanceof ImgcError) throw error;
    throw new ImgcError(`decompressing ${source} (cached at ${path}) failed`, { cause: error });
  }
  for (const paragraph of parser.push(decoder.decode()))
    records.push(toPackageRecord(paragraph, source));
  for (const paragraph of parser.end()) records.push(toPackageRecord(paragraph, source));
  return records;
}

/** Version of the parsed-records cache. Changing it makes imgc parse Packages files again. */
const parsedFormat = 1;

async function readParsedRecords(path: string): Promise<PackageRecord[] | undefined> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  const cached = JSON.parse(text) as { format: number; records: PackageRecord[] };
  return cached.format === parsedFormat ? cached.records : undefined;
}

/**
 * Returns the records of the index file `entry`. Parsing trixie's main/amd64 index (56 MB
 * uncompressed) takes about 3 s and reading the parsed records back about 0.4 s, so the records
 * are cached under `debian-index/<sha256>.json`, keyed by the hash the Release file gives.
 */
async function loadPackagesRecords(
  options: DebianIndexOptions,
  release: ReleaseFile,
  entry: ReleaseEntry,
  compression: Compression,
): Promise<PackageRecord[]> {
  const cachePath = join(options.cacheDir, "debian-index", `${entry.sha256}.json`);
  const cached = await readParsedRecords(cachePath);
  if (cached) return cached;

  const path = await fetchPackagesFile(options, release, entry);
  const source = `${options.mirror}/dists/${options.suite}/${entry.path}`;
  const records = await readPackagesFile(path, compression, source);
  await writeFileAtomic(cachePath, JSON.stringify({ format: parsedFormat, records }));
  return records;
}

/**
 * Loads the package index of `suite` for `architecture` from `mirror`: verifies InRelease
 * with the keyring, then fetches (or takes from the cache) each component's Packages file,
 * checks its size and sha256 against the Release file, and parses it.
 */
export async function loadDebianIndex(request: DebianIndexOptions): Promise<DebianIndex> {
  const options = { ...request, mirror: request.mirror.replace(/\/+$/, "") };
  const reporter = options.reporter ?? silentReporter;
  const { release, url, sha256 } = await fetchRelease(options);

  const records: PackageRecord[] = [];
  for (const component of options.components) {
    const [entry, compression] = findPackagesEntry(release, component, options.architecture, url);
    const componentRecords = await loadPackagesRecords(options, release, entry, compression);
    for (const record of componentRecords) records.push(record);
  }

  const index = buildDebianIndex(
    { mirror: options.mirror, suite: options.suite, date: release.date, sha256 },
    options.architecture,
    records,
  );
  reporter.info(
    `debian: ${options.suite} ${options.architecture}: ${index.packages.length} packages ` +
      `(Release of ${release.date})`,
  );
  return index;
}
