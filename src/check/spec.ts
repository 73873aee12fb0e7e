// The validated, normalised form of a config: what `check` produces and later stages consume.
// Paths inside the image are relative (no leading "/"), and ids are numbers.

import type { Platform } from "../config/types.js";

/** Numeric owner of a path in the image. */
export interface OwnerSpec {
  uid: number;
  gid: number;
}

/** A base image to start from. */
export type BaseSpec =
  | { kind: "scratch" }
  /** `path` is absolute; `tag` undefined means the layout's only image. */
  | { kind: "oci-layout"; path: string; tag: string | undefined };

/** Debian packages to resolve. */
export interface DebianSpec {
  suite: string;
  packages: readonly string[];
  /** Archive URL without a trailing "/", or undefined to take it from the host's apt sources. */
  mirror: string | undefined;
  components: readonly string[];
  /** Absolute path of the keyring file. */
  keyring: string;
}

/** One entry of `files`, normalised. `dest` is relative to the image root, e.g. `srv/www`. */
export type FileSpec =
  | {
      kind: "copy";
      /** Absolute path on the build host. */
      src: string;
      dest: string;
      /** Mode for regular files, or undefined to keep the source's (normalised to 644/755). */
      mode: number | undefined;
      dirMode: number;
      owner: OwnerSpec;
      /** Relative source paths to leave out. */
      exclude: readonly string[];
    }
  | { kind: "text"; dest: string; content: string; mode: number; owner: OwnerSpec }
  | { kind: "symlink"; dest: string; target: string; owner: OwnerSpec }
  | { kind: "dir"; dest: string; mode: number; owner: OwnerSpec };

/** The user the image runs as, with defaults filled in. */
export interface UserSpec {
  name: string;
  uid: number;
  gid: number;
  group: string;
  /** Absolute home path, such as `/home/app`. */
  home: string;
  shell: string;
}

/** A validated image config. */
export interface ImageSpec {
  name: string;
  tags: readonly string[];
  base: BaseSpec;
  platforms: readonly Platform[];
  debian: DebianSpec | undefined;
  files: readonly FileSpec[];
  user: UserSpec | undefined;
  /** Absolute path in the image, such as `/app`. */
  workdir: string | undefined;
  /** Environment in config order, with PATH filled in when missing. */
  env: readonly (readonly [string, string])[];
  entrypoint: readonly string[] | undefined;
  cmd: readonly string[] | undefined;
  /** Exposed ports in image-config form, such as `8080/tcp`, sorted. */
  ports: readonly string[];
  labels: Readonly<Record<string, string>>;
  annotations: Readonly<Record<string, string>>;
  stopSignal: string | undefined;
  /** Absolute paths, sorted. */
  volumes: readonly string[];
  /** Absolute path of the config file and its folder. */
  configFile: string;
  configDir: string;
}
