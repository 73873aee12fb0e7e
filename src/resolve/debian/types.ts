// Types shared by the Debian index, resolver, fetcher and unpacker.

/** The Release file an index was read from, as pinned in the lock. */
export interface ReleasePin {
  /** Archive URL, such as `http://mirror.example/debian`, without a trailing "/". */
  mirror: string;
  suite: string;
  /** The `Date:` field of the Release file, verbatim. */
  date: string;
  /** sha256 (hex) of the verified InRelease file. */
  sha256: string;
}

/** A binary package stanza from a Packages index, with the fields the resolver uses. */
export interface PackageRecord {
  name: string;
  version: string;
  architecture: string;
  /** `Multi-Arch` field: "same", "foreign", "allowed" or "no". */
  multiArch: string;
  source: string;
  sourceVersion: string;
  /** Raw relationship fields, unparsed. Empty string when absent. */
  depends: string;
  preDepends: string;
  provides: string;
  conflicts: string;
  breaks: string;
  essential: boolean;
  priority: string;
  /** Path in the archive, such as `pool/main/n/nodejs/nodejs_…_amd64.deb`. */
  filename: string;
  size: number;
  sha256: string;
  installedSize: number;
  maintainer: string;
  description: string;
  homepage: string;
  section: string;
}

/** A package chosen for the image: what the lock records per package. */
export interface LockedPackage {
  name: string;
  version: string;
  architecture: string;
  source: string;
  sourceVersion: string;
  /** Full download URL. */
  url: string;
  /** Path in the archive, used to retry from another mirror. */
  filename: string;
  size: number;
  sha256: string;
}

/** A filesystem entry of a package's data.tar, as cached after extraction. */
export interface DebEntry {
  /** Path relative to the root, after the merged-/usr rewrite, without "./" or trailing "/". */
  path: string;
  type: "file" | "dir" | "symlink" | "hardlink";
  mode: number;
  uid: number;
  gid: number;
  mtime: number;
  linkname?: string;
  size: number;
  /** Offset of the content in the cached `data.bin`. */
  offset: number;
  /** sha256 (hex) of a regular file's content, recorded while unpacking. */
  sha256?: string;
}

/** A package unpacked into the cache. */
export interface UnpackedDeb {
  /** sha256 of the .deb this came from. */
  sha256: string;
  /** The control file's fields in their original order. */
  control: readonly (readonly [string, string])[];
  /**
   * The md5sums file from the control archive, verbatim. When the archive has none, it is
   * generated while unpacking, in the same format, for the regular files that are not conffiles
   * (undefined when there are none).
   */
  md5sums: string | undefined;
  /** The conffiles list from the control archive, verbatim, or undefined. */
  conffiles: string | undefined;
  /** Maintainer scripts the package carries: preinst, postinst, prerm, postrm, config, triggers. */
  scripts: Readonly<Record<string, string>>;
  entries: readonly DebEntry[];
  /** Absolute path of the file holding every regular file's content back to back. */
  dataPath: string;
  /** Newest mtime among the entries: the package's build time. */
  newestMtime: number;
}

/** A package chosen for the image together with its unpacked contents. */
export interface InstalledPackage {
  locked: LockedPackage;
  unpacked: UnpackedDeb;
}
