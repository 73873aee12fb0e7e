// Compresses gzip members whose bytes do not depend on the Node build or the operating system.
// pako 3.0.3 (pinned in package.json) defines the bytes. node:zlib is faster (pako runs at about
// 0.45 times its speed on Node 20), so imgc uses it, but only after a self-test at first use shows
// that it produces pako's bytes at these settings. Node's bundled zlib passes on Node 20, 22 and
// 24, but a build linked to the system zlib may not, and then pako compresses.
//
// Both run in worker threads, one member at a time per worker. Each worker keeps its own queue,
// so a worker that finishes a member starts the next one without waiting for the main thread,
// which meanwhile reads files and hashes. With node:zlib on libuv's pool instead, each member
// waited for the main thread to hand it over, and 2 cores were idle about 15 % of the time.

import { availableParallelism } from "node:os";
import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";
import { assert } from "../util/errors.js";

/** Which implementation compresses: Node's zlib or pako, both in worker threads. */
export type DeflateEngine = "zlib" | "pako";

/** Compresses one whole input into one gzip member. */
export type GzipFunction = (data: Uint8Array) => Promise<Uint8Array>;

// Level 6 is the default of zlib and gzip. windowBits, memLevel and strategy are zlib's defaults,
// written out because the output bytes depend on each of them. Strategy 0 is Z_DEFAULT_STRATEGY
// in both zlib and pako.
const SETTINGS = { level: 6, windowBits: 15, memLevel: 8, strategy: 0 };

// pako's default hash (legacyHash: false) is the one Node's bundled zlib (Chromium's fork) uses.
const PAKO_SETTINGS = { ...SETTINGS, legacyHash: false };

// A 1 MiB output buffer takes most members in one piece. The output bytes do not depend on it.
const ZLIB_SETTINGS = { ...SETTINGS, chunkSize: 1024 * 1024 };

// zlib writes the OS byte of the machine it was built for (3 on Unix, 19 on macOS since zlib
// 1.2.12), so imgc sets it to 3 (Unix) on every member. The header otherwise contains mtime 0, no
// file name and no flags, which both implementations write for a buffer.
const GZIP_OS_OFFSET = 9;
const GZIP_OS_UNIX = 3;
const GZIP_HEADER = [0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00];

let selectedEngine: Promise<DeflateEngine> | undefined;

/**
 * Compresses `data` into one gzip member with the engine the self-test selected, on one of the
 * first `workers` worker threads (default: one per CPU).
 */
export async function gzipMember(data: Uint8Array, workers?: number): Promise<Uint8Array> {
  const engine = await deflateEngine();
  return gzipMemberWith(engine, data, workers);
}

/**
 * Returns the engine `gzipMember` uses, running the self-test on the first call. The test runs in
 * a worker thread, so a caller can plan its work meanwhile.
 */
export function deflateEngine(): Promise<DeflateEngine> {
  selectedEngine ??= selectEngine(
    (data) => gzipMemberWith("zlib", data),
    (data) => gzipMemberWith("pako", data),
  );
  return selectedEngine;
}

/** Compresses `data` into one gzip member with the given engine, on one of the first `workers`. */
export function gzipMemberWith(
  engine: DeflateEngine,
  data: Uint8Array,
  workers = availableParallelism(),
): Promise<Uint8Array> {
  assert(Number.isInteger(workers) && workers >= 1, `compression worker count ${workers}`);
  return new Promise((resolve, reject) => {
    const worker = pickWorker(Math.min(workers, availableParallelism()));
    // A copy of exactly the member's bytes is moved to the worker, not the caller's buffer.
    const input = new Uint8Array(data);
    const id = nextJobId++;
    worker.jobs.set(id, { inputLength: input.length, resolve, reject });
    // A worker with jobs keeps the process alive until they are done; an idle one does not.
    worker.thread.ref();
    worker.thread.postMessage({ id, engine, input }, [input.buffer]);
  });
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

/**
 * Checks a member's header and its trailing ISIZE (the input length modulo 2^32), then sets the
 * OS byte. The ISIZE check would catch a member delivered for the wrong job.
 */
function checkMember(member: Uint8Array, inputLength: number): Uint8Array {
  for (const [index, byte] of GZIP_HEADER.entries()) {
    assert(member[index] === byte, `unexpected gzip header byte ${index}: ${member[index]}`);
  }
  const view = Buffer.from(member.buffer, member.byteOffset, member.byteLength);
  const isize = view.readUInt32LE(member.length - 4);
  assert(isize === inputLength % 2 ** 32, `gzip member of ${inputLength} bytes has ISIZE ${isize}`);
  member[GZIP_OS_OFFSET] = GZIP_OS_UNIX;
  return member;
}

// The worker pool.

interface Job {
  inputLength: number;
  resolve: (member: Uint8Array) => void;
  reject: (error: unknown) => void;
}

interface CompressionWorker {
  thread: Worker;
  /** Jobs sent to this worker and not yet answered, by id. */
  jobs: Map<number, Job>;
}

type WorkerReply = { id: number; member: Uint8Array } | { id: number; error: string };

const pool: CompressionWorker[] = [];
let nextJobId = 0;

/** Returns the worker with the fewest jobs among the first `count`, starting it if needed. */
function pickWorker(count: number): CompressionWorker {
  while (pool.length < count) pool.push(startWorker());
  let best = pool[0] as CompressionWorker;
  for (const worker of pool.slice(1, count)) if (worker.jobs.size < best.jobs.size) best = worker;
  return best;
}

function startWorker(): CompressionWorker {
  const pakoPath = createRequire(import.meta.url).resolve("pako");
  // An eval worker runs as a CommonJS script, so it loads pako's CommonJS build.
  const source = [
    `const { parentPort } = require("node:worker_threads");`,
    `const zlib = require("node:zlib");`,
    `let pako;`,
    `parentPort.on("message", ({ id, engine, input }) => {`,
    `  try {`,
    `    const output = engine === "zlib"`,
    `      ? zlib.gzipSync(input, ${JSON.stringify(ZLIB_SETTINGS)})`,
    `      : (pako ??= require(${JSON.stringify(pakoPath)})).gzip(input, ${JSON.stringify(PAKO_SETTINGS)});`,
    // A Buffer may share its memory with others, which cannot be moved, so the member is copied.
    `    const member = new Uint8Array(output);`,
    `    parentPort.postMessage({ id, member }, [member.buffer]);`,
    `  } catch (error) {`,
    `    parentPort.postMessage({ id, error: String(error && error.stack || error) });`,
    `  }`,
    `});`,
  ].join("\n");
  const worker: CompressionWorker = { thread: new Worker(source, { eval: true }), jobs: new Map() };
  worker.thread.on("message", (reply: WorkerReply) => finishJob(worker, reply));
  worker.thread.on("error", (error) => failWorker(worker, error));
  worker.thread.unref();
  return worker;
}

function finishJob(worker: CompressionWorker, reply: WorkerReply): void {
  const job = worker.jobs.get(reply.id);
  worker.jobs.delete(reply.id);
  if (worker.jobs.size === 0) worker.thread.unref();
  if (job === undefined) return;
  if ("error" in reply)
    job.reject(new Error(`gzip compression failed in a worker: ${reply.error}`));
  else job.resolve(checkMember(reply.member, job.inputLength));
}

/** Rejects a failed worker's jobs and drops it. The next job starts a new worker. */
function failWorker(worker: CompressionWorker, error: unknown): void {
  pool.splice(pool.indexOf(worker), 1);
  for (const job of worker.jobs.values()) job.reject(error);
  worker.jobs.clear();
  void worker.thread.terminate();
}
