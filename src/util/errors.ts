// Operational failures (network, disk, a file that failed verification) are ImgcErrors with a
// cause and what imgc was doing. Internal bugs are assertions whose message states that imgc is at fault.

/** An operational failure: what imgc was doing, what failed, and the underlying cause. Exit 1. */
export class ImgcError extends Error {
  /** A short hint for the user, printed after the message. */
  readonly hint: string | undefined;

  constructor(message: string, options: { cause?: unknown; hint?: string } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "ImgcError";
    this.hint = options.hint;
  }
}

/** A downloaded or cached file whose hash or signature did not match what was expected. */
export class VerificationError extends ImgcError {
  constructor(
    readonly file: string,
    message: string,
    options: { cause?: unknown; hint?: string } = {},
  ) {
    super(`verification failed for ${file}: ${message}`, options);
    this.name = "VerificationError";
  }
}

/** Throws when `condition` is false; a failure here is a bug in imgc, not in the user's input. */
export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(`internal error (this is a bug in imgc): ${message}`);
}
