// Checks an evaluated config and normalises it into an ImageSpec. Every rule runs, so one run
// reports every problem, each with its config path, the source location and a fix.

import { readFileSync } from "node:fs";
import path from "node:path";

import type { ImageConfig, Platform } from "../config/types.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { formatConfigPath } from "./config-path.js";
import { locateConfigPath, parseConfigSource, type ConfigSource } from "./locate.js";
import { readBaseImage } from "./rules/base-image.js";
import type { Issue, RuleContext } from "./rules/context.js";
import { readDebian } from "./rules/debian.js";
import { readFiles } from "./rules/files.js";
import { readImageName, readTags } from "./rules/image-name.js";
import { describeAccounts } from "./rules/owner.js";
import { readPlatforms } from "./rules/platforms.js";
import { readPorts } from "./rules/ports.js";
import { readCommand, readEnv, readStringMap, readVolumes, readWorkdir } from "./rules/runtime.js";
import { readStopSignal } from "./rules/stop-signal.js";
import { readUser } from "./rules/user.js";
import { readObject, readOptional, readRequired, type KeyShape } from "./rules/values.js";
import type { BaseSpec, DebianSpec, FileSpec, ImageSpec, UserSpec } from "./spec.js";

const imageShape: KeyShape<ImageConfig> = {
  name: "required",
  tags: "optional",
  base: "optional",
  platforms: "optional",
  packages: "optional",
  files: "optional",
  user: "optional",
  workdir: "optional",
  env: "optional",
  entrypoint: "optional",
  cmd: "optional",
  ports: "optional",
  labels: "optional",
  annotations: "optional",
  stopSignal: "optional",
  volumes: "optional",
};

/** The result of validation: a spec when there were no errors, and every diagnostic. */
export interface ValidationResult {
  spec: ImageSpec | undefined;
  diagnostics: Diagnostic[];
}

/**
 * Validates an evaluated config. `configFile` is the file it came from: relative host paths
 * start from its folder, and diagnostics get locations in it (and in nothing else, because
 * values that come from other files are located where the config uses them).
 */
export function validateConfig(config: unknown, options: { configFile: string }): ValidationResult {
  const configFile = path.resolve(options.configFile);
  const context: RuleContext = { configFile, configDir: path.dirname(configFile), issues: [] };
  const spec = readImageSpec(context, withoutJsonSchemaKey(config, configFile));

  const source = readConfigSource(configFile);
  const diagnostics = context.issues.map((issue) => toDiagnostic(issue, source));
  const hasErrors = context.issues.some((issue) => issue.severity === "error");
  return { spec: hasErrors ? undefined : spec, diagnostics };
}

function readImageSpec(context: RuleContext, value: unknown): ImageSpec | undefined {
  const config = readObject(context, value, [], imageShape, "an object made with defineImage()");
  if (config === undefined) {
    return undefined;
  }

  const name = readRequired(config, "name", (value) => readImageName(context, value, ["name"]));
  const tags = readOptional(config, "tags", ["latest"], (value) =>
    readTags(context, value, ["tags"]),
  );
  const base = readOptional<BaseSpec>(config, "base", { kind: "scratch" }, (value) =>
    readBaseImage(context, value, ["base"]),
  );
  const platforms = readOptional<Platform[]>(config, "platforms", ["linux/amd64"], (value) =>
    readPlatforms(context, value, ["platforms"]),
  );
  const debian = readOptional<DebianSpec | null>(config, "packages", null, (value) =>
    readDebian(context, value, ["packages"]),
  );
  const user = readOptional<UserSpec | null>(config, "user", null, (value) =>
    readUser(context, value, ["user"]),
  );
  // Files are read even when the user has mistakes, to report their own mistakes too.
  const accounts = describeAccounts(config["user"], user ?? undefined);
  const files = readOptional<FileSpec[]>(config, "files", [], (value) =>
    readFiles(context, value, ["files"], accounts),
  );
  const workdir = readOptional<string | null>(config, "workdir", null, (value) =>
    readWorkdir(context, value, ["workdir"]),
  );
  const env = readEnv(context, config["env"], ["env"]);
  const entrypoint = readOptional<string[] | null>(config, "entrypoint", null, (value) =>
    readCommand(context, value, ["entrypoint"]),
  );
  const cmd = readOptional<string[] | null>(config, "cmd", null, (value) =>
    readCommand(context, value, ["cmd"]),
  );
  const ports = readOptional<string[]>(config, "ports", [], (value) =>
    readPorts(context, value, ["ports"]),
  );
  const labels = readOptional<Record<string, string>>(config, "labels", {}, (value) =>
    readStringMap(context, value, ["labels"]),
  );
  const annotations = readOptional<Record<string, string>>(config, "annotations", {}, (value) =>
    readStringMap(context, value, ["annotations"]),
  );
  const stopSignal = readOptional<string | null>(config, "stopSignal", null, (value) =>
    readStopSignal(context, value, ["stopSignal"]),
  );
  const volumes = readOptional<string[]>(config, "volumes", [], (value) =>
    readVolumes(context, value, ["volumes"]),
  );

  if (
    name === undefined ||
    tags === undefined ||
    base === undefined ||
    platforms === undefined ||
    debian === undefined ||
    user === undefined ||
    files === undefined ||
    workdir === undefined ||
    env === undefined ||
    entrypoint === undefined ||
    cmd === undefined ||
    ports === undefined ||
    labels === undefined ||
    annotations === undefined ||
    stopSignal === undefined ||
    volumes === undefined
  ) {
    return undefined;
  }
  return {
    name,
    tags,
    base,
    platforms,
    debian: debian ?? undefined,
    files,
    user: user ?? undefined,
    workdir: workdir ?? undefined,
    env,
    entrypoint: entrypoint ?? undefined,
    cmd: cmd ?? undefined,
    ports,
    labels,
    annotations,
    stopSignal: stopSignal ?? undefined,
    volumes,
    configFile: context.configFile,
    configDir: context.configDir,
  };
}

/**
 * Drops the `$schema` key that JSON configs use to point editors at image.schema.json; it is
 * not part of the image.
 */
function withoutJsonSchemaKey(config: unknown, configFile: string): unknown {
  if (path.extname(configFile) !== ".json" || typeof config !== "object" || config === null) {
    return config;
  }
  const { $schema: _schema, ...rest } = config as Record<string, unknown>;
  return rest;
}

/** Parses the config's source for locations; YAML and unreadable files get none. */
export function readConfigSource(configFile: string): ConfigSource | undefined {
  if (![".ts", ".mts", ".cts", ".js", ".mjs", ".cjs", ".json"].includes(path.extname(configFile))) {
    return undefined;
  }
  let text: string;
  try {
    text = readFileSync(configFile, "utf8");
  } catch {
    return undefined;
  }
  return parseConfigSource(configFile, text);
}

function toDiagnostic(issue: Issue, source: ConfigSource | undefined): Diagnostic {
  const diagnostic: Diagnostic = {
    code: issue.code,
    severity: issue.severity,
    message: issue.message,
    path: formatConfigPath(issue.path),
    fix: issue.fix,
  };
  const located =
    source === undefined
      ? undefined
      : locateConfigPath(source, issue.path, { target: issue.target });
  return located === undefined ? diagnostic : { ...diagnostic, location: located.location };
}
