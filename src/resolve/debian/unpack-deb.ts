// Unpacks a verified .deb into the cache without dpkg: the control archive's metadata and
// scripts, and the data archive's entries with every file's bytes appended to one data.bin.
// Streaming throughout, so memory stays flat whatever the package size.

import { mkdir, rename, rm } from "node:fs/promises";
import { basename, join, resolve } from "node:path";
import type { Readable } from "node:stream";

import { ImgcError, VerificationError } from "../../util/errors.js";
import { temporarySibling } from "../../util/fs.js";
import { type Reporter, silentReporter } from "../../util/reporter.js";
import { readAll, readTar } from "../../util/tar-read.js";
import { ArFormatError, type ArMember, readArMember, readArMembers } from "./ar-archive.js";
import { getField, parseControl } from "./control.js";
import { HostilePathError, normalizeMemberPath } from "./deb-paths.js";
import { type DataArchiveResult, DataArchiveReader } from "./data-archive.js";
import { compressionOfName, decompressStream } from "./decompress.js";
import type { UnpackedDeb } from "./types.js";
import {
  type CachedControl,
  cacheFormat,
  readUnpackedCache,
  writeUnpackedCache,
} from "./unpacked-cache.js";
import { invalidVersionReason } from "./version.js";

/** Options of unpackDeb. */
export interface UnpackDebOptions {
  cacheDir: string;
  /** Reporter for damaged cache entries that are unpacked again. */
  reporter?: Reporter;
}

/** Maintainer scripts that imgc keeps from the control archive. */
const scriptNames = ["preinst", "postinst", "prerm", "postrm", "config", "triggers"];

/** Control archive members that imgc keeps. Each is read whole, so their size is capped. */
const keptControlMembers = new Set(["control", "md5sums", "conffiles", ...scriptNames]);
const maxControlMemberSize = 16 << 20;

/** The control archive's members that imgc keeps, as text. */
type ControlMembers = Map<string, string>;

async function readControlArchive(input: Readable, label: string): Promise<ControlMembers> {
  const members: ControlMembers = new Map();
  await readTar(input, async (header, content) => {
    const name = normalizeMemberPath(header.name);
    if (header.type !== "file" || !keptControlMembers.has(name)) return;
    if (header.size > maxControlMemberSize) {
      throw new VerificationError(label, `control member ${name} is larger than 16 MiB`);
    }
    members.set(name, (await readAll(content)).toString("utf8"));
  });
  return members;
}

function findMember(members: readonly ArMember[], base: string, label: string): ArMember {
  const member = members.find((candidate) => compressionOfName(candidate.name, base) !== undefined);
  if (!member) {
    const names = members.map((candidate) => candidate.name).join(", ");
    throw new VerificationError(label, `no supported ${base}.* member (members: ${names})`);
  }
  return member;
}

async function checkFormatVersion(path: string, members: readonly ArMember[], label: string) {
  const first = members[0];
  if (first?.name !== "debian-binary") {
    throw new VerificationError(label, "the first ar member is not debian-binary");
  }
  const chunks: Buffer[] = [];
  for await (const chunk of readArMember(path, { ...first, size: Math.min(first.size, 16) })) {
    chunks.push(chunk as Buffer);
  }
  const version = Buffer.concat(chunks).toString("latin1");
  if (!version.startsWith("2.")) {
    throw new VerificationError(label, `unsupported .deb format ${JSON.stringify(version.trim())}`);
  }
}

/**
 * Rejects a control file whose Version dpkg would reject. The status file in the image copies
 * the control file, and a locked package skips the index check that applies the same rule.
 */
function checkControlVersion(control: readonly (readonly [string, string])[], label: string) {
  const version = getField(control, "Version");
  const problem = version === undefined ? "the field is missing" : invalidVersionReason(version);
  if (problem === undefined) return;
  const name = getField(control, "Package") ?? "(unnamed)";
  throw new VerificationError(
    label,
    `the control file of package ${name} has an invalid Version ` +
      `${JSON.stringify(version ?? "")}: ${problem}`,
  );
}

function packageLabel(control: readonly (readonly [string, string])[], fallback: string): string {
  const name = getField(control, "Package");
  const version = getField(control, "Version");
  const architecture = getField(control, "Architecture");
  return name && version ? `${name}_${version}_${architecture ?? "unknown"}.deb` : fallback;
}

/**
 * Passes the decompressed content of the member `<base>.*` to `consume`, and closes the file
 * afterwards even when `consume` stops early.
 */
async function withMember<T>(
  debPath: string,
  members: readonly ArMember[],
  base: string,
  label: string,
  consume: (content: Readable) => Promise<T>,
): Promise<T> {
  const member = findMember(members, base, label);
  const raw = readArMember(debPath, member);
  try {
    return await consume(decompressStream(raw, compressionOfName(member.name, base) ?? "none"));
  } finally {
    raw.destroy();
  }
}

