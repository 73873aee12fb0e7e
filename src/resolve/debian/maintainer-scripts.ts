// Which maintainer-script effects imgc does not reproduce. imgc never runs a package's scripts.
// It recreates the effects that matter (alternatives links, the CA bundle) and warns about the
// rest, with one IMGC3004 warning per package that names the scripts and what they run.

import { Codes } from "../../diagnostics/codes.js";
import type { Diagnostic } from "../../diagnostics/diagnostic.js";
import { listCommands, type SimpleCommand } from "./shell-commands.js";
import type { InstalledPackage } from "./types.js";
import { compareCodeUnits } from "./sort-order.js";

/**
 * Scripts that run on a fresh install: `config` (debconf), `preinst install` and
 * `postinst configure`. prerm and postrm run only on removal or upgrade, and a `triggers` file
 * is not a script.
 */
const installScripts = ["config", "preinst", "postinst"] as const;

/** Commands without effects on the image's files, unless their output is redirected to one. */
const readOnlyCommands = new Set([
  ":",
  "[",
  "test",
  "true",
  "false",
  "echo",
  "printf",
  "set",
  "shift",
  "exit",
  "return",
  "local",
  "export",
  "unset",
  "readonly",
  "read",
  "break",
  "continue",
  "trap",
  "wait",
  "sleep",
  "basename",
  "dirname",
  "grep",
  "egrep",
  "fgrep",
  "cut",
  "tr",
  "sort",
  "uniq",
  "head",
  "tail",
  "wc",
  "cat",
  "cmp",
  "diff",
  "readlink",
  "realpath",
  "stat",
  "id",
  "getent",
  "which",
  "command",
  "type",
  "uname",
  "dpkg-query",
  "dpkg-architecture",
  "awk",
  "mawk",
  "expr",
  "seq",
]);

/**
 * Commands that change nothing on a fresh install: dpkg-maintscript-helper moves conffiles and
 * links only on upgrade, and debconf commands ask questions whose defaults the scripts then use.
 */
const freshInstallNoOps = new Set([
  "dpkg-maintscript-helper",
  ".",
  "source",
  "db_version",
  "db_capb",
  "db_get",
  "db_set",
  "db_fget",
  "db_fset",
  "db_metaget",
  "db_input",
  "db_go",
  "db_stop",
  "db_subst",
  "db_settitle",
  "db_title",
  "db_purge",
  "db_unregister",
  "db_beginblock",
  "db_endblock",
  "db_register",
  "db_reset",
  "db_x_loadtemplatefile",
]);

/**
 * Packages whose install scripts imgc reproduces as a whole, and by which function:
 * ca-certificates' config and postinst write ca-certificates.conf and run
 * update-ca-certificates, which `caCertificates` recreates. base-files' preinst only checks the
 * merged-/usr links (which `mergedUsrSkeleton` makes) and its postinst's fresh-install effects
 * are `baseFilesEffects`. openssl's postinst links /usr/lib/ssl only when it is missing, and the
 * package ships that folder. libc6's preinst (2.41, trixie) makes the /lib64 → usr/lib64 link
 * that `mergedUsrSkeleton` makes, adds dpkg diversions and removes a stale ld.so.cache. Its
 * postinst restarts services only when upgrading.
 */
const reproducedPackages: ReadonlyMap<string, ReadonlySet<string>> = new Map([
  ["ca-certificates", new Set(["config", "postinst"])],
  ["base-files", new Set(["preinst", "postinst"])],
  ["openssl", new Set(["postinst"])],
  ["libc6", new Set(["preinst", "postinst"])],
]);

function isHarmlessWrite(target: string): boolean {
  return (
    target === "/dev/null" ||
    target === "/dev/stderr" ||
    target === "/dev/stdout" ||
    /^\d$/.test(target)
  );
}

function isReproduced(command: SimpleCommand): boolean {
  const [name = "", ...args] = command.words;
  if (command.dynamic[0]) return false;
  if (readOnlyCommands.has(name) || freshInstallNoOps.has(name)) return true;
  // sed -i and find -delete / -exec change files, but plain sed and find only read.
  if (name === "sed")
    return !args.some((arg) => /^-[a-zA-Z]*i/.test(arg) || arg.startsWith("--in-place"));
  if (name === "find")
    return !args.some((arg) => ["-delete", "-exec", "-execdir", "-ok"].includes(arg));
  if (name === "dpkg")
    return args.some((arg) =>
      /^--(compare-versions|assert-|print-architecture|status|listfiles|search)/.test(arg),
    );
  if (name === "update-alternatives") {
    // `alternatives` recreates --install when its words are literal, and --remove does nothing
    // on a fresh install.
    if (args.includes("--remove") || args.includes("--remove-all")) return true;
    return args.includes("--install") && !command.dynamic.some(Boolean);
  }
  return false;
}

/** Returns what one script does that imgc does not reproduce, such as `runs adduser`. */
export function unreproducedEffects(script: string): string[] {
  const effects = new Set<string>();
  for (const command of listCommands(script)) {
    if (!isReproduced(command)) {
      const name = command.words[0] ?? "";
      effects.add(
        command.dynamic[0] ? `runs a command named by a variable (${name})` : `runs ${name}`,
      );
    }
    for (const target of command.writes) {
      if (!isHarmlessWrite(target)) effects.add(`writes ${target}`);
    }
  }
  return [...effects];
}

/**
 * Returns an IMGC3004 warning for each package whose install scripts do more than imgc
 * reproduces, naming the package, the scripts and what they run.
 */
export function unreproducedScripts(packages: readonly InstalledPackage[]): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  const sorted = [...packages].sort((a, b) => compareCodeUnits(a.locked.name, b.locked.name));
  for (const { locked, unpacked } of sorted) {
    const reproduced = reproducedPackages.get(locked.name);
    const findings: string[] = [];
    for (const scriptName of installScripts) {
      const script = unpacked.scripts[scriptName];
      if (script === undefined || reproduced?.has(scriptName)) continue;
      const effects = unreproducedEffects(script);
      if (effects.length > 0) findings.push(`${scriptName} ${effects.join(", ")}`);
    }
    if (findings.length === 0) continue;
    diagnostics.push({
      code: Codes.maintainerScripts,
      severity: "warning",
      message: `package ${locked.name}: ${findings.join("; ")}, which imgc does not reproduce`,
      fix:
        "check that the image works without these effects, or add the files they would " +
        "create with `files` in the config",
    });
  }
  return diagnostics;
}
