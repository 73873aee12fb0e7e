// Turns what the child process that evaluated a config left behind into the config's default
// export, or into diagnostics that explain why there is none: a throw, a call to process.exit, a
// value that is not plain data, a top-level await that never settled, or a time limit passed.

import { formatConfigPath } from "../check/config-path.js";
import path from "node:path";

import { Codes } from "../diagnostics/codes.js";
import type { Diagnostic, SourceLocation } from "../diagnostics/diagnostic.js";
import type { RunnerResult } from "./config-runner.js";
import { ConfigLoadError } from "./config-load-error.js";
import { locateThrow } from "./locate-throw.js";
import {
  restoreSpecialValues,
  type DataPathSegment,
  type SpecialValue,
  type UnsupportedValue,
} from "./plain-data.js";
import type { ConfigChildRun } from "./run-config-child.js";

/** The files of one evaluation, for messages and for mapping stack frames to the source. */
export interface ConfigEvaluation {
  /** Absolute path of the config file. */
  file: string;
  /** Absolute path of the temporary bundle that the child imported. */
  bundleFile: string;
  sourceMap: string;
  timeoutSeconds: number;
}

/** Node's exit code for a top-level await whose promise never settled. */
const unsettledTopLevelAwait = 13;

/** Lines of the child's output that a diagnostic quotes, at most. */
const quotedOutputLines = 20;

/**
 * Returns the default export that the child run produced, with undefined, NaN and Infinity
 * restored. Raises ConfigLoadError (IMGC1002, IMGC1003) for every other outcome.
 */
export function readConfigResult(run: ConfigChildRun, evaluation: ConfigEvaluation): unknown {
  const { file } = evaluation;
  if (run.timedOut) {
    throw new ConfigLoadError(file, [timedOut(evaluation, run.output)]);
  }
  if (run.result === undefined) {
    throw new ConfigLoadError(file, [endedWithoutResult(evaluation, run)]);
  }
  const result = parseRunnerResult(run.result);
  if (result === undefined) {
    const message = `${name(file)} left an unreadable result of its evaluation`;
    throw new ConfigLoadError(file, [loadFailed(message, failureFix, undefined, run.output)]);
  }

  switch (result.kind) {
    case "value":
      return restoreSpecialValues(result.data, result.specials);
    case "no-default-export":
      throw new ConfigLoadError(file, [noDefaultExport(file)]);
    case "unsupported":
      throw new ConfigLoadError(
        file,
        result.values.map((value) => unsupportedValue(file, value)),
      );
    case "threw": {
      const location = locateThrow(result.stack, evaluation.bundleFile, evaluation.sourceMap);
      const message = `${name(file)} threw while it was evaluated: ${result.description}`;
      const fix =
        "Fix the code that throws; imgc runs the config with Node to get its default export.";
      throw new ConfigLoadError(file, [withLocation(loadFailed(message, fix), location)]);
    }
    case "exited": {
      const location = locateThrow(result.stack, evaluation.bundleFile, evaluation.sourceMap);
      const message = `${name(file)} called process.exit(${result.code}) while it was evaluated`;
      throw new ConfigLoadError(file, [withLocation(loadFailed(message, exitFix), location)]);
    }
  }
}

export function noDefaultExport(file: string): Diagnostic {
  return {
    code: Codes.configNoDefaultExport,
    severity: "error",
    message: `${name(file)} has no default export`,
    location: { file, line: 1, column: 1 },
    fix: 'Export the image: `export default defineImage({ name: "…" })`.',
  };
}

const failureFix =
  "Fix the error that the output shows; imgc runs the config in a child Node process to get its default export.";

const exitFix =
  "Remove the call: a config that ends the process never hands imgc its default export. Throw an Error to stop with a message.";

function timedOut(evaluation: ConfigEvaluation, output: string): Diagnostic {
  const seconds = evaluation.timeoutSeconds;
  const message = `${name(evaluation.file)} did not finish evaluating within ${seconds} s`;
  const fix =
    "Look for a loop that never ends or a promise that never settles in the config and the files it imports. If it is only slow, set IMGC_CONFIG_TIMEOUT to more seconds.";
  return loadFailed(message, fix, undefined, output);
}

function endedWithoutResult(evaluation: ConfigEvaluation, run: ConfigChildRun): Diagnostic {
  const file = evaluation.file;
  if (run.exitCode === unsettledTopLevelAwait) {
    const message = `${name(file)} never finished evaluating: a top-level await is waiting for a promise that never settles (Node exit code 13)`;
    const fix =
      "Make every promise that the config and the files it imports await at the top level resolve or reject.";
    return loadFailed(message, fix, undefined, run.output);
  }
  if (run.exitCode === 0) {
    const message = `${name(file)} ended the Node process (exit code 0) before imgc read its default export`;
    return loadFailed(message, exitFix, undefined, run.output);
  }
  const ending =
    run.signal === null
      ? `Node exited with code ${run.exitCode}`
      : `Node was killed by ${run.signal}`;
  const message = `${name(file)} failed while it was evaluated: ${ending}`;
  // An uncaught error of a callback or a rejected promise prints its stack on stderr.
  const location = locateThrow(run.output, evaluation.bundleFile, evaluation.sourceMap);
  return loadFailed(message, failureFix, location, run.output);
}

