// Rules for the shape of values: objects with known keys, strings, arrays, records and numbers.
// Each reader reports what is wrong and returns undefined, so that callers skip the checks that
// depend on the value.

import { Codes } from "../../diagnostics/codes.js";
import { formatConfigPath, type ConfigPath } from "../config-path.js";
import { reportError, type RuleContext } from "./context.js";
import { suggest } from "./suggest.js";

/** The keys a config object of type `T` may have, each marked required or optional. */
export type KeyShape<T> = {
  readonly [K in keyof T]-?: object extends Pick<T, K> ? "optional" : "required";
};

/** A plain object read from the config, keyed by the names a `KeyShape` allows. */
export type ConfigObject = Readonly<Record<string, unknown>>;

/** Names a config path in a message: `files[2].dest`, or "the config" for the root. */
export function subject(path: ConfigPath): string {
  return path.length === 0 ? "the config" : formatConfigPath(path);
}

/** Shows a value in a message: strings quoted and cut at 60 characters, other values by kind. */
export function describeValue(value: unknown): string {
  if (typeof value === "string") {
    const quoted = JSON.stringify(value);
    return quoted.length > 62 ? `${quoted.slice(0, 60)}…"` : quoted;
  }
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint") {
    return String(value);
  }
  if (value === null || value === undefined) {
    return String(value);
  }
  if (Array.isArray(value)) {
    return "an array";
  }
  return typeof value === "function" ? "a function" : "an object";
}

export function isPlainObject(value: unknown): value is ConfigObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Reads an object whose keys `shape` lists. Reports a value that is not an object, every key the
 * shape does not know (with a suggestion), and every required key that is missing or undefined.
 * Keys whose value is undefined count as absent, as they do in a spread or an optional field.
 */
export function readObject<T>(
  context: RuleContext,
  value: unknown,
  path: ConfigPath,
  shape: KeyShape<T>,
  expected = "an object",
): ConfigObject | undefined {
  if (!isPlainObject(value)) {
    reportWrongType(context, value, path, expected);
    return undefined;
  }
  const known = Object.keys(shape);
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) {
      reportUnknownKey(context, [...path, key], known);
    }
  }
  for (const [key, presence] of Object.entries(shape)) {
    if (presence === "required" && value[key] === undefined) {
      reportError(
        context,
        Codes.missingField,
        [...path, key],
        `${subject(path)} has no ${key}`,
        `Add ${key}; it is required.`,
      );
    }
  }
  return value;
}

/** Reports a key that the object at its parent path does not take. */
export function reportUnknownKey(
  context: RuleContext,
  path: ConfigPath,
  known: readonly string[],
): void {
  const key = String(path[path.length - 1]);
  const parent = path.slice(0, -1);
  const suggestion = suggest(key, known);
  const fix =
    suggestion === undefined
      ? `Remove it; ${subject(parent)} takes ${known.join(", ")}.`
      : `Did you mean ${JSON.stringify(suggestion)}? Rename the key to ${suggestion}.`;
  const message = `unknown key ${JSON.stringify(key)} in ${subject(parent)}`;
  reportError(context, Codes.unknownKey, path, message, fix, "key");
}

/** Reports a value of the wrong type, with a fix for a number written as a string or back. */
export function reportWrongType(
  context: RuleContext,
  value: unknown,
  path: ConfigPath,
  expected: string,
): void {
  let fix = `Write ${expected} here.`;
  if (expected === "a number" && typeof value === "string" && /^\d+$/.test(value)) {
    fix = `Write the number without quotes: ${value}.`;
  } else if (expected === "a string" && (typeof value === "number" || typeof value === "boolean")) {
    fix = `Quote the value: "${String(value)}".`;
  }
  const message = `${subject(path)} must be ${expected}, not ${describeValue(value)}`;
  reportError(context, Codes.wrongType, path, message, fix);
}

/**
 * Reads a string. Reports a NUL character unless `allowNul` is set, because paths, environment
 * variables and command arguments end at the first NUL byte. In a name, label or annotation, a
 * NUL is a mistake too.
 */
export function readString(
  context: RuleContext,
  value: unknown,
  path: ConfigPath,
  options: { allowNul?: boolean } = {},
): string | undefined {
  if (typeof value !== "string") {
    reportWrongType(context, value, path, "a string");
    return undefined;
  }
  if (options.allowNul !== true && value.includes("\0")) {
    reportNulCharacter(context, value, path);
    return undefined;
  }
  return value;
}

