// Compresses one gzip member whose bytes do not depend on the Node build or the operating system.
// pako 3.0.3 (pinned in package.json) defines the bytes. node:zlib is used instead, because it is
// about twice as fast and runs on the libuv thread pool, only after a self-test at first use shows
// that it produces pako's bytes at these settings. Node's bundled zlib does on Node 20 to 26, but a
// build linked to the system zlib may not. Without node:zlib, pako runs in worker threads.

import { availableParallelism } from "node:os";
import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";
import { gzip as zlibGzip } from "node:zlib";
import { gzip as pakoGzip, Z_DEFAULT_STRATEGY } from "pako";
import { assert } from "../util/errors.js";

/** Which implementation compresses: Node's zlib, or pako in worker threads. */
export type DeflateEngine = "zlib" | "pako";

/** Compresses one whole input into one gzip member. */
export type GzipFunction = (data: Uint8Array) => Promise<Uint8Array>;

// Level 6 is the default of zlib and gzip. windowBits, memLevel and strategy are zlib's defaults,
// written out because the output bytes depend on each of them.
const SETTINGS = { level: 6, windowBits: 15, memLevel: 8, strategy: Z_DEFAULT_STRATEGY };

// pako's default hash (legacyHash: false) is the one Node's bundled zlib (Chromium's fork) uses.
const PAKO_SETTINGS = { ...SETTINGS, legacyHash: false };

// zlib writes the OS byte of the machine it was built for (3 on Unix, 19 on macOS since zlib
// 1.2.12), so imgc sets it to 3 (Unix) on every member. The header otherwise holds mtime 0, no
// file name and no flags, which both implementations write for a buffer.
const GZIP_OS_OFFSET = 9;
const GZIP_OS_UNIX = 3;
const GZIP_HEADER = [0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00];

let selectedEngine: Promise<DeflateEngine> | undefined;

/** Compresses `data` into one gzip member with the engine the self-test selected. */
export async function gzipMember(data: Uint8Array): Promise<Uint8Array> {
  const engine = await deflateEngine();
  return gzipMemberWith(engine, data);
}

/** Returns the engine `gzipMember` uses, running the self-test on the first call. */
export function deflateEngine(): Promise<DeflateEngine> {
  selectedEngine ??= selectEngine(gzipWithZlib, gzipWithPako);
  return selectedEngine;
}

/** Compresses `data` into one gzip member with the given engine. */
export function gzipMemberWith(engine: DeflateEngine, data: Uint8Array): Promise<Uint8Array> {
  return engine === "zlib" ? gzipWithZlib(data) : gzipWithPakoWorker(data);
}

/**
 * Returns "zlib" when `zlib` produces exactly `pako`'s bytes for every self-test input, else
 * "pako". The inputs are fixed so that the choice depends only on the two implementations.
 */
export async function selectEngine(zlib: GzipFunction, pako: GzipFunction): Promise<DeflateEngine> {
  for (const input of selfTestInputs()) {
    const [fromZlib, fromPako] = await Promise.all([zlib(input), pako(input)]);
    if (!Buffer.from(fromZlib).equals(Buffer.from(fromPako))) return "pako";
  }
  return "zlib";
}

/**
 * Returns the self-test inputs: empty, one byte, and 96 KiB that mix text with repeats,
 * pseudo-random bytes, zero runs and short-period binary, so that a different match finder,
 * lazy-match rule or block split would change the output.
 */
export function selfTestInputs(): Uint8Array[] {
  const mixed = new Uint8Array(96 * 1024);
  let state = 0x9e3779b9;
  const nextRandom = (): number => {
    // xorshift32: a fixed sequence, the same on every platform.
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return state >>> 0;
  };
  const words = ["layer", "image", "digest", "tar", "gzip", "manifest", "index", "config", "\n"];
  let offset = 0;
  while (offset < mixed.length) {
    const kind = nextRandom() % 4;
    const length = Math.min(mixed.length - offset, 512 + (nextRandom() % 8192));
    for (let index = 0; index < length; ) {
      if (kind === 0) {
        const word = words[nextRandom() % words.length] ?? "";
        for (let char = 0; char < word.length && index < length; char++, index++) {
          mixed[offset + index] = word.charCodeAt(char);
        }
        if (index < length) mixed[offset + index++] = 0x20;
      } else if (kind === 1) {
        mixed[offset + index++] = nextRandom() & 0xff;
      } else if (kind === 2) {
        mixed[offset + index++] = 0;
      } else {
        mixed[offset + index] = (index % 7) * 37 + (nextRandom() % 3);
        index++;
      }
    }
    offset += length;
  }
  return [new Uint8Array(0), new Uint8Array([0x61]), mixed];
}

