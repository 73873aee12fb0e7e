// The CLI's reporter: progress and warnings on stderr, so stdout carries only results.

import { formatDiagnostic, type Diagnostic } from "../diagnostics/diagnostic.js";
import type { Reporter } from "../util/reporter.js";

/** How much the CLI prints on stderr. */
export type LogLevel = "quiet" | "normal" | "verbose";

/** Returns a reporter that writes to `stream` at the given level. */
export function consoleReporter(
  level: LogLevel,
  stream: NodeJS.WritableStream = process.stderr,
): Reporter {
  const color = stream === process.stderr && process.stderr.isTTY && !process.env.NO_COLOR;
  const yellow = (text: string) => (color ? `\u001b[33m${text}\u001b[39m` : text);
  const dim = (text: string) => (color ? `\u001b[2m${text}\u001b[22m` : text);
  const seen = new Set<string>();
  return {
    info(message) {
      if (level !== "quiet") stream.write(`${message}\n`);
    },
    debug(message) {
      if (level === "verbose") stream.write(`${dim(message)}\n`);
    },
    warn(diagnostic: Diagnostic) {
      // The same warning for each platform is shown once.
      const text = formatDiagnostic(diagnostic);
      if (level === "quiet" || seen.has(text)) return;
      seen.add(text);
      stream.write(`${yellow(text)}\n`);
    },
  };
}