/** Reports a string with a NUL character, a value or (with `target` "key") a property name. */
function reportNulCharacter(
  context: RuleContext,
  text: string,
  path: ConfigPath,
  target: "key" | "value" = "value",
): void {
  const what =
    target === "key"
      ? `the key ${describeValue(text)} of ${subject(path.slice(0, -1))}`
      : `${subject(path)} ${describeValue(text)}`;
  reportError(
    context,
    Codes.invalidValue,
    path,
    `${what} contains a NUL character ("\\u0000")`,
    "Remove the NUL character; only the content of a text() file may contain one, because paths, environment variables and command arguments end at the first NUL byte.",
    target,
  );
}

/** Reads a string that must not be empty. */
export function readNonEmptyString(
  context: RuleContext,
  value: unknown,
  path: ConfigPath,
): string | undefined {
  const text = readString(context, value, path);
  if (text === "") {
    reportError(
      context,
      Codes.invalidValue,
      path,
      `${subject(path)} is empty`,
      "Write a non-empty value.",
    );
    return undefined;
  }
  return text;
}

/** Reads an array and each of its elements with `readElement`; undefined if any is invalid. */
export function readArray<T>(
  context: RuleContext,
  value: unknown,
  path: ConfigPath,
  readElement: (element: unknown, path: ConfigPath) => T | undefined,
  expected = "an array",
): T[] | undefined {
  if (!Array.isArray(value)) {
    reportWrongType(context, value, path, expected);
    return undefined;
  }
  const elements = value.map((element, index) => readElement(element, [...path, index]));
  return elements.every((element) => element !== undefined) ? (elements as T[]) : undefined;
}

export function readStringArray(
  context: RuleContext,
  value: unknown,
  path: ConfigPath,
): string[] | undefined {
  const readItem = (item: unknown, itemPath: ConfigPath) => readString(context, item, itemPath);
  return readArray(context, value, path, readItem, "an array of strings");
}

/** Reads an object of string values, such as `labels`, as entries in the config's order. */
export function readStringRecord(
  context: RuleContext,
  value: unknown,
  path: ConfigPath,
): [string, string][] | undefined {
  if (!isPlainObject(value)) {
    reportWrongType(context, value, path, "an object of strings");
    return undefined;
  }
  const entries: [string, string][] = [];
  let valid = true;
  for (const [key, item] of Object.entries(value)) {
    if (key === "") {
      const message = `${subject(path)} has an empty key`;
      reportError(context, Codes.invalidValue, path, message, "Give the entry a name.");
      valid = false;
    } else if (key.includes("\0")) {
      reportNulCharacter(context, key, [...path, key], "key");
      valid = false;
    }
    const text = readString(context, item, [...path, key]);
    if (text === undefined) {
      valid = false;
    } else {
      entries.push([key, text]);
    }
  }
  return valid ? entries : undefined;
}

/**
 * Reads a whole number within `min..max`. `code` is the diagnostic for a number out of range,
 * such as IMGC2008 for ids.
 */
export function readInteger(
  context: RuleContext,
  value: unknown,
  path: ConfigPath,
  range: { min: number; max: number; code: string; what: string; reason?: string },
): number | undefined {
  if (typeof value !== "number") {
    reportWrongType(context, value, path, "a number");
    return undefined;
  }
  if (!Number.isInteger(value) || value < range.min || value > range.max) {
    const kind = Number.isInteger(value) ? "out of range" : "not a whole number";
    reportError(
      context,
      range.code,
      path,
      `${subject(path)} ${value} is ${kind}`,
      `Use a ${range.what} from ${range.min} to ${range.max}${range.reason === undefined ? "" : `; ${range.reason}`}.`,
    );
    return undefined;
  }
  return value;
}

/** Reads a required key with `read`. A missing key returns undefined: `readObject` reported it. */
export function readRequired<T>(
  object: ConfigObject,
  key: string,
  read: (value: unknown) => T | undefined,
): T | undefined {
  const value = object[key];
  return value === undefined ? undefined : read(value);
}

/** Reads an optional key with `read`, or returns `fallback` when the key is missing. */
export function readOptional<T>(
  object: ConfigObject,
  key: string,
  fallback: T,
  read: (value: unknown) => T | undefined,
): T | undefined {
  const value = object[key];
  return value === undefined ? fallback : read(value);
}
