// A user mistake is data: a stable code, where it is, what is wrong and how to fix it. Stages
// collect diagnostics into a list so that one run reports every problem.

/** Location of a problem in the user's config file; line and column start at 1. */
export interface SourceLocation {
  file: string;
  line: number;
  column: number;
}

/** One problem found in the user's input. */
export interface Diagnostic {
  /** Stable code from the catalogue, such as `IMGC2001`. */
  code: string;
  severity: "error" | "warning";
  /** The problem, in a sentence that names the value. */
  message: string;
  /** Path of the value inside the config, such as `files[2].dest`. */
  path?: string;
  /** The value's position in the config file, when the loader could find it. */
  location?: SourceLocation;
  /** The change that fixes the problem. */
  fix?: string;
}

/** Raised by a stage that found user mistakes; carries all of them. Exit code 2. */
export class DiagnosticError extends Error {
  readonly diagnostics: readonly Diagnostic[];

  constructor(diagnostics: readonly Diagnostic[]) {
    const first = diagnostics[0];
    const more = diagnostics.length > 1 ? ` (and ${diagnostics.length - 1} more)` : "";
    super(first ? `${first.message}${more}` : "invalid input");
    this.name = "DiagnosticError";
    this.diagnostics = diagnostics;
  }
}

/** Formats a diagnostic as `file:line:col: error IMGC2001: message` with its path and fix. */
export function formatDiagnostic(diagnostic: Diagnostic): string {
  const where = diagnostic.location
    ? `${diagnostic.location.file}:${diagnostic.location.line}:${diagnostic.location.column}: `
    : "";
  const field = diagnostic.path ? ` (at ${diagnostic.path})` : "";
  const lines = [
    `${where}${diagnostic.severity} ${diagnostic.code}: ${diagnostic.message}${field}`,
  ];
  if (diagnostic.fix) lines.push(`  fix: ${diagnostic.fix}`);
  return lines.join("\n");
}

/** Returns true when any diagnostic in the list is an error. */
export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === "error");
}
