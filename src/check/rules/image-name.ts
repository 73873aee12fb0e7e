// Rules for the image name and tags, which become the output folder and the layout's
// `org.opencontainers.image.ref.name` values, so they must be valid OCI names.

import { Codes } from "../../diagnostics/codes.js";
import type { ConfigPath } from "../config-path.js";
import { reportError, type RuleContext } from "./context.js";
import { readString, readStringArray, subject } from "./values.js";

/** One path component of an OCI repository name (OCI distribution spec, "Pulling manifests"). */
const repositoryComponent = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;

/**
 * The maximum length of an image name that imgc accepts. The OCI distribution spec ("Pulling
 * manifests") sets no limit on a repository name, but notes that many clients limit registry
 * host, "/" and name together to 255 characters. 128 leaves the host 126 of them, and keeps
 * `out/<name>.spdx.json` within the 255-byte file name limit of common file systems.
 */
export const maxNameLength = 128;

/** An OCI tag (OCI distribution spec, "Pulling manifests"). */
export const tagPattern = /^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$/;

export function readImageName(
  context: RuleContext,
  value: unknown,
  path: ConfigPath,
): string | undefined {
  const name = readString(context, value, path);
  if (name === undefined) {
    return undefined;
  }
  if (repositoryComponent.test(name)) {
    return checkNameLength(context, name, path);
  }
  const cleaned = name
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, "-")
    .slice(0, maxNameLength)
    .replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, "");
  const fix = repositoryComponent.test(cleaned)
    ? `Use lowercase letters, digits and single separators, such as ${JSON.stringify(cleaned)}.`
    : "Use lowercase letters and digits, separated by single '.', '_' or '-'.";
  const message = `${subject(path)} ${JSON.stringify(name)} is not a valid OCI repository name`;
  reportError(context, Codes.invalidValue, path, message, fix);
  return undefined;
}

function checkNameLength(context: RuleContext, name: string, path: ConfigPath) {
  if (name.length <= maxNameLength) {
    return name;
  }
  reportError(
    context,
    Codes.invalidValue,
    path,
    `${subject(path)} is ${name.length} characters long, more than the ${maxNameLength} that imgc accepts`,
    `Shorten it to at most ${maxNameLength} characters; many registry clients limit the registry host and the name together to 255.`,
  );
  return undefined;
}

/** Reads the tags, without duplicates, in the config's order. */
export function readTags(
  context: RuleContext,
  value: unknown,
  path: ConfigPath,
): string[] | undefined {
  const tags = readStringArray(context, value, path);
  if (tags === undefined) {
    return undefined;
  }
  if (tags.length === 0) {
    const fix = 'List at least one tag, or remove tags to use "latest".';
    reportError(context, Codes.invalidValue, path, `${subject(path)} is empty`, fix);
    return undefined;
  }
  let valid = true;
  tags.forEach((tag, index) => {
    if (!tagPattern.test(tag)) {
      reportInvalidTag(context, tag, [...path, index]);
      valid = false;
    }
  });
  return valid ? [...new Set(tags)] : undefined;
}

export function reportInvalidTag(context: RuleContext, tag: string, path: ConfigPath): void {
  const cleaned = tag
    .replace(/[^a-zA-Z0-9._-]+/g, "-")
    .replace(/^[.-]+/, "")
    .slice(0, 128);
  const fix = tagPattern.test(cleaned)
    ? `Use letters, digits, '_', '.' and '-' (not first), at most 128 characters, such as ${JSON.stringify(cleaned)}.`
    : "Use letters, digits, '_', '.' and '-' (not first), at most 128 characters.";
  const message = `${subject(path)} ${JSON.stringify(tag)} is not a valid OCI tag`;
  reportError(context, Codes.invalidValue, path, message, fix);
}
