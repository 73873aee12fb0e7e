import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { locateConfigPath } from "./locate.js";
import { readConfigSource } from "./validate.js";

/**
 * Fills in the source location of diagnostics that later stages raise with a config path only
 * (an unknown package, a file that would replace a folder), so that every config mistake points
 * at its line and column.
 */
export function locateDiagnostics(
  configFile: string,
  diagnostics: readonly Diagnostic[],
): Diagnostic[] {
  if (!diagnostics.some((d) => d.path !== undefined && d.location === undefined))
    return [...diagnostics];
  const source = readConfigSource(configFile);
  return diagnostics.map((diagnostic) => {
    if (
      source === undefined ||
      diagnostic.path === undefined ||
      diagnostic.location !== undefined
    ) {
      return diagnostic;
    }
    const located = locateConfigPath(source, diagnostic.path);
    return located === undefined ? diagnostic : { ...diagnostic, location: located.location };
  });
}