function unsupportedValue(file: string, value: UnsupportedValue): Diagnostic {
  if (value.path.length === 0) {
    return {
      code: Codes.configNoDefaultExport,
      severity: "error",
      message: `the default export of ${name(file)} is ${value.found}, not an image config`,
      location: { file, line: 1, column: 1 },
      fix: topLevelFix(value),
    };
  }
  const valuePath = formatConfigPath(value.path);
  return {
    code: Codes.configLoadFailed,
    severity: "error",
    message: `${valuePath} in the default export of ${name(file)} is ${value.found}, which is not plain data`,
    path: valuePath,
    fix: nestedFix(value),
  };
}

function topLevelFix(value: UnsupportedValue): string {
  if (value.kind === "function") {
    return "Export the config object itself: `export default defineImage({ … })`; imgc does not call a default export.";
  }
  if (value.className === "Promise") {
    return "Await it: `export default await …`.";
  }
  return "Export a plain object: `export default defineImage({ … })`.";
}

/** Fixes for instances of built-in classes that have a plain equivalent. */
const instanceFixes: Readonly<Record<string, string>> = {
  Promise: "Await the promise before its value goes into the config.",
  Map: "Convert it to a plain object, such as `Object.fromEntries(map)`.",
  Set: "Convert it to an array, such as `[...set]`.",
  Date: "Convert it to a string, such as `date.toISOString()`.",
  URL: "Convert it to a string, such as `url.href`.",
};

function nestedFix(value: UnsupportedValue): string {
  const plain = "a config holds only objects, arrays, strings, numbers, booleans and null";
  switch (value.kind) {
    case "function":
      return `Call it and use its result, or remove it; ${plain}.`;
    case "bigint":
      return "Use a number instead, such as `Number(value)`.";
    case "symbol":
      return "Use a string instead.";
    case "cycle":
      return `Remove the reference to the enclosing object; ${plain}.`;
    case "instance":
      return (
        instanceFixes[value.className ?? ""] ??
        `Copy its data into a plain object or array; ${plain}.`
      );
  }
}

function loadFailed(
  message: string,
  fix: string,
  location?: SourceLocation,
  output?: string,
): Diagnostic {
  const quoted = output === undefined ? "" : quoteOutput(output);
  const diagnostic: Diagnostic = {
    code: Codes.configLoadFailed,
    severity: "error",
    message: quoted === "" ? message : `${message}; its output ended with:\n${quoted}`,
    fix,
  };
  return withLocation(diagnostic, location);
}

function withLocation(diagnostic: Diagnostic, location: SourceLocation | undefined): Diagnostic {
  return location === undefined ? diagnostic : { ...diagnostic, location };
}

/** Returns the last lines of the output, indented, or "" when there was none. */
function quoteOutput(output: string): string {
  const lines = output.trimEnd().split("\n");
  if (lines.length === 1 && lines[0] === "") {
    return "";
  }
  return lines
    .slice(-quotedOutputLines)
    .map((line) => `    ${line.slice(0, 200)}`)
    .join("\n");
}

/** Parses the result file. Returns undefined when it does not have the shape config-runner writes. */
function parseRunnerResult(text: string): RunnerResult | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof parsed !== "object" || parsed === null) {
    return undefined;
  }
  const result = parsed as Readonly<Record<string, unknown>>;
  const valid = {
    value: () => isArrayOf(result["specials"], isSpecialValue),
    "no-default-export": () => true,
    unsupported: () => isArrayOf(result["values"], isUnsupportedValue),
    threw: () => typeof result["description"] === "string" && isOptionalString(result["stack"]),
    exited: () => typeof result["code"] === "string" && isOptionalString(result["stack"]),
  }[String(result["kind"])];
  return valid?.() === true ? (parsed as RunnerResult) : undefined;
}

function isArrayOf<T>(value: unknown, isItem: (item: unknown) => item is T): value is T[] {
  return Array.isArray(value) && value.every(isItem);
}

function isOptionalString(value: unknown): boolean {
  return value === undefined || typeof value === "string";
}

function isDataPath(value: unknown): value is DataPathSegment[] {
  return (
    Array.isArray(value) &&
    value.every((segment) => typeof segment === "string" || typeof segment === "number")
  );
}

function isSpecialValue(value: unknown): value is SpecialValue {
  const special = value as Partial<SpecialValue> | null;
  return (
    typeof special === "object" &&
    special !== null &&
    isDataPath(special.path) &&
    ["undefined", "NaN", "Infinity", "-Infinity"].includes(String(special.value))
  );
}

function isUnsupportedValue(value: unknown): value is UnsupportedValue {
  const unsupported = value as Partial<UnsupportedValue> | null;
  return (
    typeof unsupported === "object" &&
    unsupported !== null &&
    isDataPath(unsupported.path) &&
    typeof unsupported.kind === "string" &&
    typeof unsupported.found === "string"
  );
}

function name(file: string): string {
  return path.basename(file);
}
