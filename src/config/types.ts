// The config types a user writes in image.config.ts. `schema/image.schema.json` is generated from
// `ImageConfig` by `npm run schema`, so every field's documentation here also reaches JSON editors.

/** A target platform in `os/architecture` form, as in an OCI index. */
export type Platform = "linux/amd64" | "linux/arm64";

/** An image: what `defineImage` takes and what `image.config.ts` exports by default. */
export interface ImageConfig {
  /** Image name: the output folder `out/<name>/` and the repository part of its tags. */
  name: string;
  /** Tags written into the layout as `org.opencontainers.image.ref.name`. Default: `["latest"]`. */
  tags?: string[];
  /**
   * The image to start from: `"scratch"` (nothing), a local OCI layout as `"oci:<path>:<tag>"`,
   * or `ociLayout(path, tag)`. Paths are relative to the config file. Default: `"scratch"`.
   */
  base?: BaseImage;
  /** Platforms to build. Default: `["linux/amd64"]`. */
  platforms?: Platform[];
  /** Debian packages to install, made with `debian({...})`. */
  packages?: DebianPackages;
  /** Files to add, made with `copy`, `text`, `symlink` and `dir`. Each `copy` gets a layer. */
  files?: FileEntry[];
  /** The non-root user the image runs as; `/etc/passwd`, `/etc/group` and the home are generated. */
  user?: UserConfig;
  /** Working directory of the process (absolute); created if the image does not have it. */
  workdir?: string;
  /** Environment of the process. `PATH` defaults to the usual Debian search path. */
  env?: Record<string, string>;
  /** Program and fixed arguments, as an exec array. */
  entrypoint?: string[];
  /** Default arguments to the entrypoint, or the program when there is no entrypoint. */
  cmd?: string[];
  /** Ports the service listens on: `8080`, `"8080/tcp"` or `"53/udp"`. */
  ports?: PortSpec[];
  /** Labels in the image config (shown by `docker inspect`). */
  labels?: Record<string, string>;
  /** Annotations on the image manifest and index. */
  annotations?: Record<string, string>;
  /** Signal that stops the container, such as `"SIGTERM"` or `"SIGRTMIN+3"`. */
  stopSignal?: string;
  /** Paths the runtime should mount a volume on (a hint in the image config). */
  volumes?: string[];
}

/** A port number, or a number with its protocol. */
export type PortSpec = number | `${number}/tcp` | `${number}/udp`;

/** The base image: nothing, or a local OCI layout. */
export type BaseImage = "scratch" | `oci:${string}` | OciLayoutBase;

/** A local OCI image layout and the tag (`org.opencontainers.image.ref.name`) to take from it. */
export interface OciLayoutBase {
  kind: "oci-layout";
  /** Layout folder, relative to the config file or absolute. */
  path: string;
  /** Tag in the layout's index.json. Default: the only image in the layout. */
  tag?: string;
}

/** Debian packages, resolved and verified by imgc itself. */
export interface DebianPackages {
  kind: "debian";
  /** Suite codename, such as `"trixie"` or `"bookworm"`. */
  suite: string;
  /** Package names to install with their dependencies. Recommends are not installed. */
  packages: string[];
  /**
   * Archive URL, such as `http://mirror.example/debian`. Default: the first Debian mirror in the
   * host's apt sources.
   */
  mirror?: string;
  /** Archive components. Default: `["main"]`. */
  components?: string[];
  /**
   * OpenPGP keyring that signs the archive (binary or armored). Default:
   * `/usr/share/keyrings/debian-archive-keyring.gpg`.
   */
  keyring?: string;
}

/** One entry of `files`. */
export type FileEntry = CopyEntry | TextEntry | SymlinkEntry | DirEntry;

/** Owner of an added path: a user name, a uid, or `"user:group"` / `"uid:gid"`. */
export type Owner = string | number;

/** Permission bits and owner of an added path. */
export interface FileOptions {
  /** Permission bits, such as `0o644`. For a copied tree this applies to its regular files. */
  mode?: number;
  /** Owner; default root (0:0). */
  owner?: Owner;
}

/** Options of `copy`. */
export interface CopyOptions extends FileOptions {
  /** Permission bits of directories in a copied tree. Default `0o755`. */
  dirMode?: number;
  /** Glob-free path prefixes, relative to the source, to leave out of a copied tree. */
  exclude?: string[];
}

/** Copy a file or a directory tree from the build host into the image. */
export interface CopyEntry extends CopyOptions {
  kind: "copy";
  /** Source path, relative to the config file. */
  src: string;
  /** Absolute destination in the image. */
  dest: string;
}

/** A file with the given text. */
export interface TextEntry extends FileOptions {
  kind: "text";
  dest: string;
  content: string;
}

/** A symbolic link at `dest` pointing to `target`. */
export interface SymlinkEntry {
  kind: "symlink";
  dest: string;
  target: string;
  owner?: Owner;
}

/** An empty directory. */
export interface DirEntry extends FileOptions {
  kind: "dir";
  dest: string;
}

/** The user the image runs as. */
export interface UserConfig {
  /** Login name. */
  name: string;
  /** Numeric user id, 1 to 2147483647. */
  uid: number;
  /** Numeric group id. Default: the uid. */
  gid?: number;
  /** Primary group name. Default: the user name. */
  group?: string;
  /** Home directory, created and owned by the user. Default: `/home/<name>`. */
  home?: string;
  /** Login shell. Default: `/usr/sbin/nologin`. */
  shell?: string;
}
