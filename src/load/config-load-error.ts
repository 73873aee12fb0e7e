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
  ) {
    super(diagnostics);
    this.name = "ConfigLoadError";
  }
}
