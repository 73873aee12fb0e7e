// Bundles a TypeScript or JavaScript config with esbuild and evaluates it in a child Node
// process. This is the only module of the loader that imports esbuild.

import { randomBytes } from "node:crypto";
import { readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";

import * as esbuild from "esbuild";

import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { Codes } from "../diagnostics/codes.js";
import { assert, ImgcError } from "../util/errors.js";
import { findConfigApiModules } from "./config-api-modules.js";
import { ConfigLoadError } from "./config-load-error.js";
import { readConfigResult } from "./read-config-result.js";
import { findConfigRunner, runConfigChild, type ConfigRunner } from "./run-config-child.js";

/** A config file run to its default export, before any checks. */
export interface EvaluatedConfig {
  /** The default export: untrusted until `validateConfig` has checked it. */
  config: unknown;
  /** Absolute path of the config file. */
  file: string;
  /** Absolute paths of the local files the config is made of, itself included, sorted. */
  inputs: string[];
}

/** Options of `evaluateConfig`. */
export interface EvaluateOptions {
  /**
   * Seconds the config may take to evaluate before its process is killed. Default: the
   * `IMGC_CONFIG_TIMEOUT` environment variable, else 30.
   */
  timeoutSeconds?: number;
}

interface ConfigBundle {
  code: string;
  sourceMap: string;
  inputs: string[];
}

/** Seconds a config may take to evaluate when neither the caller nor the environment sets them. */
export const defaultConfigTimeoutSeconds = 30;

/**
 * Evaluates the config at `file`: a JSON file is parsed, a TypeScript or JavaScript file is
 * bundled with its local imports and run in a child Node process that returns its default export
 * as plain data. Raises ConfigLoadError (IMGC1002, IMGC1003) when the file does not compile,
 * throws, exits, does not finish in time, or has no default export of plain data.
 */
export async function evaluateConfig(
  file: string,
  options: EvaluateOptions = {},
): Promise<EvaluatedConfig> {
  const absolute = path.resolve(file);
  if (path.extname(absolute) === ".json") {
    return readJsonConfig(absolute);
  }
  const timeoutSeconds = options.timeoutSeconds ?? readConfigTimeout(absolute, process.env);

  const bundle = await bundleConfig(absolute);
  const runner = await prepareConfigRunner();
  const config = await runBundle(absolute, bundle, runner, timeoutSeconds);

  return { config, file: absolute, inputs: bundle.inputs };
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
      const diagnostics = error.errors.map((message) => buildError(file, message));
      throw new ConfigLoadError(file, diagnostics, true);
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
 * Writes the bundle to a temporary file beside the config, because Node resolves the bundle's
 * external imports from the folder the file is in, and runs it in a child process. The file is
 * deleted afterwards, also when the child failed or was killed.
 *
 * NOTE: `import.meta.url` in a bundled file names the temporary file, which is right for the
 * config's own folder and wrong for files elsewhere.
 */
async function runBundle(
  file: string,
  bundle: ConfigBundle,
  runner: ConfigRunner,
  timeoutSeconds: number,
): Promise<unknown> {
  const suffix = `${process.pid}-${randomBytes(6).toString("hex")}`;
  const bundleFile = path.join(path.dirname(file), `.imgc-tmp-${suffix}.mjs`);
  try {
    await writeFile(bundleFile, bundle.code, { flag: "wx" });
  } catch (error) {
    throw new ImgcError(`failed to write the config bundle ${bundleFile}`, {
      cause: error,
      hint: "imgc writes a temporary file next to the config; make its folder writable.",
    });
  }

  try {
    const run = await runConfigChild(bundleFile, runner, timeoutSeconds * 1000);
    return readConfigResult(run, { file, bundleFile, sourceMap: bundle.sourceMap, timeoutSeconds });
  } finally {
    await rm(bundleFile, { force: true });
  }
}

let runnerFromSources: Promise<ConfigRunner> | undefined;

/**
 * Returns how to start config-runner. Built imgc runs its compiled file; imgc run from its
 * TypeScript sources (tests) bundles the runner once per process, because Node 20 cannot run
 * TypeScript.
 */
function prepareConfigRunner(): Promise<ConfigRunner> {
  const runner = findConfigRunner();
  if (runner.compiled) {
    return Promise.resolve({ kind: "file", file: runner.file });
  }
  runnerFromSources ??= esbuild
    .build({
      entryPoints: [runner.file],
      bundle: true,
      write: false,
      platform: "node",
      format: "esm",
      target: "node20",
      logLevel: "silent",
    })
    .then((result) => {
      const code = result.outputFiles[0]?.text;
      assert(code !== undefined, "esbuild wrote no bundle of config-runner");
      return { kind: "code", code };
    });
  return runnerFromSources;
}

/**
 * Reads IMGC_CONFIG_TIMEOUT, the seconds a config may take to evaluate. Raises ConfigLoadError
 * (IMGC1002) when it is set to anything but a positive number.
 */
export function readConfigTimeout(file: string, env: NodeJS.ProcessEnv): number {
  const text = env["IMGC_CONFIG_TIMEOUT"];
  if (text === undefined || text.trim() === "") {
    return defaultConfigTimeoutSeconds;
  }
  const seconds = Number(text);
  if (Number.isFinite(seconds) && seconds > 0) {
    return seconds;
  }
  throw new ConfigLoadError(file, [
    {
      code: Codes.configLoadFailed,
      severity: "error",
      message: `IMGC_CONFIG_TIMEOUT ${JSON.stringify(text)} is not a positive number of seconds`,
      fix: `Set it to the seconds a config may take to evaluate, such as 60, or unset it for the default of ${defaultConfigTimeoutSeconds}.`,
    },
  ]);
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
