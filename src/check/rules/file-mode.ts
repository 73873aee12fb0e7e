// Rules for permission bits (`mode`, `dirMode`) of file entries.

import { Codes } from "../../diagnostics/codes.js";
import type { ConfigPath } from "../config-path.js";
import { reportError, type RuleContext } from "./context.js";
import { reportWrongType, subject } from "./values.js";

/** Default permission bits: the usual modes of regular files and directories under umask 022. */
export const defaultFileMode = 0o644;
export const defaultDirMode = 0o755;
const maxMode = 0o7777;

/** Reads optional permission bits; undefined means "keep the source's", null means invalid. */
export function readOptionalMode(context: RuleContext, value: unknown, configPath: ConfigPath) {
  if (value === undefined) {
    return undefined;
  }
  return readMode(context, value, configPath, 0) ?? null;
}

export function readMode(
  context: RuleContext,
  value: unknown,
  configPath: ConfigPath,
  defaultMode: number,
): number | undefined {
  if (value === undefined) {
    return defaultMode;
  }
  if (typeof value !== "number") {
    reportWrongType(context, value, configPath, "a number such as 0o644");
    return undefined;
  }
  if (!Number.isInteger(value) || value < 0 || value > maxMode) {
    reportError(
      context,
      Codes.invalidValue,
      configPath,
      `${subject(configPath)} ${formatMode(value)} is not a valid mode`,
      "Use permission bits from 0o0 to 0o7777, such as 0o644 or 0o755.",
    );
    return undefined;
  }
  if (isDecimalMode(value)) {
    const decimal = String(value);
    reportError(
      context,
      Codes.invalidValue,
      configPath,
      `${subject(configPath)} ${decimal} is the decimal number ${decimal}, which is mode ${formatMode(value)}`,
      `Write the mode in octal: 0o${decimal}.`,
    );
    return undefined;
  }
  return value;
}

/**
 * Returns true for modes such as 644 or 755 written without `0o`. As decimals they are odd modes
 * (644 is 0o1204: sticky, and the owner cannot read the file), so they are rejected. Only
 * 512..777 is checked, because lower decimals with octal digits, such as 420 (0o644), are real
 * modes written in decimal.
 */
function isDecimalMode(mode: number): boolean {
  return mode >= 512 && mode <= 777 && /^[0-7]+$/.test(String(mode));
}

function formatMode(mode: number): string {
  return Number.isInteger(mode) && mode >= 0 ? `0o${mode.toString(8)}` : String(mode);
}
