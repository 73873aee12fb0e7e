// HTTP GET for indexes and packages: retries network errors and 429/5xx with backoff, streams
// large bodies to disk while hashing them.

import { createHash } from "node:crypto";
import { createWriteStream } from "node:fs";
import { rm } from "node:fs/promises";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { Transform } from "node:stream";

import { ImgcError } from "./errors.js";

/** Options of the HTTP helpers. */
export interface HttpOptions {
  /** Attempts after the first on a network error, 429 or 5xx. Default 3. */
  retries?: number;
  /** Delay before the first retry in milliseconds; doubles each time. Default 250. */
  backoffMs?: number;
}

const userAgent = "imgc/0.1";

/** A request the server answered with an error status that retrying does not fix. */
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

function isRetryable(status: number): boolean {
  return status === 429 || status >= 500;
}

async function sleep(ms: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms));
}

async function getWithRetries(url: string, options: HttpOptions): Promise<Response> {
  const retries = options.retries ?? 3;
  let delay = options.backoffMs ?? 250;
  for (let attempt = 0; ; attempt++) {
    let response: Response | undefined;
    let failure: unknown;
    try {
      response = await fetch(url, { headers: { "user-agent": userAgent } });
    } catch (error) {
      failure = error;
    }
    if (response?.ok) return response;
    if (response && !isRetryable(response.status)) {
      await response.body?.cancel();
      throw new HttpStatusError(
        url,
        response.status,
        response.statusText,
        response.status === 404
          ? "the file is not on the mirror; if the lock pins it, run `imgc lock --update`"
          : undefined,
      );
    }
    if (attempt >= retries) {
      await response?.body?.cancel();
      const reason = response ? `HTTP ${response.status}` : String((failure as Error)?.message);
      throw new ImgcError(`GET ${url} failed after ${retries + 1} attempts: ${reason}`, {
        cause: failure,
        hint: "check the network and the mirror URL",
      });
    }
    await response?.body?.cancel();
    await sleep(delay);
    delay *= 2;
  }
}

/** Downloads `url` into memory. Use for indexes and signatures, not for packages. */
export async function fetchBytes(url: string, options: HttpOptions = {}): Promise<Uint8Array> {
  const response = await getWithRetries(url, options);
  return new Uint8Array(await response.arrayBuffer());
}

/**
 * Streams `url` into the file `dest` and returns its sha256 (hex) and size. On failure the
 * partial file is removed.
 */
export async function fetchToFile(
  url: string,
  dest: string,
  options: HttpOptions = {},
): Promise<{ sha256: string; size: number }> {
  const response = await getWithRetries(url, options);
  if (!response.body) throw new ImgcError(`GET ${url} returned no body`);
  const hash = createHash("sha256");
  let size = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      size += chunk.length;
      callback(null, chunk);
    },
  });
  try {
    await pipeline(
      Readable.fromWeb(response.body as import("node:stream/web").ReadableStream),
      tap,
      createWriteStream(dest),
    );
  } catch (error) {
    await rm(dest, { force: true });
    throw new ImgcError(`download of ${url} failed`, { cause: error });
  }
  return { sha256: hash.digest("hex"), size };
}
