// HTTP GET for indexes and packages: retries network errors, timeouts and 429/5xx with backoff,
// caps every body at its expected or maximum size, and streams large bodies to disk while
// hashing them.

import { createHash } from "node:crypto";
import { open, rm } from "node:fs/promises";
import { Readable } from "node:stream";
import type { ReadableStream as WebReadableStream } from "node:stream/web";

import { ImgcError, VerificationError } from "./errors.js";
import type { Reporter } from "./reporter.js";

/** Options of the HTTP helpers. */
export interface HttpOptions {
  /** Attempts after the first on a network error, a timeout, 429 or 5xx. Default 3. */
  retries?: number;
  /** Delay before the first retry in milliseconds; doubles each time. Default 250. */
  backoffMs?: number;
  /**
   * Time allowed for the response headers, and then between two chunks of the body, in
   * milliseconds. Default: the `IMGC_HTTP_TIMEOUT` environment variable in seconds, else 30 s.
   */
  timeoutMs?: number;
  /** Receives a line for each retry. */
  reporter?: Reporter;
}

/** Options of fetchBytes. */
export interface FetchBytesOptions extends HttpOptions {
  /** Largest body accepted, in bytes. Default 16 MiB. */
  maxBytes?: number;
}

const userAgent = "imgc/0.1";
const defaultTimeoutSeconds = 30;
// fetchBytes reads the whole body into memory. Its callers read InRelease files and signatures,
// which are far smaller, and the cap keeps an endless response from filling memory.
const defaultMaxBytes = 16 << 20;
// setTimeout fires at once for delays above 2^31 - 1 ms (about 24.8 days).
const maxTimerMs = 2 ** 31 - 1;

/** A request the server rejected with an error status that retrying does not fix. */
export class HttpStatusError extends ImgcError {
  constructor(
    readonly url: string,
    readonly status: number,
    statusText: string,
    hint: string | undefined,
  ) {
    super(`GET ${url} failed: HTTP ${status} ${statusText}`, hint === undefined ? {} : { hint });
    this.name = "HttpStatusError";
  }
}

/** A request that timed out on every attempt. */
export class HttpTimeoutError extends ImgcError {
  constructor(
    readonly url: string,
    readonly timeoutMs: number,
    waitingFor: string,
    attempts: number,
  ) {
    super(
      `GET ${url} timed out after ${formatSeconds(timeoutMs)} waiting for ${waitingFor} ` +
        `(${attempts} ${attempts === 1 ? "attempt" : "attempts"})`,
      {
        hint:
          "check the network and the mirror URL; on a slow link, set IMGC_HTTP_TIMEOUT " +
          "to the number of seconds to wait",
      },
    );
    this.name = "HttpTimeoutError";
  }
}

/** A failed attempt that another attempt may fix: a network error, a timeout, 429 or 5xx. */
class RetryableFailure extends Error {
  constructor(
    message: string,
    /** The step the request was waiting for when it timed out, or undefined for other failures. */
    readonly timedOutWaitingFor: string | undefined,
    options: { cause?: unknown } = {},
  ) {
    super(message, options);
  }
}

function formatSeconds(ms: number): string {
  return `${ms / 1000} s`;
}

/** Returns the timeout from `IMGC_HTTP_TIMEOUT` (seconds) in milliseconds, else 30 s. */
export function httpTimeoutMs(env: NodeJS.ProcessEnv = process.env): number {
  const text = env.IMGC_HTTP_TIMEOUT?.trim();
  if (text === undefined || text === "") return defaultTimeoutSeconds * 1000;
  const seconds = Number(text);
  if (!Number.isFinite(seconds) || seconds <= 0) {
    throw new ImgcError(
      `invalid IMGC_HTTP_TIMEOUT ${JSON.stringify(env.IMGC_HTTP_TIMEOUT)}: ` +
        "expected a number of seconds greater than 0",
      { hint: "set IMGC_HTTP_TIMEOUT to a number of seconds, such as 60, or unset it" },
    );
  }
  return Math.min(seconds * 1000, maxTimerMs);
}

function isRetryable(status: number): boolean {
  return status === 429 || status >= 500;
}

