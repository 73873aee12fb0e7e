// The process settings an image takes over from its base, as a Dockerfile's FROM does: what the
// config sets wins, and what it leaves out comes from the base image's config.

import type { ImageSpec } from "../check/spec.js";
import type { ImageConfigBlob } from "../oci/types.js";

/** The process settings of an image config, before serialisation. */
export interface ProcessSettings {
  user: { uid: number; gid: number } | string | undefined;
  env: string[];
  entrypoint: readonly string[] | undefined;
  cmd: readonly string[] | undefined;
  ports: string[];
  volumes: string[];
  workdir: string | undefined;
  labels: Record<string, string>;
  stopSignal: string | undefined;
}

function envName(entry: string): string {
  const equals = entry.indexOf("=");
  return equals < 0 ? entry : entry.slice(0, equals);
}

/**
 * Merges environments by name: the base's variables keep their order, the config's replace
 * them in place or follow them. `PATH` from the config replaces the base's only when the config
 * sets it, since the spec fills in a default PATH that must not hide a base's own.
 */
function mergeEnv(base: readonly string[], own: ImageSpec["env"], ownSetsPath: boolean): string[] {
  const result = [...base];
  for (const [name, value] of own) {
    if (name === "PATH" && !ownSetsPath && base.some((e) => envName(e) === "PATH")) continue;
    const at = result.findIndex((e) => envName(e) === name);
    if (at >= 0) result[at] = `${name}=${value}`;
    else result.push(`${name}=${value}`);
  }
  return result;
}

function sortedUnion(a: Iterable<string>, b: Iterable<string>): string[] {
  return [...new Set([...a, ...b])].sort();
}

/**
 * Returns the process settings of the image: the config's, filled in from the base image's
 * config. As with FROM, a config that sets `entrypoint` but not `cmd` clears the base's Cmd,
 * because the base's arguments were meant for the base's program.
 */
export function inheritProcessSettings(
  spec: ImageSpec,
  base: ImageConfigBlob | undefined,
  ownSetsPath: boolean,
): ProcessSettings {
  const inherited = base?.config ?? {};
  const cmd = spec.cmd ?? (spec.entrypoint ? undefined : inherited.Cmd);
  return {
    user: spec.user ? { uid: spec.user.uid, gid: spec.user.gid } : inherited.User || undefined,
    env: mergeEnv(inherited.Env ?? [], spec.env, ownSetsPath),
    entrypoint: spec.entrypoint ?? inherited.Entrypoint,
    cmd,
    ports: sortedUnion(Object.keys(inherited.ExposedPorts ?? {}), spec.ports),
    volumes: sortedUnion(Object.keys(inherited.Volumes ?? {}), spec.volumes),
    workdir: spec.workdir ?? (inherited.WorkingDir || undefined),
    labels: { ...(inherited.Labels ?? {}), ...spec.labels },
    stopSignal: spec.stopSignal ?? inherited.StopSignal,
  };
}