function keptScripts(controlFiles: ControlMembers): Record<string, string> {
  const scripts: Record<string, string> = {};
  for (const name of scriptNames) {
    const text = controlFiles.get(name);
    if (text !== undefined) scripts[name] = text;
  }
  return scripts;
}

async function unpackMembers(
  debPath: string,
  sha256: string,
  staging: string,
  labels: { current: string },
): Promise<{ control: CachedControl; data: DataArchiveResult }> {
  const members = await readArMembers(debPath);
  await checkFormatVersion(debPath, members, labels.current);

  const controlFiles = await withMember(
    debPath,
    members,
    "control.tar",
    labels.current,
    (content) => readControlArchive(content, labels.current),
  );
  const controlText = controlFiles.get("control");
  if (controlText === undefined) {
    throw new VerificationError(labels.current, "the control archive has no control file");
  }
  const [control = []] = parseControl(controlText, `${labels.current}: control`);
  checkControlVersion(control, labels.current);
  labels.current = packageLabel(control, labels.current);

  const reader = new DataArchiveReader(join(staging, "data.bin"), {
    computeMd5: !controlFiles.has("md5sums"),
  });
  const data = await withMember(debPath, members, "data.tar", labels.current, (content) =>
    reader.read(content),
  );

  const conffiles = controlFiles.get("conffiles");
  const cached: CachedControl = {
    format: cacheFormat,
    sha256,
    control: control.map(([name, value]) => [name, value]),
    md5sums: controlFiles.get("md5sums") ?? data.md5sums(conffiles),
    conffiles,
    scripts: keptScripts(controlFiles),
    newestMtime: data.newestMtime,
  };
  return { control: cached, data };
}

/** Unpacks into `staging`. A failure caused by the package is a VerificationError naming it. */
async function unpackInto(
  debPath: string,
  sha256: string,
  staging: string,
  fallbackLabel: string,
): Promise<{ control: CachedControl; data: DataArchiveResult }> {
  const labels = { current: fallbackLabel };
  try {
    return await unpackMembers(debPath, sha256, staging, labels);
  } catch (error) {
    if (error instanceof HostilePathError || error instanceof ArFormatError) {
      throw new VerificationError(labels.current, error.message, { cause: error });
    }
    if (error instanceof ImgcError) throw error;
    const reason = (error as Error).message;
    // A system error (disk full, permissions) is about this machine, not the package.
    if (
      typeof (error as NodeJS.ErrnoException).code === "string" &&
      (error as NodeJS.ErrnoException).syscall
    ) {
      throw new ImgcError(`unpacking ${labels.current} into ${staging} failed: ${reason}`, {
        cause: error,
      });
    }
    throw new VerificationError(labels.current, `unpacking failed: ${reason}`, { cause: error });
  }
}

/**
 * Unpacks the .deb at `debPath`, whose sha256 the caller has verified, into
 * `<cacheDir>/debs/<sha256>/` and returns its contents. A second call returns the cached
 * result after checking every cached file against the sha256sums written with it, and unpacks
 * again when one does not match. The folder is built under a temporary name and renamed into
 * place, so a crash never leaves a partial entry. A package with unsafe paths, device files, a
 * dangling hardlink or an invalid Version is rejected with a VerificationError naming it.
 */
export async function unpackDeb(
  debPath: string,
  sha256: string,
  options: UnpackDebOptions,
): Promise<UnpackedDeb> {
  if (!/^[0-9a-f]{64}$/.test(sha256)) {
    throw new ImgcError(`invalid sha256 ${JSON.stringify(sha256)} for ${debPath}`);
  }
  const target = resolve(options.cacheDir, "debs", sha256);
  const cached = await readUnpackedCache(target, sha256, { verifyData: true });
  if (cached.state === "hit") return cached.unpacked;
  if (cached.state === "damaged") {
    (options.reporter ?? silentReporter).info(
      `debian: the unpacked package ${target} is damaged (${cached.reason}); unpacking it again`,
    );
  }

  await mkdir(resolve(options.cacheDir, "debs"), { recursive: true });
  const staging = temporarySibling(target, "unpack");
  await mkdir(staging);
  try {
    const { control, data } = await unpackInto(debPath, sha256, staging, basename(debPath));
    await writeUnpackedCache(staging, control, data.entries, data.dataSha256);
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    throw error;
  }

  // Another process may have finished the same package meanwhile, and its result is as good.
  const raced = await readUnpackedCache(target, sha256, { verifyData: true });
  if (raced.state === "hit") {
    await rm(staging, { recursive: true, force: true });
    return raced.unpacked;
  }
  // What is left at the target is damaged or in an older cache format.
  await rm(target, { recursive: true, force: true });
  await rename(staging, target);
  // data.bin was hashed as it was written, a moment ago, so it is not read again.
  const result = await readUnpackedCache(target, sha256, { verifyData: false });
  if (result.state !== "hit") {
    throw new ImgcError(
      `the unpacked package ${target} is missing from the cache after unpacking ` +
        `(${result.state === "damaged" ? result.reason : "not found"})`,
    );
  }
  return result.unpacked;
}
