// Finds the config file with cosmiconfig and loads it. cosmiconfig is imported only here.

import { stat } from "node:fs/promises";
import path from "node:path";

import { cosmiconfig, defaultLoaders, type Loader } from "cosmiconfig";

import { Codes } from "../diagnostics/codes.js";
import { DiagnosticError, type Diagnostic } from "../diagnostics/diagnostic.js";
import { ConfigLoadError } from "./config-load-error.js";
import { evaluateConfig, readJsonConfig, type EvaluatedConfig } from "./evaluate-config.js";

/** File names searched for, in this order, in each folder from the start folder upwards. */
export const configSearchPlaces = [
  "image.config.ts",
  "image.config.mts",
  "image.config.js",
  "image.config.mjs",
  "image.config.json",
  "image.config.yaml",
  "image.config.yml",
] as const;

/**
 * Loads the config at `configPath`, or searches for one when it is undefined or a folder: from
 * `cwd` (or that folder) up to the nearest folder with a package.json. Raises DiagnosticError
 * (IMGC1001) when there is no config, and ConfigLoadError (IMGC1002, IMGC1003) when the config
 * does not evaluate.
 */
export async function loadConfig(
  configPath: string | undefined,
  options: { cwd?: string } = {},
): Promise<EvaluatedConfig> {
  const cwd = options.cwd ?? process.cwd();
  const explorer = createExplorer();

  if (configPath === undefined) {
    return unwrap(await explorer.search(cwd), cwd);
  }
  const absolute = path.resolve(cwd, configPath);
  const kind = await pathKind(absolute);
  if (kind === "folder") {
    return unwrap(await explorer.search(absolute), absolute);
  }
  if (kind === "missing") {
    throw new DiagnosticError([
      {
        code: Codes.configNotFound,
        severity: "error",
        message: `config file ${configPath} not found (looked for ${absolute})`,
        fix: `Check the path, or leave it out to search for ${configSearchPlaces[0]} from the current folder.`,
      },
    ]);
  }
  const extension = path.extname(absolute);
  if (!configExtensions.includes(extension)) {
    throw new ConfigLoadError(absolute, [
      {
        code: Codes.configLoadFailed,
        severity: "error",
        message: `config file ${configPath} has the unsupported extension "${extension}"`,
        fix: `Write the config as one of ${configExtensions.join(", ")}.`,
      },
    ]);
  }
  return unwrap(await explorer.load(absolute), path.dirname(absolute));
}

/** Extensions that `createExplorer` has a loader for. */
const configExtensions = [".ts", ".mts", ".js", ".mjs", ".json", ".yaml", ".yml"];

function createExplorer() {
  const evaluate: Loader = (file) => evaluateConfig(file);
  const readJson: Loader = (file) => readJsonConfig(file);
  const readYaml: Loader = (file, content) => readYamlConfig(file, content);

  return cosmiconfig("imgc", {
    searchPlaces: [...configSearchPlaces],
    // Stop at the project root, like other tools that search upwards for their config.
    searchStrategy: "project",
    // A watch mode or a long-lived process must see edits, so nothing is cached.
    cache: false,
    loaders: {
      ".ts": evaluate,
      ".mts": evaluate,
      ".js": evaluate,
      ".mjs": evaluate,
      ".json": readJson,
      ".yaml": readYaml,
      ".yml": readYaml,
    },
  });
}

/** Parses a YAML config with cosmiconfig's YAML loader (js-yaml). */
function readYamlConfig(file: string, content: string): EvaluatedConfig {
  try {
    return { config: defaultLoaders[".yaml"](file, content) as unknown, file, inputs: [file] };
  } catch (error) {
    const { message, mark } = error as { message: string; mark?: { line: number; column: number } };
    const diagnostic: Diagnostic = {
      code: Codes.configLoadFailed,
      severity: "error",
      message: `${path.basename(file)} is not valid YAML: ${message.split("\n")[0] ?? message}`,
      fix: "Correct the YAML syntax at the position the message names.",
    };
    if (mark === undefined) {
      throw new ConfigLoadError(file, [diagnostic]);
    }
    const location = { file, line: mark.line + 1, column: mark.column + 1 };
    throw new ConfigLoadError(file, [{ ...diagnostic, location }]);
  }
}

function unwrap(
  result: { config: unknown; filepath: string; isEmpty?: boolean } | null,
  from: string,
): EvaluatedConfig {
  if (result === null) {
    throw new DiagnosticError([
      {
        code: Codes.configNotFound,
        severity: "error",
        message: `no config file found in ${from} or its parent folders up to the project root (looked for ${configSearchPlaces.join(", ")})`,
        fix: `Create ${configSearchPlaces[0]} that exports \`defineImage({ ... })\`, or pass the config path.`,
      },
    ]);
  }
  if (result.isEmpty === true) {
    // cosmiconfig does not call a loader for a file that is empty or only whitespace.
    throw new ConfigLoadError(result.filepath, [
      {
        code: Codes.configNoDefaultExport,
        severity: "error",
        message: `config file ${result.filepath} is empty`,
        location: { file: result.filepath, line: 1, column: 1 },
        fix: 'Export the image: `export default defineImage({ name: "…" })`.',
      },
    ]);
  }
  return result.config as EvaluatedConfig;
}

async function pathKind(file: string): Promise<"file" | "folder" | "missing"> {
  try {
    return (await stat(file)).isDirectory() ? "folder" : "file";
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") {
      return "missing";
    }
    throw error;
  }
}
