// The CLI commands: each calls the library and renders its result on stdout.

import { compile, lock, plan } from "../compile.js";
import { checkConfig } from "../check/check-config.js";
import { DiagnosticError, hasErrors } from "../diagnostics/diagnostic.js";
import { consoleReporter, type LogLevel } from "./console-reporter.js";

/** Options the commands receive from the parser. */
export interface CommandOptions {
  logLevel: LogLevel;
  json?: boolean;
  typecheck: boolean;
  cacheDir?: string;
  out?: string;
  tar?: boolean;
  frozen?: boolean;
  update?: boolean;
}

/** Returns the library options every command passes on from the command line. */
function libraryOptions(config: string | undefined, options: CommandOptions) {
  return {
    config,
    typecheck: options.typecheck,
    cacheDir: options.cacheDir,
    reporter: consoleReporter(options.logLevel),
  };
}

function write(stdout: NodeJS.WritableStream, text: string): void {
  stdout.write(text.endsWith("\n") ? text : `${text}\n`);
}

function formatSize(bytes: number): string {
  if (bytes >= 1e6) return `${(bytes / 1e6).toFixed(1)} MB`;
  if (bytes >= 1e3) return `${(bytes / 1e3).toFixed(1)} kB`;
  return `${bytes} B`;
}

/** `imgc compile`: builds and prints the image index digest (or a JSON summary). */
export async function runCompile(
  config: string | undefined,
  options: CommandOptions,
  stdout: NodeJS.WritableStream,
): Promise<void> {
  const result = await compile({
    ...libraryOptions(config, options),
    outDir: options.out,
    tar: options.tar ?? false,
    frozen: options.frozen ?? false,
  });
  if (options.json) {
    write(stdout, JSON.stringify(result, null, 2));
    return;
  }
  write(stdout, result.digest);
}

/** `imgc plan`: prints the resolved packages and the layers. */
export async function runPlan(
  config: string | undefined,
  options: CommandOptions,
  stdout: NodeJS.WritableStream,
): Promise<void> {
  const result = await plan({
    ...libraryOptions(config, options),
    frozen: options.frozen ?? false,
  });
  if (options.json) {
    write(stdout, JSON.stringify(result, null, 2));
    return;
  }
  const lines: string[] = [`image ${result.name} (${result.tags.join(", ")})`];
  for (const platform of result.platforms) {
    lines.push("", `platform ${platform.platform}`);
    if (platform.packages.length > 0) {
      lines.push(`  packages (${platform.packages.length}):`);
      for (const pkg of platform.packages)
        lines.push(`    ${pkg.name} ${pkg.version} ${pkg.architecture}  ${formatSize(pkg.size)}`);
    }
    lines.push(`  layers (${platform.layers.length}):`);
    platform.layers.forEach((layer, i) => {
      const n = `${i + 1}`.padStart(3);
      switch (layer.kind) {
        case "base":
          lines.push(`  ${n}  base       ${layer.digest}  ${formatSize(layer.size)}`);
          break;
        case "packages":
          lines.push(
            `  ${n}  packages   ${layer.packages.join(" ")}  (${formatSize(layer.downloadSize)} of .debs)`,
          );
          break;
        case "files":
          lines.push(`  ${n}  files      ${layer.destinations.join(" ")}`);
          break;
        case "generated":
          lines.push(`  ${n}  generated  ${layer.contents.join(" ")}`);
          break;
      }
    });
  }
  write(stdout, lines.join("\n"));
}

/** `imgc check`: prints "ok" or the diagnostics. */
export async function runCheck(
  config: string | undefined,
  options: CommandOptions,
  stdout: NodeJS.WritableStream,
): Promise<void> {
  const result = await checkConfig(config, { typecheck: options.typecheck });
  if (hasErrors(result.diagnostics)) throw new DiagnosticError(result.diagnostics);
  const reporter = consoleReporter(options.logLevel);
  for (const diagnostic of result.diagnostics) reporter.warn(diagnostic);
  if (options.json) {
    write(stdout, JSON.stringify({ file: result.file, diagnostics: result.diagnostics }, null, 2));
    return;
  }
  write(stdout, `${result.file}: ok`);
}

/** `imgc lock`: resolves and writes the lock; prints its path. */
export async function runLock(
  config: string | undefined,
  options: CommandOptions,
  stdout: NodeJS.WritableStream,
): Promise<void> {
  const result = await lock({
    ...libraryOptions(config, options),
    update: options.update ?? false,
  });
  if (options.json) {
    write(stdout, JSON.stringify(result, null, 2));
    return;
  }
  write(stdout, `${result.lockPath}${result.changed ? "" : " (unchanged)"}`);
}
