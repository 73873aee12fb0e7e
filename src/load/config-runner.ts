// The entry point of the child process that evaluates a config: `node config-runner.js <bundle>
// <result>` imports the bundled config and writes its default export, as plain data, or what
// went wrong, as JSON to the result file. imgc starts it with `runConfigChild`, so that a config
// that exits, hangs or never settles cannot take imgc with it.

import { writeFileSync } from "node:fs";
import { pathToFileURL } from "node:url";

import { toPlainData, type SpecialValue, type UnsupportedValue } from "./plain-data.js";

/** The report that the runner writes to the result file. */
export type RunnerResult =
  | { kind: "value"; data: unknown; specials: SpecialValue[] }
  | { kind: "no-default-export" }
  | { kind: "unsupported"; values: UnsupportedValue[] }
  | { kind: "threw"; description: string; stack: string | undefined }
  | { kind: "exited"; code: string; stack: string | undefined };

// Both paths come last, so that the runner reads them the same way whether Node runs it from a
// file or from --eval.
const [bundleFile = "", resultFile = ""] = process.argv.slice(-2);

// Kept before the config runs, because the config may replace process.exit or JSON.stringify.
const exitProcess = process.exit.bind(process);
const stringify = JSON.stringify;

function writeResult(result: RunnerResult): void {
  writeFileSync(resultFile, stringify(result));
}

// A config that calls process.exit would end the child without a result, so the replacement
// reports the call and where it was made before the process ends.
process.exit = ((code?: number | string | null) => {
  writeResult({
    kind: "exited",
    code: String(code ?? process.exitCode ?? 0),
    stack: stackOf(new Error()),
  });
  exitProcess(code);
}) as typeof process.exit;

try {
  const namespace = (await import(pathToFileURL(bundleFile).href)) as Record<string, unknown>;
  writeResult(readDefaultExport(namespace));
} catch (error) {
  writeResult({ kind: "threw", description: describeThrown(error), stack: stackOf(error) });
}
// Ends the process even when the config left timers or sockets open.
exitProcess(0);

function readDefaultExport(namespace: Record<string, unknown>): RunnerResult {
  const value = namespace["default"];
  if (value === undefined) {
    return { kind: "no-default-export" };
  }
  const plain = toPlainData(value);
  if (plain.unsupported.length > 0) {
    return { kind: "unsupported", values: plain.unsupported };
  }
  return { kind: "value", data: plain.data, specials: plain.specials };
}

function describeThrown(error: unknown): string {
  if (error instanceof Error) {
    return `${error.name}: ${error.message}`;
  }
  try {
    return String(error);
  } catch {
    return "a value that cannot be converted to a string";
  }
}

function stackOf(error: unknown): string | undefined {
  return error instanceof Error && typeof error.stack === "string" ? error.stack : undefined;
}
