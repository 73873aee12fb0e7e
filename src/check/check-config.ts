// The check stage as `imgc check` and the compile driver run it: load the config, type-check it,
// validate it, and report every problem of all three in one list.

import { readFileSync } from "node:fs";
import path from "node:path";

import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { DiagnosticError, hasErrors } from "../diagnostics/diagnostic.js";
import { ConfigLoadError } from "../load/config-load-error.js";
import { loadConfig } from "../load/find-config.js";
import { locateConfigPath, parseConfigSource } from "./locate.js";
import type { ImageSpec } from "./spec.js";
import { typecheckConfig, typecheckedExtensions } from "./typecheck.js";
import { validateConfig } from "./validate.js";

/** The result of checking a config: its spec, its problems and the files it is made of. */
export interface CheckResult {
  /** Absolute path of the config, or undefined when none was found. */
  file: string | undefined;
  /** The validated config, or undefined when any diagnostic is an error. */
  spec: ImageSpec | undefined;
  /** The evaluated default export, as the config wrote it (the lock hashes it). */
  config: unknown;
  /** Load, type and validation problems, ordered by file, line and column. */
  diagnostics: Diagnostic[];
  /** Local files the config is made of, for watching and for the lock's inputs. */
  inputs: string[];
}

/**
 * Loads the config at `file` (or searches for one from `cwd` when undefined), type-checks it when
 * `typecheck` is set and it is TypeScript, and validates the evaluated object. Type errors and
 * validation errors are reported together; a type error that a validation diagnostic already
 * reports at the same place is left out.
 */
export async function checkConfig(
  file: string | undefined,
  options: { typecheck: boolean; cwd?: string },
): Promise<CheckResult> {
  const loaded = await loadOrReport(file, options.cwd);
  if (loaded.file === undefined) {
    return {
      file: undefined,
      spec: undefined,
      config: undefined,
      diagnostics: loaded.diagnostics,
      inputs: [],
    };
  }
  const configFile = loaded.file;

  const typecheck =
    options.typecheck && typecheckedExtensions.includes(path.extname(configFile).toLowerCase());
  const typeErrors = typecheck ? typecheckConfig(configFile) : [];

  const validation =
    loaded.config === undefined
      ? { spec: undefined, diagnostics: [] }
      : validateConfig(loaded.config.value, { configFile });

  const diagnostics = sortByLocation([
    ...loaded.diagnostics,
    ...withoutDuplicates(typeErrors, validation.diagnostics, configFile),
    ...validation.diagnostics,
  ]);
  const spec = hasErrors(diagnostics) ? undefined : validation.spec;
  return {
    file: configFile,
    spec,
    config: loaded.config?.value,
    diagnostics,
    inputs: loaded.inputs,
  };
}

async function loadOrReport(file: string | undefined, cwd: string | undefined) {
  try {
    const evaluated = await loadConfig(file, { cwd });
    return {
      file: evaluated.file,
      config: { value: evaluated.config },
      inputs: evaluated.inputs,
      diagnostics: [],
    };
  } catch (error) {
    if (error instanceof ConfigLoadError) {
      const diagnostics = [...error.diagnostics];
      return { file: error.file, config: undefined, inputs: [error.file], diagnostics };
    }
    if (error instanceof DiagnosticError) {
      const diagnostics = [...error.diagnostics];
      return { file: undefined, config: undefined, inputs: [], diagnostics };
    }
    throw error;
  }
}

/**
 * Leaves out type errors that start inside a value a validation error was located at exactly:
 * both describe one mistake, and the validation diagnostic carries the config path and a fix.
 */
function withoutDuplicates(
  typeErrors: readonly Diagnostic[],
  validation: readonly Diagnostic[],
  configFile: string,
): Diagnostic[] {
  const validationErrors = validation.filter((d) => d.severity === "error" && d.path !== undefined);
  if (typeErrors.length === 0 || validationErrors.length === 0) {
    return [...typeErrors];
  }
  const source = parseConfigSource(configFile, readFileSync(configFile, "utf8"));
  const spans = validationErrors
    .map((diagnostic) => locateConfigPath(source, diagnostic.path ?? ""))
    .filter((located) => located?.exact === true);

  return typeErrors.filter((typeError) => {
    const location = typeError.location;
    if (location === undefined || location.file !== configFile) {
      return true;
    }
    const offset = source.sourceFile.getPositionOfLineAndCharacter(
      location.line - 1,
      location.column - 1,
    );
    return !spans.some((span) => span !== undefined && span.start <= offset && offset < span.end);
  });
}

/** Orders diagnostics by file, line and column; those without a location keep their order last. */
function sortByLocation(diagnostics: Diagnostic[]): Diagnostic[] {
  const located = diagnostics.filter((d) => d.location !== undefined);
  const unlocated = diagnostics.filter((d) => d.location === undefined);
  located.sort((a, b) => {
    const left = a.location;
    const right = b.location;
    if (left === undefined || right === undefined) {
      return 0;
    }
    return (
      left.file.localeCompare(right.file) || left.line - right.line || left.column - right.column
    );
  });
  return [...located, ...unlocated];
}
