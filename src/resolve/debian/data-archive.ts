// Reads a package's data.tar: records each entry with its normalised, merged-/usr path and
// appends every regular file's bytes to one data file, hashing them on the way.

import { createHash, type Hash } from "node:crypto";
import { createWriteStream, type WriteStream } from "node:fs";
import { once } from "node:events";
import type { Readable } from "node:stream";

import { assert } from "../../util/errors.js";
import { readTar, type TarEntryHeader } from "../../util/tar-read.js";
import { HostilePathError, mergeUsrPath, normalizeMemberPath } from "./deb-paths.js";
import type { DebEntry } from "./types.js";

/** The result of reading a data archive. */
export interface DataArchiveResult {
  /** Entries in archive order, without the root and the merged-/usr top-level names. */
  entries: DebEntry[];
  newestMtime: number;
  /** sha256 (hex) of the whole data file. */
  dataSha256: string;
  /**
   * Returns an md5sums file (`<md5>  <path>` per line) for the regular files that are not
   * listed in `conffiles`, as dh_md5sums writes it. Returns undefined when md5s were not
   * computed or the package has no regular files.
   */
  md5sums(conffiles: string | undefined): string | undefined;
}

const entryTypes: Record<string, DebEntry["type"] | undefined> = {
  file: "file",
  "contiguous-file": "file",
  directory: "dir",
  symlink: "symlink",
  link: "hardlink",
};

/** Reads one data archive into a data file. Each reader reads one archive. */
export class DataArchiveReader {
  private readonly entries: DebEntry[] = [];
  private readonly indexByPath = new Map<string, number>();
  private readonly md5ByPath = new Map<string, string>();
  private readonly regularFiles = new Set<string>();
  private offset = 0;
  private readonly dataHash = createHash("sha256");
  private newestMtime = 0;
  private output: WriteStream | undefined;
  private writeError: Error | undefined;

  /** @param dataPath the file that receives the regular files' bytes */
  constructor(
    private readonly dataPath: string,
    private readonly options: { computeMd5: boolean },
  ) {}

  /** Reads the tar stream `input` and returns its entries. */
  async read(input: Readable): Promise<DataArchiveResult> {
    const output = createWriteStream(this.dataPath);
    this.output = output;
    // Keeps a write error (such as a full disk) until the next write or the end checks it.
    output.on("error", (error) => (this.writeError = error));
    try {
      await readTar(input, (header, content) => this.readEntry(header, content));
      await new Promise<void>((resolve) => output.end(resolve));
      if (this.writeError) throw this.writeError;
    } finally {
      output.destroy();
    }
    const md5ByPath = this.md5ByPath;
    const entries = this.entries;
    return {
      entries,
      newestMtime: this.newestMtime,
      dataSha256: this.dataHash.digest("hex"),
      md5sums: (conffiles) =>
        this.options.computeMd5 ? formatMd5sums(entries, md5ByPath, conffiles) : undefined,
    };
  }

  private async readEntry(header: TarEntryHeader, content: Readable): Promise<void> {
    const type = header.type;
    const kind = entryTypes[type];
    if (!kind) {
      const description = type.endsWith("device") ? "device file" : `${type} entry`;
      throw new HostilePathError(
        `${description} ${JSON.stringify(header.name)} is not allowed in a package`,
      );
    }
    const normalized = normalizeMemberPath(header.name);
    const path = normalized === "" ? undefined : mergeUsrPath(normalized);
    if (path === undefined) return;

    this.newestMtime = Math.max(this.newestMtime, header.mtime);
    const base = {
      path,
      type: kind,
      mode: header.mode & 0o7777,
      uid: header.uid,
      gid: header.gid,
      mtime: header.mtime,
      size: 0,
      offset: 0,
    };
    if (kind === "file") {
      this.add({ ...base, ...(await this.copyContent(content, path)) });
      this.regularFiles.add(path);
      return;
    }
    if (kind === "symlink") this.add({ ...base, linkname: this.symlinkTarget(header.linkname) });
    else if (kind === "hardlink")
      this.add({ ...base, linkname: this.hardlinkTarget(path, header.linkname) });
    else this.add(base);
  }

  private symlinkTarget(linkname: string | undefined): string {
    if (!linkname || linkname.includes("\0")) {
      throw new HostilePathError(
        `symlink target ${JSON.stringify(linkname)} is empty or contains NUL`,
      );
    }
    return linkname;
  }

  private hardlinkTarget(path: string, linkname: string | undefined): string {
    const target = mergeUsrPath(normalizeMemberPath(linkname ?? ""));
    if (target === undefined || !this.regularFiles.has(target)) {
      throw new HostilePathError(
        `hardlink ${JSON.stringify(path)} points to ${JSON.stringify(linkname)}, ` +
          `which is not a regular file earlier in the archive`,
      );
    }
    const md5 = this.md5ByPath.get(target);
    if (md5 !== undefined) this.md5ByPath.set(path, md5);
    return target;
  }

  /** Adds an entry. A later entry for a path replaces the earlier one, unless both are folders. */
  private add(entry: DebEntry): void {
    const existing = this.indexByPath.get(entry.path);
    if (existing === undefined) {
      this.indexByPath.set(entry.path, this.entries.length);
      this.entries.push(entry);
      return;
    }
    // Moving bin/ and lib/ under usr/ can give a folder twice (lib/x and usr/lib/x), and then
    // the first one's metadata stays.
    if (entry.type === "dir" && this.entries[existing]?.type === "dir") return;
    this.entries[existing] = entry;
  }

  private async copyContent(
    content: Readable,
    path: string,
  ): Promise<{ size: number; offset: number; sha256: string }> {
    const output = this.output;
    assert(output, "the data file is opened before entries are read");
    const sha256 = createHash("sha256");
    const md5: Hash | undefined = this.options.computeMd5 ? createHash("md5") : undefined;
    const offset = this.offset;
    for await (const chunk of content) {
      const bytes = chunk as Buffer;
      sha256.update(bytes);
      this.dataHash.update(bytes);
      md5?.update(bytes);
      this.offset += bytes.length;
      if (this.writeError) throw this.writeError;
      if (!output.write(bytes)) await once(output, "drain");
    }
    if (md5) this.md5ByPath.set(path, md5.digest("hex"));
    return { size: this.offset - offset, offset, sha256: sha256.digest("hex") };
  }
}

function formatMd5sums(
  entries: readonly DebEntry[],
  md5ByPath: ReadonlyMap<string, string>,
  conffiles: string | undefined,
): string | undefined {
  const excluded = new Set(
    (conffiles ?? "")
      .split("\n")
      .map((line) => line.trim().replace(/^\/+/, ""))
      .filter(Boolean),
  );
  let text = "";
  for (const entry of entries) {
    if (entry.type !== "file" && entry.type !== "hardlink") continue;
    const md5 = md5ByPath.get(entry.path);
    if (md5 !== undefined && !excluded.has(entry.path)) text += `${md5}  ${entry.path}\n`;
  }
  return text === "" ? undefined : text;
}
