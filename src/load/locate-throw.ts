// Maps the place where an evaluated config threw back to the user's source through the bundle's
// source map, so that IMGC1002 points at the line in image.config.ts (or a file it imports).

import path from "node:path";
import { SourceMap, type SourceMapPayload } from "node:module";
import { pathToFileURL } from "node:url";

import type { SourceLocation } from "../diagnostics/diagnostic.js";

/**
 * Returns the source location of the first stack frame in `stack` that lies in the bundle at
 * `bundleFile`, or undefined when there is no such frame. `stack` is an error's stack, or output
 * that contains one, such as Node's report of an uncaught error on stderr.
 */
export function locateThrow(
  stack: string | undefined,
  bundleFile: string,
  sourceMapText: string,
): SourceLocation | undefined {
  if (stack === undefined) {
    return undefined;
  }
  // Node prints frames of ES modules as file URLs and frames of CommonJS modules as plain paths.
  const frame =
    findBundleFrame(stack, pathToFileURL(bundleFile).href) ?? findBundleFrame(stack, bundleFile);
  if (frame === undefined) {
    return undefined;
  }

  const payload = JSON.parse(sourceMapText) as SourceMapPayload;
  const entry = new SourceMap(payload).findEntry(frame.line - 1, frame.column - 1);
  if (!("originalSource" in entry)) {
    return undefined;
  }
  // esbuild writes sources relative to the output folder, which is the config's folder.
  const file = path.resolve(path.dirname(bundleFile), entry.originalSource);
  return { file, line: entry.originalLine + 1, column: entry.originalColumn + 1 };
}

function findBundleFrame(stack: string, bundle: string) {
  for (const line of stack.split("\n")) {
    const at = line.indexOf(`${bundle}:`);
    if (at === -1) {
      continue;
    }
    const match = /^:(\d+):(\d+)/.exec(line.slice(at + bundle.length));
    if (match?.[1] !== undefined && match[2] !== undefined) {
      return { line: Number(match[1]), column: Number(match[2]) };
    }
  }
  return undefined;
}
