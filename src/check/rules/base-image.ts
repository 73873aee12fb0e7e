// Rules for `base`: nothing ("scratch"), or a local OCI image layout.

import path from "node:path";

import type { OciLayoutBase } from "../../config/types.js";
import { Codes } from "../../diagnostics/codes.js";
import type { BaseSpec } from "../spec.js";
import type { ConfigPath } from "../config-path.js";
import { reportError, type RuleContext } from "./context.js";
import { reportInvalidTag, tagPattern } from "./image-name.js";
import {
  isPlainObject,
  readNonEmptyString,
  readObject,
  readOptional,
  readRequired,
  readString,
  subject,
  type KeyShape,
} from "./values.js";

const ociLayoutShape: KeyShape<OciLayoutBase> = {
  kind: "required",
  path: "required",
  tag: "optional",
};

const supportedForms = '"scratch", "oci:<layout path>:<tag>" or ociLayout(path, tag)';

export function readBaseImage(
  context: RuleContext,
  value: unknown,
  configPath: ConfigPath,
): BaseSpec | undefined {
  if (value === "scratch") {
    return { kind: "scratch" };
  }
  if (typeof value === "string" && value.startsWith("oci:")) {
    return parseOciReference(context, value, configPath);
  }
  if (typeof value === "string") {
    reportError(
      context,
      Codes.invalidValue,
      configPath,
      `${subject(configPath)} ${JSON.stringify(value)} is not a supported base image`,
      `Use ${supportedForms}; registry references are not supported.`,
    );
    return undefined;
  }
  if (!isPlainObject(value) || value["kind"] !== "oci-layout") {
    const message = `${subject(configPath)} must be ${supportedForms}`;
    reportError(context, Codes.wrongType, configPath, message, `Write ${supportedForms}.`);
    return undefined;
  }
  return readOciLayout(context, value, configPath);
}

function readOciLayout(
  context: RuleContext,
  value: unknown,
  configPath: ConfigPath,
): BaseSpec | undefined {
  const base = readObject(context, value, configPath, ociLayoutShape);
  if (base === undefined) {
    return undefined;
  }
  const layout = readRequired(base, "path", (value) =>
    readNonEmptyString(context, value, [...configPath, "path"]),
  );
  // null: no tag, so the layout must hold one image; undefined: an invalid tag.
  const tag = readOptional<string | null>(base, "tag", null, (value) =>
    readLayoutTag(context, value, [...configPath, "tag"]),
  );
  if (layout === undefined || tag === undefined) {
    return undefined;
  }
  const absolute = path.resolve(context.configDir, layout);
  return { kind: "oci-layout", path: absolute, tag: tag ?? undefined };
}

function readLayoutTag(context: RuleContext, value: unknown, configPath: ConfigPath) {
  const tag = readString(context, value, configPath);
  if (tag !== undefined && !tagPattern.test(tag)) {
    reportInvalidTag(context, tag, configPath);
    return undefined;
  }
  return tag;
}

/** Parses `oci:<path>` or `oci:<path>:<tag>`; the tag is what follows the last ":". */
function parseOciReference(
  context: RuleContext,
  reference: string,
  configPath: ConfigPath,
): BaseSpec | undefined {
  const rest = reference.slice("oci:".length);
  const colon = rest.lastIndexOf(":");
  const layout = colon === -1 ? rest : rest.slice(0, colon);
  const tag = colon === -1 ? undefined : rest.slice(colon + 1);

  if (layout === "") {
    reportError(
      context,
      Codes.invalidValue,
      configPath,
      `${subject(configPath)} ${JSON.stringify(reference)} names no layout folder`,
      'Write the layout folder after "oci:", such as "oci:./base:1.0".',
    );
    return undefined;
  }
  if (tag !== undefined && !tagPattern.test(tag)) {
    reportInvalidTag(context, tag, configPath);
    return undefined;
  }
  return { kind: "oci-layout", path: path.resolve(context.configDir, layout), tag };
}
