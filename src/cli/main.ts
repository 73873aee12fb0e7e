// The imgc command line: parses arguments, runs a command, prints results on stdout and
// progress on stderr, and maps failures to exit codes (0 ok, 1 build failed, 2 invalid input).

import { Command, CommanderError, Option } from "commander";

import { formatDiagnostic, DiagnosticError } from "../diagnostics/diagnostic.js";
import { ImgcError } from "../util/errors.js";
import { consoleReporter, type LogLevel } from "./console-reporter.js";

/** Exit codes, as documented in the README. */
export const ExitCode = { ok: 0, buildFailed: 1, invalidInput: 2 } as const;

/** Options every command takes. */
export interface GlobalOptions {
  quiet?: boolean;
  verbose?: boolean;
  json?: boolean;
  typecheck: boolean;
  cacheDir?: string;
}

/**
 * Loads the commands on first use: they pull in TypeScript, esbuild and openpgp, which `--help`
 * and usage errors do not need.
 */
async function commands(): Promise<typeof import("./commands.js")> {
  return import("./commands.js");
}

function logLevel(options: GlobalOptions): LogLevel {
  if (options.quiet) return "quiet";
  return options.verbose ? "verbose" : "normal";
}

/** Adds the options every command shares, each with its IMGC_* environment variable. */
function withCommonOptions(command: Command): Command {
  return command
    .addOption(new Option("-q, --quiet", "print nothing on stderr").env("IMGC_QUIET"))
    .addOption(new Option("-v, --verbose", "print debug detail on stderr").env("IMGC_VERBOSE"))
    .addOption(new Option("--json", "print the result as JSON on stdout").env("IMGC_JSON"))
    .addOption(
      new Option("--no-typecheck", "skip the TypeScript type check of the config").env(
        "IMGC_NO_TYPECHECK",
      ),
    )
    .addOption(
      new Option(
        "--cache-dir <dir>",
        "cache folder for indexes, packages and layers (default: the user cache)",
      ).env("IMGC_CACHE_DIR"),
    );
}

function buildProgram(stdout: NodeJS.WritableStream): Command {
  const program = new Command("imgc")
    .description("Compile a typed image config into a reproducible OCI image")
    .version("0.1.0")
    .exitOverride()
    .configureOutput({
      writeOut: (text) => stdout.write(text),
      writeErr: (text) => process.stderr.write(text),
    });

  withCommonOptions(
    program
      .command("compile")
      .description("check, resolve, build and write the image; prints the image index digest")
      .argument("[config]", "config file or folder (default: search for image.config.ts)")
      .addOption(
        new Option("--out <dir>", "output folder (default: out/ beside the config)").env(
          "IMGC_OUT",
        ),
      )
      .addOption(
        new Option("--tar", "also write out/<name>.tar for docker load and podman load").env(
          "IMGC_TAR",
        ),
      )
      .addOption(
        new Option("--frozen", "fail instead of changing image.lock.json").env("IMGC_FROZEN"),
      ),
  ).action(async (config: string | undefined, options) => {
    await (
      await commands()
    ).runCompile(config, { ...options, logLevel: logLevel(options) }, stdout);
  });

  withCommonOptions(
    program
      .command("plan")
      .description("print the resolved packages and the layer plan without building")
      .argument("[config]", "config file or folder")
      .addOption(
        new Option("--frozen", "fail instead of resolving when the lock is stale").env(
          "IMGC_FROZEN",
        ),
      ),
  ).action(async (config: string | undefined, options) => {
    await (await commands()).runPlan(config, { ...options, logLevel: logLevel(options) }, stdout);
  });

  withCommonOptions(
    program
      .command("check")
      .description("type-check and validate the config only")
      .argument("[config]", "config file or folder"),
  ).action(async (config: string | undefined, options) => {
    await (await commands()).runCheck(config, { ...options, logLevel: logLevel(options) }, stdout);
  });

  withCommonOptions(
    program
      .command("lock")
      .description("resolve every input and write image.lock.json")
      .argument("[config]", "config file or folder")
      .addOption(
        new Option("--update", "move every pin to the newest version the archive has").env(
          "IMGC_UPDATE",
        ),
      ),
  ).action(async (config: string | undefined, options) => {
    await (await commands()).runLock(config, { ...options, logLevel: logLevel(options) }, stdout);
  });

  return program;
}

/** Environment variables of on/off options. */
const booleanVariables = [
  "IMGC_QUIET",
  "IMGC_VERBOSE",
  "IMGC_JSON",
  "IMGC_TAR",
  "IMGC_FROZEN",
  "IMGC_UPDATE",
  "IMGC_NO_TYPECHECK",
];

