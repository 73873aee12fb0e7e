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
import { isSyntaxError, typecheckConfig, typecheckedExtensions } from "./typecheck.js";
import { readConfigSource, validateConfig } from "./validate.js";

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
 * validation errors are reported together. A type error is left out when a validation diagnostic
 * or a compile error of the loader already reports it at the same place.
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

  const otherErrors = [...loaded.diagnostics, ...validation.diagnostics];
  const newTypeErrors = withoutDuplicates(
    withoutCompileErrors(typeErrors, loaded.compileErrors),
    otherErrors,
    configFile,
  );
  const diagnostics = sortByLocation([
    ...loaded.diagnostics,
    ...newTypeErrors,
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
      compileErrors: [],
    };
  } catch (error) {
    if (error instanceof ConfigLoadError) {
      const diagnostics = locateLoadDiagnostics(error.file, error.diagnostics);
      const compileErrors = error.compileFailed ? diagnostics : [];
      return {
        file: error.file,
        config: undefined,
        inputs: [error.file],
        diagnostics,
        compileErrors,
      };
    }
    if (error instanceof DiagnosticError) {
      const diagnostics = [...error.diagnostics];
      return { file: undefined, config: undefined, inputs: [], diagnostics, compileErrors: [] };
    }
    throw error;
  }
}

/**
 * Adds source locations to load diagnostics that name a config path only, such as a function in
 * the default export.
 */
function locateLoadDiagnostics(file: string, diagnostics: readonly Diagnostic[]): Diagnostic[] {
  const unlocated = diagnostics.some((d) => d.path !== undefined && d.location === undefined);
  const source = unlocated ? readConfigSource(file) : undefined;
  if (source === undefined) {
    return [...diagnostics];
  }
  return diagnostics.map((diagnostic) => {
    if (diagnostic.path === undefined || diagnostic.location !== undefined) {
      return diagnostic;
    }
    const located = locateConfigPath(source, diagnostic.path);
    return located === undefined ? diagnostic : { ...diagnostic, location: located.location };
  });
}

/**
 * Leaves out type errors that repeat a compile error of the loader: esbuild and TypeScript both
 * parse the config, so a syntax error or an unresolved import would be reported twice. A type
 * error repeats one when it is at the same place, or when it is a syntax error (TS1xxx) on the
 * same line, where the two parsers may point at different columns.
 */
function withoutCompileErrors(
  typeErrors: readonly Diagnostic[],
  compileErrors: readonly Diagnostic[],
): Diagnostic[] {
  return typeErrors.filter((typeError) => {
    const at = typeError.location;
    const syntaxError = isSyntaxError(typeError);
    return !compileErrors.some((compileError) => {
      const other = compileError.location;
      if (
        at === undefined ||
        other === undefined ||
        at.file !== other.file ||
        at.line !== other.line
      ) {
        return false;
      }
      return at.column === other.column || syntaxError;
    });
  });
}

/**
 * Leaves out type errors that start inside a value a validation or load error was located at
 * exactly: both describe one mistake, and the other diagnostic carries the config path and a fix.
 */
function withoutDuplicates(
  typeErrors: readonly Diagnostic[],
  otherErrors: readonly Diagnostic[],
  configFile: string,
): Diagnostic[] {
  const pathErrors = otherErrors.filter((d) => d.severity === "error" && d.path !== undefined);
  if (typeErrors.length === 0 || pathErrors.length === 0) {
    return [...typeErrors];
  }
  const source = parseConfigSource(configFile, readFileSync(configFile, "utf8"));
  const spans = pathErrors
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