async function sleep(ms: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms));
}

/** A timer that aborts the request when nothing happens for `ms`, restarted at each step. */
class IdleTimeout {
  private timer: NodeJS.Timeout | undefined;
  /** The step the request was waiting for when the timer fired, or undefined before that. */
  firedWaitingFor: string | undefined;

  constructor(
    private readonly ms: number,
    private readonly controller: AbortController,
  ) {}

  restart(waitingFor: string): void {
    this.stop();
    this.timer = setTimeout(() => {
      this.firedWaitingFor = waitingFor;
      this.controller.abort();
    }, this.ms);
  }

  stop(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }
}

/** Reads a response body. A failure that is not an ImgcError counts as a network error. */
type BodyReader<T> = (body: Readable, response: Response, timeout: IdleTimeout) => Promise<T>;

const waitingForHeaders = "the response headers";
const waitingForBody = "the next part of the response body";

/** Makes one request and passes its body to `read`. */
async function attempt<T>(url: string, timeoutMs: number, read: BodyReader<T>): Promise<T> {
  const controller = new AbortController();
  const timeout = new IdleTimeout(timeoutMs, controller);
  timeout.restart(waitingForHeaders);
  let response: Response;
  try {
    // The size checks count the bytes of the file itself, so the transfer must not be compressed.
    response = await fetch(url, {
      headers: { "user-agent": userAgent, "accept-encoding": "identity" },
      signal: controller.signal,
    });
  } catch (error) {
    timeout.stop();
    const waitingFor = timeout.firedWaitingFor;
    const reason = waitingFor ? `timed out waiting for ${waitingFor}` : errorText(error);
    throw new RetryableFailure(reason, waitingFor, { cause: error });
  }

  if (!response.ok) {
    timeout.stop();
    await response.body?.cancel().catch(() => undefined);
    if (isRetryable(response.status)) {
      throw new RetryableFailure(`HTTP ${response.status} ${response.statusText}`, undefined);
    }
    throw new HttpStatusError(
      url,
      response.status,
      response.statusText,
      response.status === 404
        ? "the file is not on the mirror; if the lock pins it, run `imgc lock --update`"
        : undefined,
    );
  }
  if (!response.body) {
    timeout.stop();
    throw new ImgcError(`GET ${url} returned no body`);
  }

  const body = Readable.fromWeb(response.body as WebReadableStream<Uint8Array>);
  try {
    timeout.restart(waitingForBody);
    return await read(body, response, timeout);
  } catch (error) {
    // Stops the transfer when `read` gave up early, as it does on a body that is too long.
    controller.abort();
    const waitingFor = timeout.firedWaitingFor;
    if (waitingFor) {
      throw new RetryableFailure(`timed out waiting for ${waitingFor}`, waitingFor, {
        cause: error,
      });
    }
    if (error instanceof ImgcError) throw error;
    throw new RetryableFailure(errorText(error), undefined, { cause: error });
  } finally {
    timeout.stop();
    body.destroy();
  }
}

function errorText(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const cause = error instanceof Error ? (error.cause as Error | undefined)?.message : undefined;
  return cause ? `${message} (${cause})` : message;
}

/** Runs `attempt` until it succeeds, fails for good, or runs out of retries. */
async function withRetries<T>(url: string, options: HttpOptions, read: BodyReader<T>): Promise<T> {
  const retries = options.retries ?? 3;
  const timeoutMs = options.timeoutMs ?? httpTimeoutMs();
  let delay = options.backoffMs ?? 250;
  for (let attempts = 1; ; attempts++) {
    try {
      return await attempt(url, timeoutMs, read);
    } catch (error) {
      if (!(error instanceof RetryableFailure)) throw error;
      if (attempts > retries) {
        if (error.timedOutWaitingFor) {
          throw new HttpTimeoutError(url, timeoutMs, error.timedOutWaitingFor, attempts);
        }
        throw new ImgcError(`GET ${url} failed after ${attempts} attempts: ${error.message}`, {
          cause: error.cause ?? error,
          hint: "check the network and the mirror URL",
        });
      }
      const reason = error.timedOutWaitingFor
        ? `timed out after ${formatSeconds(timeoutMs)} waiting for ${error.timedOutWaitingFor}`
        : error.message;
      options.reporter?.info(
        `GET ${url}: ${reason}; retrying in ${delay} ms (attempt ${attempts + 1} of ${retries + 1})`,
      );
      await sleep(delay);
      delay *= 2;
    }
  }
}

