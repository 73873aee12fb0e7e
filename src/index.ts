// imgc's public API: the config helpers and types, and the commands as functions.

export { copy, debian, defineImage, dir, ociLayout, symlink, text } from "./config/define.js";
export type * from "./config/types.js";
export {
  compile,
  lock,
  plan,
  sourceDateEpochFromEnv,
  type CommonOptions,
  type CompileOptions,
  type CompileResult,
  type ImagePlan,
} from "./compile.js";
export { checkConfig, type CheckResult } from "./check/check-config.js";
export type { ImageSpec } from "./check/spec.js";
export {
  DiagnosticError,
  formatDiagnostic,
  type Diagnostic,
  type SourceLocation,
} from "./diagnostics/diagnostic.js";
export { Codes } from "./diagnostics/codes.js";
export { ImgcError, VerificationError } from "./util/errors.js";
export type { Reporter } from "./util/reporter.js";