/**
 * Removes on/off variables set to an "off" value (empty, 0, false, no, off). commander turns an
 * option on whenever its variable is set, so without this IMGC_FROZEN=0 would freeze the lock.
 */
export function dropOffVariables(env: NodeJS.ProcessEnv): void {
  for (const name of booleanVariables) {
    const value = env[name];
    if (value !== undefined && /^(|0|false|no|off)$/i.test(value.trim()))
      Reflect.deleteProperty(env, name);
  }
}

/** Returns true when the command line or the environment requests JSON output. */
function wantsJson(argv: readonly string[], env: NodeJS.ProcessEnv): boolean {
  return argv.includes("--json") || env.IMGC_JSON !== undefined;
}

/** Writes a failure as JSON on stdout, for callers that parse `--json` output. */
function reportFailureAsJson(
  error: unknown,
  exitCode: number,
  stdout: NodeJS.WritableStream,
): void {
  const causes: string[] = [];
  for (
    let cause = error instanceof Error ? error.cause : undefined;
    cause instanceof Error;
    cause = cause.cause
  ) {
    causes.push(cause.message);
  }
  const body =
    error instanceof DiagnosticError
      ? { ok: false, exitCode, diagnostics: error.diagnostics }
      : {
          ok: false,
          exitCode,
          error: {
            message: error instanceof Error ? error.message : String(error),
            ...(error instanceof ImgcError && error.hint ? { hint: error.hint } : {}),
            ...(causes.length > 0 ? { causes } : {}),
          },
        };
  stdout.write(`${JSON.stringify(body, null, 2)}\n`);
}

function isSystemError(error: unknown): error is NodeJS.ErrnoException & { code: string } {
  return (
    error instanceof Error &&
    typeof (error as NodeJS.ErrnoException).code === "string" &&
    "syscall" in error
  );
}

function systemErrorHint(code: string): string {
  switch (code) {
    case "EACCES":
    case "EPERM":
    case "EROFS":
      return "check the permissions of the path, or choose another with --out or --cache-dir";
    case "ENOSPC":
      return "free disk space, or move the cache with --cache-dir";
    case "ENOENT":
      return "check that the path exists";
    default:
      return "run again; if it keeps failing, run with -v and report it";
  }
}

/** Prints an error the way the CLI shows it and returns its exit code. */
function reportFailure(error: unknown): number {
  if (error instanceof DiagnosticError) {
    for (const diagnostic of error.diagnostics)
      process.stderr.write(`${formatDiagnostic(diagnostic)}\n`);
    const count = error.diagnostics.filter((d) => d.severity === "error").length;
    process.stderr.write(`imgc: ${count} error${count === 1 ? "" : "s"}; nothing was written\n`);
    return ExitCode.invalidInput;
  }
  if (error instanceof ImgcError) {
    process.stderr.write(`imgc: error: ${error.message}\n`);
    let cause = error.cause;
    while (cause instanceof Error) {
      process.stderr.write(`  caused by: ${cause.message}\n`);
      cause = cause.cause;
    }
    if (error.hint) process.stderr.write(`  hint: ${error.hint}\n`);
    return ExitCode.buildFailed;
  }
  if (isSystemError(error)) {
    // A failed file or network call (EACCES, ENOSPC, ECONNRESET) that no stage wrapped: the
    // message names the call and the path, and a stack trace would only hide it.
    process.stderr.write(`imgc: error: ${error.message}\n`);
    process.stderr.write(`  hint: ${systemErrorHint(error.code)}\n`);
    return ExitCode.buildFailed;
  }
  const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
  process.stderr.write(`imgc: unexpected failure (this is a bug in imgc): ${text}\n`);
  return ExitCode.buildFailed;
}

/** Runs imgc with `argv` (without node and the script) and returns the exit code. */
export async function main(
  argv: readonly string[],
  stdout: NodeJS.WritableStream = process.stdout,
): Promise<number> {
  dropOffVariables(process.env);
  const program = buildProgram(stdout);
  try {
    await program.parseAsync([...argv], { from: "user" });
    return ExitCode.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end with exit code 0; usage mistakes with 2.
      return error.exitCode === 0 ? ExitCode.ok : ExitCode.invalidInput;
    }
    const exitCode = reportFailure(error);
    if (wantsJson(argv, process.env)) reportFailureAsJson(error, exitCode, stdout);
    return exitCode;
  }
}

export { consoleReporter };