/**
 * Returns the Content-Length the server announced, or undefined when there is none or the body
 * is encoded (then the header counts the encoded bytes).
 */
function announcedLength(response: Response): number | undefined {
  const encoding = response.headers.get("content-encoding");
  if (encoding !== null && encoding.trim().toLowerCase() !== "identity") return undefined;
  const text = response.headers.get("content-length")?.trim();
  return text !== undefined && /^\d+$/.test(text) ? Number(text) : undefined;
}

/**
 * Downloads `url` into memory. Use for indexes and signatures, not for packages. A body larger
 * than `maxBytes` raises a VerificationError as soon as its first bytes over the cap arrive.
 */
export async function fetchBytes(
  url: string,
  options: FetchBytesOptions = {},
): Promise<Uint8Array> {
  const maxBytes = options.maxBytes ?? defaultMaxBytes;
  const tooLarge = (size: string) =>
    new VerificationError(url, `the response is larger than ${maxBytes} bytes (${size})`, {
      hint: "the server is not a Debian mirror, or it misbehaves; check the mirror URL",
    });
  return withRetries(url, options, async (body, response, timeout) => {
    const announced = announcedLength(response);
    if (announced !== undefined && announced > maxBytes) {
      throw tooLarge(`Content-Length ${announced}`);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of body) {
      size += (chunk as Buffer).length;
      if (size > maxBytes) throw tooLarge(`stopped after ${size} bytes`);
      chunks.push(chunk as Buffer);
      timeout.restart(waitingForBody);
    }
    return new Uint8Array(Buffer.concat(chunks, size));
  });
}

/** Wraps a failure to write the downloaded file, which retrying the request does not fix. */
function writeFailed(dest: string, url: string, error: unknown): ImgcError {
  return new ImgcError(`writing ${dest} (downloaded from ${url}) failed`, { cause: error });
}

/**
 * Streams `url` into the file `dest` and returns its sha256 (hex) and size. The body must be
 * exactly `expectedSize` bytes: a longer one is aborted as soon as the extra bytes arrive and a
 * shorter one is rejected, both with a VerificationError naming `url`. On failure the partial
 * file is removed.
 */
export async function fetchToFile(
  url: string,
  dest: string,
  expectedSize: number,
  options: HttpOptions = {},
): Promise<{ sha256: string; size: number }> {
  const sizeMismatch = (detail: string) =>
    new VerificationError(url, `expected ${expectedSize} bytes, ${detail}`, {
      hint: "the mirror served another file; retry, or use another mirror",
    });
  try {
    return await withRetries(url, options, async (body, response, timeout) => {
      const announced = announcedLength(response);
      if (announced !== undefined && announced !== expectedSize) {
        throw sizeMismatch(`the server announced ${announced} (Content-Length)`);
      }
      const file = await open(dest, "w").catch((error: unknown) => {
        throw writeFailed(dest, url, error);
      });
      try {
        const hash = createHash("sha256");
        let size = 0;
        for await (const chunk of body) {
          // Stopped while the chunk is written, so a slow disk does not count against the server.
          timeout.stop();
          size += (chunk as Buffer).length;
          if (size > expectedSize) throw sizeMismatch(`got more; stopped after ${size} bytes`);
          hash.update(chunk as Buffer);
          await file.write(chunk as Buffer).catch((error: unknown) => {
            throw writeFailed(dest, url, error);
          });
          timeout.restart(waitingForBody);
        }
        if (size < expectedSize) throw sizeMismatch(`got ${size}`);
        return { sha256: hash.digest("hex"), size };
      } finally {
        await file.close();
      }
    });
  } catch (error) {
    await rm(dest, { force: true });
    throw error;
  }
}
