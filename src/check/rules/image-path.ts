// Rules for paths inside the image (destinations, workdir, volumes, home): absolute, without ".."
// segments, normalised so that "/a/b/", "/a//b" and "/a/./b" are the same path.

import path from "node:path";

import { Codes } from "../../diagnostics/codes.js";
import type { ConfigPath } from "../config-path.js";
import { reportError, type RuleContext } from "./context.js";
import { readNonEmptyString, subject } from "./values.js";

/** The image root in the relative form that `readImagePath` returns. */
export const imageRoot = ".";

/**
 * Reads an absolute path inside the image and returns it relative to the image root, without a
 * leading or trailing "/" (the root itself is "."). Reports a relative path (IMGC2005) and a path
 * with ".." segments (IMGC2006), and the root unless `allowRoot`.
 */
export function readImagePath(
  context: RuleContext,
  value: unknown,
  configPath: ConfigPath,
  options: { allowRoot?: boolean } = {},
): string | undefined {
  const text = readNonEmptyString(context, value, configPath);
  if (text === undefined) {
    return undefined;
  }
  let valid = true;

  if (!text.startsWith("/")) {
    reportError(
      context,
      Codes.relativePath,
      configPath,
      `${subject(configPath)} ${JSON.stringify(text)} is a relative path`,
      `Write it from the image root: ${JSON.stringify(`/${text}`)}.`,
    );
    valid = false;
  }
  const segments = text.split("/").filter((segment) => segment !== "" && segment !== ".");
  if (segments.includes("..")) {
    const meant = path.posix.normalize(`/${text}`);
    reportError(
      context,
      Codes.parentSegment,
      configPath,
      `${subject(configPath)} ${JSON.stringify(text)} has a ".." segment`,
      `Write the path without "..", such as ${JSON.stringify(meant)}.`,
    );
    valid = false;
  }
  if (!valid) {
    return undefined;
  }

  if (segments.length === 0 && options.allowRoot !== true) {
    reportError(
      context,
      Codes.invalidValue,
      configPath,
      `${subject(configPath)} is the image root "/"`,
      "Name a path below the root, such as /app.",
    );
    return undefined;
  }
  return segments.length === 0 ? imageRoot : segments.join("/");
}

/** Turns a relative image path from `readImagePath` back into an absolute one. */
export function toAbsoluteImagePath(relative: string): string {
  return relative === imageRoot ? "/" : `/${relative}`;
}

/** Returns true when `inner` is `outer` or lies below it (both relative image paths). */
export function isWithin(inner: string, outer: string): boolean {
  return outer === imageRoot || inner === outer || inner.startsWith(`${outer}/`);
}
