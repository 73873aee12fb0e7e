// The platforms imgc can build: Debian packages and base layers are resolved for each of these.

import type { Platform } from "../../config/types.js";
import { Codes } from "../../diagnostics/codes.js";
import type { ConfigPath } from "../config-path.js";
import { reportError, type RuleContext } from "./context.js";
import { suggest } from "./suggest.js";
import { readStringArray, subject } from "./values.js";

export const supportedPlatforms: readonly Platform[] = ["linux/amd64", "linux/arm64"];

/** Names other tools use for the supported platforms. */
const platformAliases: Readonly<Record<string, Platform>> = {
  amd64: "linux/amd64",
  x86_64: "linux/amd64",
  "linux/x86_64": "linux/amd64",
  "linux/x86-64": "linux/amd64",
  arm64: "linux/arm64",
  aarch64: "linux/arm64",
  "linux/aarch64": "linux/arm64",
  "linux/arm64/v8": "linux/arm64",
};

/** Reads the platforms, without duplicates, in the config's order. */
export function readPlatforms(
  context: RuleContext,
  value: unknown,
  path: ConfigPath,
): Platform[] | undefined {
  const names = readStringArray(context, value, path);
  if (names === undefined) {
    return undefined;
  }
  if (names.length === 0) {
    const fix = 'List at least one platform, or remove platforms to build "linux/amd64".';
    reportError(context, Codes.invalidValue, path, `${subject(path)} is empty`, fix);
    return undefined;
  }
  const platforms: Platform[] = [];
  names.forEach((name, index) => {
    const platform = supportedPlatforms.find((supported) => supported === name);
    if (platform === undefined) {
      reportUnsupportedPlatform(context, name, [...path, index]);
    } else if (!platforms.includes(platform)) {
      platforms.push(platform);
    }
  });
  return platforms.length === new Set(names).size ? platforms : undefined;
}

function reportUnsupportedPlatform(context: RuleContext, name: string, path: ConfigPath): void {
  const meant = platformAliases[name.toLowerCase()] ?? suggest(name, supportedPlatforms);
  const supported = supportedPlatforms.map((platform) => JSON.stringify(platform)).join(" and ");
  const fix =
    meant === undefined
      ? `Use ${supported}.`
      : `Did you mean ${JSON.stringify(meant)}? imgc builds ${supported}.`;
  const message = `${subject(path)} ${JSON.stringify(name)} is not a supported platform`;
  reportError(context, Codes.unsupportedPlatform, path, message, fix);
}
