// Builds the OCI image config blob: the platform, the process defaults (user, env, entrypoint,
// cmd, ports, volumes, workdir, labels, stop signal), the layers' diff IDs and one history entry
// per layer. Pure: the same input gives the same bytes.

import { MediaTypes } from "../oci/media-types.js";
import type { ImageConfigBlob, OciPlatform } from "../oci/types.js";
import { digestHex, type Digest } from "../util/digest.js";
import { assert } from "../util/errors.js";
import { jsonBlob, jsonMap, type JsonBlob, type JsonValue } from "./canonical-json.js";

/** One layer of the image, base layers first. */
export interface ConfigLayer {
  diffId: Digest;
  /** Description of the step that made the layer, such as "imgc: debian packages libc6 nodejs". */
  createdBy: string;
  comment?: string;
  /** When the layer was made, in seconds since the epoch; default: the image's `created`. */
  created?: number;
}

export interface ImageConfigInput {
  platform: OciPlatform;
  /** Seconds since the epoch: SOURCE_DATE_EPOCH, else the newest input package, else 0. */
  created: number;
  /** Owner of the process: numeric ids, written as `uid:gid`, or a base image's User string as it is. */
  user?: { uid: number; gid: number } | string;
  /**
   * The environment. A map is written sorted by name, because a map has no order of its own. A
   * list of `NAME=value` strings is written in its order.
   */
  env?: Readonly<Record<string, string>> | readonly string[];
  entrypoint?: readonly string[];
  cmd?: readonly string[];
  /** Ports as `8080`, `"8080"`, `"8080/tcp"` or `"53/udp"`; a bare number means tcp. */
  exposedPorts?: readonly (number | string)[];
  /** Absolute paths a runtime should mount volumes on. */
  volumes?: readonly string[];
  workdir?: string;
  labels?: Readonly<Record<string, string>>;
  stopSignal?: string;
  layers: readonly ConfigLayer[];
}

/** Builds the image config blob and its descriptor. */
export function buildImageConfig(input: ImageConfigInput): JsonBlob<ImageConfigBlob> {
  checkConfig(input);
  const created = rfc3339(input.created);
  const env = envList(input.env);
  const ports = input.exposedPorts?.map(portKey);
  const settings: ImageConfigBlob["config"] = {
    ...(input.user === undefined
      ? {}
      : {
          User: typeof input.user === "string" ? input.user : `${input.user.uid}:${input.user.gid}`,
        }),
    ...(ports === undefined || ports.length === 0 ? {} : { ExposedPorts: emptyObjects(ports) }),
    ...(env === undefined ? {} : { Env: env }),
    ...(input.entrypoint === undefined ? {} : { Entrypoint: [...input.entrypoint] }),
    ...(input.cmd === undefined ? {} : { Cmd: [...input.cmd] }),
    ...(input.volumes === undefined || input.volumes.length === 0
      ? {}
      : { Volumes: emptyObjects(input.volumes) }),
    ...(input.workdir === undefined ? {} : { WorkingDir: input.workdir }),
    ...(input.labels === undefined || Object.keys(input.labels).length === 0
      ? {}
      : { Labels: { ...input.labels } }),
    ...(input.stopSignal === undefined ? {} : { StopSignal: input.stopSignal }),
  };
  const value: ImageConfigBlob = {
    created,
    architecture: input.platform.architecture,
    os: input.platform.os,
    ...(input.platform.variant === undefined ? {} : { variant: input.platform.variant }),
    config: settings,
    rootfs: { type: "layers", diff_ids: input.layers.map((layer) => layer.diffId) },
    history: input.layers.map((layer) => ({
      created: layer.created === undefined ? created : rfc3339(layer.created),
      created_by: layer.createdBy,
      ...(layer.comment === undefined ? {} : { comment: layer.comment }),
    })),
  };

  return jsonBlob(configJson(value), MediaTypes.config, value);
}

/** Formats seconds since the epoch as RFC 3339 in UTC, whole seconds: 1970-01-01T00:00:00Z. */
export function rfc3339(seconds: number): string {
  // Up to the end of year 9999, the range toISOString writes with a four-digit year.
  assert(
    Number.isSafeInteger(seconds) && seconds >= 0 && seconds <= 253_402_300_799,
    `time ${seconds}`,
  );
  return new Date(seconds * 1000).toISOString().replace(".000Z", "Z");
}

/** Returns the field-ordered JSON form; maps go through jsonMap so their keys are sorted. */
function configJson(value: ImageConfigBlob): JsonValue {
  const settings = value.config ?? {};
  return {
    created: value.created,
    architecture: value.architecture,
    os: value.os,
    variant: value.variant,
    config: {
      User: settings.User,
      ExposedPorts:
        settings.ExposedPorts === undefined ? undefined : jsonMap(settings.ExposedPorts),
      Env: settings.Env,
      Entrypoint: settings.Entrypoint,
      Cmd: settings.Cmd,
      Volumes: settings.Volumes === undefined ? undefined : jsonMap(settings.Volumes),
      WorkingDir: settings.WorkingDir,
      Labels: settings.Labels === undefined ? undefined : jsonMap(settings.Labels),
      StopSignal: settings.StopSignal,
    },
    rootfs: { type: value.rootfs.type, diff_ids: value.rootfs.diff_ids },
    history: value.history?.map((entry) => ({
      created: entry.created,
      created_by: entry.created_by,
      comment: entry.comment,
    })),
  };
}

function envList(env: ImageConfigInput["env"]): string[] | undefined {
  if (env === undefined) return undefined;
  const list = Array.isArray(env)
    ? [...(env as readonly string[])]
    : Object.keys(env)
        .sort((left, right) => Buffer.compare(Buffer.from(left), Buffer.from(right)))
        .map((name) => `${name}=${(env as Readonly<Record<string, string>>)[name]}`);
  const names = new Set<string>();
  for (const item of list) {
    const name = item.slice(0, item.indexOf("="));
    assert(item.indexOf("=") > 0, `environment entry ${JSON.stringify(item)} is not NAME=value`);
    assert(!names.has(name), `environment variable ${name} is set twice`);
    names.add(name);
  }
  return list;
}

/** Returns the ExposedPorts key of a port: `8080` and `"8080"` become `"8080/tcp"`. */
function portKey(port: number | string): string {
  const match = /^([0-9]+)(?:\/(tcp|udp|sctp))?$/.exec(String(port));
  assert(match !== null, `port ${JSON.stringify(port)} is not NUMBER or NUMBER/PROTOCOL`);
  const number = Number(match[1]);
  assert(number >= 1 && number <= 65_535, `port ${JSON.stringify(port)} is outside 1-65535`);
  return `${number}/${match[2] ?? "tcp"}`;
}

function emptyObjects(keys: readonly string[]): Record<string, Record<string, never>> {
  return Object.fromEntries(keys.map((key) => [key, {}]));
}

function checkConfig(input: ImageConfigInput): void {
  for (const layer of input.layers) digestHex(layer.diffId);
  if (input.user !== undefined && typeof input.user !== "string") {
    for (const id of [input.user.uid, input.user.gid]) {
      assert(Number.isInteger(id), `user id ${id} is not an integer`);
      assert(id >= 0 && id <= 0xffffffff, `user id ${id} is outside 0-4294967295`);
    }
  }
  if (input.workdir !== undefined)
    assert(input.workdir.startsWith("/"), `workdir ${input.workdir} is not absolute`);
  for (const volume of input.volumes ?? [])
    assert(volume.startsWith("/"), `volume ${volume} is not absolute`);
}
