// Runs the built imgc CLI (dist/) in a child process, as a user would.

import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** Path of the repository root. */
export const repoRoot = fileURLToPath(new URL("../..", import.meta.url));

/** Path of the CLI entry point; tests need `npm run build` first. */
export const cliPath = fileURLToPath(new URL("../../bin/imgc.js", import.meta.url));

/** Output of one imgc run. */
export interface ImgcRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Options of a run: working folder, extra environment, another node binary. */
export interface RunOptions {
  cwd?: string;
  env?: Record<string, string | undefined>;
  node?: string;
  /** Runs the CLI under `sh -c 'umask …; exec …'`. */
  umask?: string;
}

/** Runs `imgc ...args` and returns its exit code and output. */
export async function runImgc(args: readonly string[], options: RunOptions = {}): Promise<ImgcRun> {
  if (!existsSync(new URL("../../dist/cli/main.js", import.meta.url))) {
    throw new Error("dist/ is missing: run `npm run build` before the end-to-end tests");
  }
  const node = options.node ?? process.execPath;
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries({ ...process.env, NO_COLOR: "1", ...options.env })) {
    if (value !== undefined) env[key] = value;
  }
  const [command, commandArgs] = options.umask
    ? ["sh", ["-c", `umask ${options.umask} && exec "$0" "$@"`, node, cliPath, ...args]]
    : [node, [cliPath, ...args]];
  return new Promise((resolve, reject) => {
    const child = spawn(command as string, commandArgs as string[], {
      cwd: options.cwd,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}
