// Runs a bundled config in a child Node process with config-runner, under a time limit, and
// collects what it left: the runner's result file, the exit code or signal, and its output.

import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Readable } from "node:stream";
import { fileURLToPath } from "node:url";

import { ImgcError } from "../util/errors.js";

/** How to start config-runner: its compiled file, or its source bundled into one module. */
export type ConfigRunner = { kind: "file"; file: string } | { kind: "code"; code: string };

/** The outcome of a child run of a config: its result file, its exit and its output. */
export interface ConfigChildRun {
  /** The result file's text, or undefined when the child ended without writing one. */
  result: string | undefined;
  /** The exit code, or null when a signal ended the child. */
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** True when imgc killed the child because the time limit passed. */
  timedOut: boolean;
  /** The end of what the child wrote to stdout and stderr, interleaved as it arrived. */
  output: string;
}

/** Output kept from the child: enough for the end of a stack trace, bounded against a flood. */
const maxOutputBytes = 64 * 1024;

/** The maximum delay of setTimeout, in milliseconds. Node runs a longer one after 1 ms. */
const maxTimerMs = 2 ** 31 - 1;

/** How long to wait for the child's output to close after it exited, in milliseconds. */
const outputGraceMs = 1000;

/**
 * Runs `bundleFile` in a child Node process (the same executable as imgc) and kills it with
 * SIGKILL when it has not ended after `timeoutMs`. The child inherits imgc's environment and
 * current directory, as the config did when it ran inside imgc.
 */
export async function runConfigChild(
  bundleFile: string,
  runner: ConfigRunner,
  timeoutMs: number,
): Promise<ConfigChildRun> {
  const resultFolder = await mkdtemp(path.join(tmpdir(), "imgc-config-"));
  const resultFile = path.join(resultFolder, "result.json");
  try {
    const ended = await runRunner(runner, [bundleFile, resultFile], timeoutMs);
    return { ...ended, result: await readResult(resultFile) };
  } finally {
    await rm(resultFolder, { recursive: true, force: true });
  }
}

/** Locates config-runner beside this file: compiled JavaScript, or TypeScript in the sources. */
export function findConfigRunner(): { file: string; compiled: boolean } {
  const compiled = !import.meta.url.endsWith(".ts");
  const name = compiled ? "config-runner.js" : "config-runner.ts";
  return { file: fileURLToPath(new URL(name, import.meta.url)), compiled };
}

function runRunner(
  runner: ConfigRunner,
  args: string[],
  timeoutMs: number,
): Promise<Omit<ConfigChildRun, "result">> {
  const nodeArgs =
    runner.kind === "file"
      ? [runner.file, ...args]
      : ["--input-type=module", "--eval", runner.code, ...args];
  const child = spawn(process.execPath, nodeArgs, { stdio: ["ignore", "pipe", "pipe"] });
  const output = collectOutput([child.stdout, child.stderr]);
  let timedOut = false;
  const timer = setTimeout(
    () => {
      timedOut = true;
      child.kill("SIGKILL");
    },
    Math.min(timeoutMs, maxTimerMs),
  );

  return new Promise((resolve, reject) => {
    child.once("error", (error) => {
      clearTimeout(timer);
      reject(
        new ImgcError(`failed to start Node (${process.execPath}) to evaluate the config`, {
          cause: error,
        }),
      );
    });
    child.once("exit", (exitCode, signal) => {
      clearTimeout(timer);
      // A process the config started may hold the pipes open after the child exits.
      void output.closed(outputGraceMs).then(() => {
        resolve({ exitCode, signal, timedOut, output: output.text() });
      });
    });
  });
}

async function readResult(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") {
      return undefined;
    }
    throw error;
  }
}

/** Keeps the last `maxOutputBytes` of what the streams write. */
function collectOutput(streams: readonly Readable[]) {
  let buffer = Buffer.alloc(0);
  const closing = streams.map(
    (stream) =>
      new Promise<void>((resolve) => {
        stream.on("data", (chunk: Buffer) => {
          buffer = Buffer.concat([buffer, chunk]);
          if (buffer.length > 2 * maxOutputBytes) {
            buffer = buffer.subarray(buffer.length - maxOutputBytes);
          }
        });
        stream.once("close", resolve);
        stream.once("error", () => resolve());
      }),
  );

  return {
    text: () => buffer.subarray(Math.max(0, buffer.length - maxOutputBytes)).toString("utf8"),
    /** Waits until every stream closed or `graceMs` passed, then stops reading. */
    closed: async (graceMs: number) => {
      let timer: NodeJS.Timeout | undefined;
      const grace = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, graceMs);
      });
      await Promise.race([Promise.all(closing), grace]);
      clearTimeout(timer);
      for (const stream of streams) {
        stream.destroy();
      }
    },
  };
}
