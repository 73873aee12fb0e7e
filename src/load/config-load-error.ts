import { DiagnosticError, type Diagnostic } from "../diagnostics/diagnostic.js";

/**
 * Raised when a config file was found but could not be evaluated. It carries the file so that
 * the type-checker can still run over it and explain the failure.
 */
export class ConfigLoadError extends DiagnosticError {
  constructor(
    /** Absolute path of the config file. */
    readonly file: string,
    diagnostics: readonly Diagnostic[],
    /**
     * True when esbuild could not compile the config, so its diagnostics are syntax and import
     * errors that the type-checker reports too.
     */
    readonly compileFailed = false,
  ) {
    super(diagnostics);
    this.name = "ConfigLoadError";
  }
}
