// Type-checks a config with the TypeScript compiler API against the running imgc's config types.

import path from "node:path";

import ts from "typescript";

import { Codes } from "../diagnostics/codes.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { findConfigApiModules } from "../load/config-api-modules.js";

/** Extensions of the configs that are type-checked. JavaScript, JSON and YAML configs are not. */
export const typecheckedExtensions: readonly string[] = [".ts", ".mts"];

/**
 * Type-checks `file` and the local files it imports. Returns IMGC2001 diagnostics for errors in
 * those files only: lib files, declaration files from node_modules and imgc's own types are
 * not reported.
 */
export function typecheckConfig(file: string): Diagnostic[] {
  const absolute = path.resolve(file);
  const options = compilerOptions(absolute);
  const host = createCachingHost(options);
  const program = ts.createProgram({ rootNames: [absolute], options, host });
  const apiFolder = path.dirname(findConfigApiModules().types);

  const diagnostics: Diagnostic[] = [];
  for (const sourceFile of program.getSourceFiles()) {
    const isUserFile =
      !program.isSourceFileDefaultLibrary(sourceFile) &&
      !program.isSourceFileFromExternalLibrary(sourceFile) &&
      !sourceFile.fileName.includes("/node_modules/") &&
      path.dirname(path.resolve(sourceFile.fileName)) !== apiFolder;
    if (!isUserFile) {
      continue;
    }
    const found = [
      ...program.getSyntacticDiagnostics(sourceFile),
      ...program.getSemanticDiagnostics(sourceFile),
    ];
    for (const diagnostic of found) {
      if (diagnostic.category === ts.DiagnosticCategory.Error) {
        diagnostics.push(toDiagnostic(diagnostic, "error"));
      } else if (diagnostic.category === ts.DiagnosticCategory.Warning) {
        diagnostics.push(toDiagnostic(diagnostic, "warning"));
      }
    }
  }
  return diagnostics;
}

/**
 * Returns options close to what a config's author would use. They are fixed, so that checking
 * does not depend on a tsconfig.json that may be missing or meant for other code. Resolution
 * follows esbuild's (Bundler), because esbuild is what runs the config.
 */
function compilerOptions(file: string): ts.CompilerOptions {
  const { types } = findConfigApiModules();
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    allowImportingTsExtensions: true,
    resolveJsonModule: true,
    esModuleInterop: true,
    skipLibCheck: true,
    // Only ES2023: the DOM lib would slow every check and a config does not run in a browser.
    lib: ["lib.es2023.d.ts"],
    types: [],
    // Type roots from the config's folder upwards, not from the current directory.
    typeRoots: findTypeRoots(path.dirname(file)),
    paths: { imgc: [types] },
  };
  // Node's types only when the config's project has them, so that `process.env` type-checks
  // where the author installed @types/node and is an error where they did not.
  const nodeTypes = ts.resolveTypeReferenceDirective("node", file, options, ts.sys);
  if (nodeTypes.resolvedTypeReferenceDirective?.resolvedFileName !== undefined) {
    options.types = ["node"];
  }
  return options;
}

function findTypeRoots(folder: string): string[] {
  const roots: string[] = [];
  for (let current = folder; ; current = path.dirname(current)) {
    const candidate = path.join(current, "node_modules", "@types");
    if (ts.sys.directoryExists(candidate)) {
      roots.push(candidate);
    }
    if (path.dirname(current) === current) {
      return roots;
    }
  }
}

/**
 * Parsed lib and declaration files, kept across checks in one process (watch mode, tests),
 * because parsing lib.es2023 and @types/node is most of the cost of a check. Keyed by path and
 * modification time, so an edited file is parsed again.
 */
const parsedDeclarations = new Map<string, { mtimeMs: number; sourceFile: ts.SourceFile }>();

function createCachingHost(options: ts.CompilerOptions): ts.CompilerHost {
  const host = ts.createCompilerHost(options, true);
  const getSourceFile = host.getSourceFile.bind(host);

  host.getSourceFile = (fileName, languageVersion, onError, shouldCreate) => {
    if (!fileName.endsWith(".d.ts")) {
      return getSourceFile(fileName, languageVersion, onError, shouldCreate);
    }
    const mtimeMs = ts.sys.getModifiedTime?.(fileName)?.getTime() ?? 0;
    const key = `${fileName}\0${JSON.stringify(languageVersion)}`;
    const cached = parsedDeclarations.get(key);
    if (cached !== undefined && cached.mtimeMs === mtimeMs) {
      return cached.sourceFile;
    }
    const sourceFile = getSourceFile(fileName, languageVersion, onError, shouldCreate);
    if (sourceFile !== undefined) {
      parsedDeclarations.set(key, { mtimeMs, sourceFile });
    }
    return sourceFile;
  };
  return host;
}

/** Returns true for a TypeScript syntax error (codes TS1000 to TS1999) made by `typecheckConfig`. */
export function isSyntaxError(diagnostic: Diagnostic): boolean {
  return diagnostic.code === Codes.typeError && /\(TS1\d{3}\)$/.test(diagnostic.message);
}

function toDiagnostic(diagnostic: ts.Diagnostic, severity: Diagnostic["severity"]): Diagnostic {
  // TypeScript's message already names what to change ("Did you mean …?"), so there is no fix.
  const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, "\n");
  const result: Diagnostic = {
    code: Codes.typeError,
    severity,
    message: `${message} (TS${diagnostic.code})`,
  };
  if (diagnostic.file === undefined || diagnostic.start === undefined) {
    return result;
  }
  const position = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start);
  const file = path.resolve(diagnostic.file.fileName);
  return { ...result, location: { file, line: position.line + 1, column: position.character + 1 } };
}
