// The library never prints: stages report through a Reporter that the caller injects, and the
// CLI decides what reaches the terminal.

import type { Diagnostic } from "../diagnostics/diagnostic.js";

/** Receives progress and warnings from the pipeline. */
export interface Reporter {
  /** A stage or step started or finished, such as "resolve: 21 packages". */
  info(message: string): void;
  /** Detail only shown with `-v`. */
  debug(message: string): void;
  /** A warning diagnostic (maintainer scripts not reproduced, a fallback taken). */
  warn(diagnostic: Diagnostic): void;
}

/** A reporter that drops everything; the default for library callers. */
export const silentReporter: Reporter = {
  info() {},
  debug() {},
  warn() {},
};