// Node's async zlib returns to the main thread each time its output buffer fills. A 1 MiB buffer
// takes a piece in one or two trips, where the 16 KiB default took about 40 and made two threads
// barely faster than one. The output bytes do not depend on the buffer size.
const ZLIB_SETTINGS = { ...SETTINGS, chunkSize: 1024 * 1024 };

function gzipWithZlib(data: Uint8Array): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    zlibGzip(data, ZLIB_SETTINGS, (error, result) => {
      if (error) reject(error);
      else resolve(normaliseHeader(result));
    });
  });
}

function gzipWithPako(data: Uint8Array): Promise<Uint8Array> {
  return Promise.resolve(normaliseHeader(pakoGzip(data, PAKO_SETTINGS)));
}

function normaliseHeader(member: Uint8Array): Uint8Array {
  for (const [index, byte] of GZIP_HEADER.entries()) {
    assert(member[index] === byte, `unexpected gzip header byte ${index}: ${member[index]}`);
  }
  member[GZIP_OS_OFFSET] = GZIP_OS_UNIX;
  return member;
}

// pako in worker threads, so that the fallback still compresses on every core.

interface PakoJob {
  data: Uint8Array;
  resolve: (member: Uint8Array) => void;
  reject: (error: unknown) => void;
}

interface PakoWorker {
  worker: Worker;
  job: PakoJob | undefined;
}

const workers: PakoWorker[] = [];
const queue: PakoJob[] = [];

function gzipWithPakoWorker(data: Uint8Array): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    queue.push({ data, resolve, reject });
    dispatchPakoJobs();
  });
}

function dispatchPakoJobs(): void {
  while (queue.length > 0) {
    const idle = workers.find((entry) => entry.job === undefined) ?? startPakoWorker();
    if (idle === undefined) return;
    const job = queue.shift() as PakoJob;
    idle.job = job;
    // A busy worker keeps the process alive until its member is back; an idle one does not.
    idle.worker.ref();
    idle.worker.postMessage(job.data);
  }
}

function startPakoWorker(): PakoWorker | undefined {
  if (workers.length >= availableParallelism()) return undefined;
  const pakoPath = createRequire(import.meta.url).resolve("pako");
  // The worker runs pako's CommonJS build, the same code as the ES module imported above.
  const source = [
    `const { parentPort } = require("node:worker_threads");`,
    `const pako = require(${JSON.stringify(pakoPath)});`,
    `const settings = ${JSON.stringify(PAKO_SETTINGS)};`,
    `parentPort.on("message", (data) => {`,
    `  const member = pako.gzip(data, settings);`,
    `  parentPort.postMessage(member, [member.buffer]);`,
    `});`,
  ].join("\n");
  const entry: PakoWorker = { worker: new Worker(source, { eval: true }), job: undefined };
  entry.worker.on("message", (member: Uint8Array) => finishPakoJob(entry, undefined, member));
  entry.worker.on("error", (error) => finishPakoJob(entry, error, undefined));
  entry.worker.unref();
  workers.push(entry);
  return entry;
}

function finishPakoJob(entry: PakoWorker, error: unknown, member: Uint8Array | undefined): void {
  const job = entry.job;
  entry.job = undefined;
  entry.worker.unref();
  if (error !== undefined) {
    // A worker that failed is dropped; the next job starts a new one.
    workers.splice(workers.indexOf(entry), 1);
    void entry.worker.terminate();
  }
  if (job) {
    if (member) job.resolve(normaliseHeader(member));
    else job.reject(error);
  }
  dispatchPakoJobs();
}
