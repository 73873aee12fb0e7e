// Rules for how the container runs: workdir, env, entrypoint, cmd, volumes, labels, annotations.

import { Codes } from "../../diagnostics/codes.js";
import type { ConfigPath } from "../config-path.js";
import { reportError, type RuleContext } from "./context.js";
import { readImagePath, toAbsoluteImagePath } from "./image-path.js";
import { checkOutsideGeneratedFiles } from "./reserved-paths.js";
import {
  isPlainObject,
  readArray,
  readStringArray,
  readStringRecord,
  reportWrongType,
  subject,
} from "./values.js";

/** The PATH that Debian's /etc/login.defs gives root (ENV_SUPATH). */
export const defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/** Reads an absolute path in the image and returns it absolute and normalised, such as "/app". */
export function readAbsoluteImagePath(
  context: RuleContext,
  value: unknown,
  configPath: ConfigPath,
): string | undefined {
  const relative = readImagePath(context, value, configPath, { allowRoot: true });
  return relative === undefined ? undefined : toAbsoluteImagePath(relative);
}

/** Reads `workdir`, which imgc creates as a folder when the image does not have it. */
export function readWorkdir(
  context: RuleContext,
  value: unknown,
  configPath: ConfigPath,
): string | undefined {
  const relative = readImagePath(context, value, configPath, { allowRoot: true });
  if (relative === undefined) {
    return undefined;
  }
  const valid = checkOutsideGeneratedFiles(context, relative, configPath, "/app");
  return valid ? toAbsoluteImagePath(relative) : undefined;
}

/** Reads `env` in the config's order, with PATH first when the config does not set it. */
export function readEnv(
  context: RuleContext,
  value: unknown,
  configPath: ConfigPath,
): [string, string][] | undefined {
  const entries = value === undefined ? [] : readStringRecord(context, value, configPath);
  const names = isPlainObject(value) ? Object.keys(value) : [];
  let valid = entries !== undefined;
  for (const name of names) {
    if (name.includes("=")) {
      const namePath = [...configPath, name];
      reportError(
        context,
        Codes.invalidValue,
        namePath,
        `environment variable name ${JSON.stringify(name)} contains "="`,
        `Put the value after the colon: ${JSON.stringify(name.split("=")[0])}: "…".`,
        "key",
      );
      valid = false;
    }
  }
  if (!valid || entries === undefined) {
    return undefined;
  }
  return entries.some(([name]) => name === "PATH") ? entries : [["PATH", defaultPath], ...entries];
}

/** Reads `entrypoint` or `cmd`: an exec array, never a shell string. */
export function readCommand(
  context: RuleContext,
  value: unknown,
  configPath: ConfigPath,
): string[] | undefined {
  if (typeof value === "string") {
    const words = value.split(/\s+/).filter((word) => word !== "");
    reportError(
      context,
      Codes.wrongType,
      configPath,
      `${subject(configPath)} must be an array of strings, not the string ${JSON.stringify(value)}`,
      `Write it as an exec array: ${JSON.stringify(words)}; imgc runs no shell.`,
    );
    return undefined;
  }
  return readStringArray(context, value, configPath);
}

/** Reads `volumes` as absolute, normalised, sorted paths without duplicates. */
export function readVolumes(
  context: RuleContext,
  value: unknown,
  configPath: ConfigPath,
): string[] | undefined {
  const readVolume = (item: unknown, itemPath: ConfigPath) =>
    readAbsoluteImagePath(context, item, itemPath);
  const volumes = readArray(context, value, configPath, readVolume, "an array of absolute paths");
  // Sorted so that the image config does not depend on the order the config lists them in.
  return volumes === undefined ? undefined : [...new Set(volumes)].sort();
}

/** Reads `labels` or `annotations`. */
export function readStringMap(
  context: RuleContext,
  value: unknown,
  configPath: ConfigPath,
): Record<string, string> | undefined {
  if (Array.isArray(value)) {
    reportWrongType(context, value, configPath, "an object of strings");
    return undefined;
  }
  const entries = readStringRecord(context, value, configPath);
  return entries === undefined ? undefined : Object.fromEntries(entries);
}
