// Bundles a TypeScript or JavaScript config with esbuild and evaluates it with Node. This is the
// only module of the loader that imports esbuild.

import { randomBytes } from "node:crypto";
import { readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { pathToFileURL } from "node:url";

import * as esbuild from "esbuild";

import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { Codes } from "../diagnostics/codes.js";
import { assert, ImgcError } from "../util/errors.js";
import { findConfigApiModules } from "./config-api-modules.js";
import { ConfigLoadError } from "./config-load-error.js";
import { locateThrow } from "./locate-throw.js";

/** A config file run to its default export, before any checks. */
export interface EvaluatedConfig {
  /** The default export: untrusted until `validateConfig` has checked it. */
  config: unknown;
  /** Absolute path of the config file. */
  file: string;
  /** Absolute paths of the local files the config is made of, itself included, sorted. */
  inputs: string[];
}

interface ConfigBundle {
  code: string;
  sourceMap: string;
  inputs: string[];
}

/**
 * Evaluates the config at `file`: a JSON file is parsed, a TypeScript or JavaScript file is
 * bundled with its local imports and imported. Raises ConfigLoadError (IMGC1002, IMGC1003) when
 * the file does not compile, throws, or has no default export.
 */
export async function evaluateConfig(file: string): Promise<EvaluatedConfig> {
  const absolute = path.resolve(file);
  if (path.extname(absolute) === ".json") {
    return readJsonConfig(absolute);
  }

  const bundle = await bundleConfig(absolute);
  const moduleNamespace = await importBundle(absolute, bundle);

  if (moduleNamespace["default"] === undefined) {
    throw new ConfigLoadError(absolute, [noDefaultExport(absolute)]);
  }
  return { config: moduleNamespace["default"], file: absolute, inputs: bundle.inputs };
}

/** Parses a JSON config. JSON has no default export, so the whole document is the config. */
export async function readJsonConfig(file: string): Promise<EvaluatedConfig> {
  const text = await readFile(file, "utf8");
  try {
    return { config: JSON.parse(text) as unknown, file, inputs: [file] };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const diagnostic: Diagnostic = {
      code: Codes.configLoadFailed,
      severity: "error",
      message: `${path.basename(file)} is not valid JSON: ${message}`,
      fix: "Correct the JSON syntax at the position the message names.",
    };
    const location = locateJsonError(file, text, message);
    throw new ConfigLoadError(file, [location ? { ...diagnostic, location } : diagnostic]);
  }
}

async function bundleConfig(file: string): Promise<ConfigBundle> {
  const configDir = path.dirname(file);
  const { runtime } = findConfigApiModules();
  let result: esbuild.BuildResult<{ write: false; metafile: true }>;
  try {
    result = await esbuild.build({
      entryPoints: [file],
      absWorkingDir: configDir,
      outfile: path.join(configDir, "config.mjs"),
      bundle: true,
      write: false,
      metafile: true,
      // An external map (no sourceMappingURL comment) so that errors are mapped back here, even
      // when Node runs without --enable-source-maps.
      sourcemap: "external",
      platform: "node",
      format: "esm",
      target: "node20",
      logLevel: "silent",
      plugins: [configApiPlugin(runtime)],
    });
  } catch (error) {
    if (isBuildFailure(error)) {
      throw new ConfigLoadError(
        file,
        error.errors.map((message) => buildError(file, message)),
      );
    }
    throw error;
  }

  const code = result.outputFiles.find((output) => output.path.endsWith(".mjs"));
  const sourceMap = result.outputFiles.find((output) => output.path.endsWith(".map"));
  assert(code !== undefined && sourceMap !== undefined, "esbuild wrote no config bundle");
  const inputs = Object.keys(result.metafile.inputs)
    .map((input) => path.resolve(configDir, input))
    .filter((input) => input !== runtime)
    .sort();
  return { code: code.text, sourceMap: sourceMap.text, inputs };
}

/**
 * Resolves "imgc" to the running imgc's helpers and bundles them in, and leaves every other
 * bare import (npm packages, node builtins, "#" subpath imports) for Node to resolve from the
 * config's folder.
 */
function configApiPlugin(runtimeModule: string): esbuild.Plugin {
  return {
    name: "imgc-config-api",
    setup(build) {
      build.onResolve({ filter: /^imgc$/ }, () => ({ path: runtimeModule }));
      build.onResolve({ filter: /^[^./]/ }, (args) =>
        path.isAbsolute(args.path) ? undefined : { path: args.path, external: true },
      );
    },
  };
}

/**
 * Imports the bundle from a temporary file beside the config, because Node resolves the
 * bundle's external imports from the folder the file is in. The file is deleted afterwards.
 *
 * NOTE: the config runs in this process, and Node never unloads an ES module, so each evaluation
 * keeps its bundle in memory until the process exits. `import.meta.url` in a bundled file names
 * the temporary file, which is right for the config's own folder and wrong for files elsewhere.
 */
async function importBundle(file: string, bundle: ConfigBundle): Promise<Record<string, unknown>> {
  const suffix = `${process.pid}-${randomBytes(6).toString("hex")}`;
  const temporary = path.join(path.dirname(file), `.imgc-tmp-${suffix}.mjs`);
  try {
    await writeFile(temporary, bundle.code, { flag: "wx" });
  } catch (error) {
    throw new ImgcError(`failed to write the config bundle ${temporary}`, {
      cause: error,
      hint: "imgc writes a temporary file next to the config; make its folder writable.",
    });
  }

  try {
    return (await import(pathToFileURL(temporary).href)) as Record<string, unknown>;
  } catch (error) {
    const location = locateThrow(error, temporary, bundle.sourceMap);
    const diagnostic: Diagnostic = {
      code: Codes.configLoadFailed,
      severity: "error",
      message: `${path.basename(file)} threw while it was evaluated: ${describeThrown(error)}`,
      fix: "Fix the code that throws; imgc runs the config with Node to get its default export.",
    };
    throw new ConfigLoadError(file, [location ? { ...diagnostic, location } : diagnostic]);
  } finally {
    await rm(temporary, { force: true });
  }
}

function noDefaultExport(file: string): Diagnostic {
  return {
    code: Codes.configNoDefaultExport,
    severity: "error",
    message: `${path.basename(file)} has no default export`,
    location: { file, line: 1, column: 1 },
    fix: 'Export the image: `export default defineImage({ name: "…" })`.',
  };
}

function buildError(file: string, message: esbuild.Message): Diagnostic {
  const diagnostic: Diagnostic = {
    code: Codes.configLoadFailed,
    severity: "error",
    message: `${path.basename(file)} failed to compile: ${message.text}`,
    fix: "Correct the syntax or the import that the message names.",
  };
  const location = message.location;
  if (location === null) {
    return diagnostic;
  }
  // esbuild counts columns in UTF-8 bytes from 0; diagnostics count characters from 1.
  const column = Buffer.from(location.lineText).subarray(0, location.column).toString().length + 1;
  const locationFile = path.resolve(path.dirname(file), location.file);
  return { ...diagnostic, location: { file: locationFile, line: location.line, column } };
}

function isBuildFailure(error: unknown): error is esbuild.BuildFailure {
  return error instanceof Error && Array.isArray((error as Partial<esbuild.BuildFailure>).errors);
}

function describeThrown(error: unknown): string {
  if (error instanceof Error) {
    return `${error.name}: ${error.message}`;
  }
  return String(error);
}

/** Finds the line and column of a JSON.parse error from the offset V8 puts in its message. */
function locateJsonError(file: string, text: string, message: string) {
  const match = /at position (\d+)/.exec(message);
  if (match?.[1] === undefined) {
    return undefined;
  }
  const before = text.slice(0, Number(match[1])).split("\n");
  const line = before.length;
  const column = (before[before.length - 1]?.length ?? 0) + 1;
  return { file, line, column };
}
