// Rules for the folders imgc creates from settings, the user's home and the workdir. Neither may
// be or lie inside a file imgc generates. The home may not be a system folder either, because
// imgc gives the home to the user with mode 0700.

import { Codes } from "../../diagnostics/codes.js";
import type { ConfigPath } from "../config-path.js";
import { reportError, type RuleContext } from "./context.js";
import { userGeneratedPaths } from "./file-conflicts.js";
import { imageRoot, isWithin, toAbsoluteImagePath } from "./image-path.js";
import { subject } from "./values.js";

/** Top-level folders that the system, its packages or the container runtime own. */
export const systemFolders: readonly string[] = [
  "bin",
  "boot",
  "dev",
  "etc",
  "lib",
  "lib64",
  "proc",
  "run",
  "sbin",
  "sys",
  "tmp",
  "usr",
  "var",
];

/**
 * Reports a folder setting (relative image path) that is, or is inside, /etc/passwd, /etc/group
 * or /etc/shadow, which imgc writes as files. Returns true when the folder is clear of them.
 */
export function checkOutsideGeneratedFiles(
  context: RuleContext,
  folder: string,
  configPath: ConfigPath,
  example: string,
): boolean {
  const file = userGeneratedPaths.find((generated) => isWithin(folder, generated));
  if (file === undefined) {
    return true;
  }
  const absolute = toAbsoluteImagePath(file);
  const where = folder === file ? "is" : `is inside ${absolute},`;
  const others = userGeneratedPaths.map(toAbsoluteImagePath);
  const listed = `${others.slice(0, -1).join(", ")} and ${others[others.length - 1] ?? ""}`;
  reportError(
    context,
    Codes.invalidValue,
    configPath,
    `${subject(configPath)} ${JSON.stringify(toAbsoluteImagePath(folder))} ${where} a file that imgc writes`,
    `Choose a folder outside ${listed}, such as ${JSON.stringify(example)}.`,
  );
  return false;
}

/**
 * Reports a home (relative image path) that is the image root or a system folder such as /etc.
 * Returns true when it is neither.
 */
export function checkHomeNotSystemFolder(
  context: RuleContext,
  home: string,
  configPath: ConfigPath,
  example: string,
): boolean {
  if (home !== imageRoot && !systemFolders.includes(home)) {
    return true;
  }
  reportError(
    context,
    Codes.invalidValue,
    configPath,
    `${subject(configPath)} ${JSON.stringify(toAbsoluteImagePath(home))} is a system folder, which imgc would give to the user with mode 0700`,
    `Use a folder of the user's own, such as ${JSON.stringify(example)}, or leave home out to get that default.`,
  );
  return false;
}
