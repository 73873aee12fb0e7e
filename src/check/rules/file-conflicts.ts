// Rules across `files`: two entries at one path, an entry at a path imgc generates, and an entry
// below a text file or symlink of another entry. Destinations arrive normalised, so "/a/b/" and
// "/a//b" already compare equal.

import { Codes } from "../../diagnostics/codes.js";
import type { FileSpec } from "../spec.js";
import { formatConfigPath, type ConfigPath } from "../config-path.js";
import { reportError, type RuleContext } from "./context.js";
import { isWithin, toAbsoluteImagePath } from "./image-path.js";
import type { OwnerAccounts } from "./owner.js";
import { subject } from "./values.js";

/** Files the generator writes from `user`, so an entry may not also write them. */
export const userGeneratedPaths: readonly string[] = ["etc/passwd", "etc/group", "etc/shadow"];

/** The target of a file entry: its normalised destination and the kind of file it creates. */
export interface EntryTarget {
  kind: FileSpec["kind"];
  dest: string;
}

/**
 * Reports conflicts between entries; returns true when there was any. `entries` has one element
 * per entry of `files`, undefined for an entry whose destination is invalid.
 */
export function checkFileConflicts(
  context: RuleContext,
  entries: readonly (EntryTarget | undefined)[],
  filesPath: ConfigPath,
  accounts: OwnerAccounts,
): boolean {
  const before = context.issues.length;
  const firstAt = new Map<string, number>();

  entries.forEach((entry, index) => {
    if (entry === undefined) {
      return;
    }
    const destPath = [...filesPath, index, "dest"];
    const dest = JSON.stringify(toAbsoluteImagePath(entry.dest));

    if (accounts.hasUser && userGeneratedPaths.includes(entry.dest)) {
      reportError(
        context,
        Codes.duplicatePath,
        destPath,
        `${subject(destPath)} ${dest} is generated from user`,
        `Remove this entry; imgc writes ${dest} from the user setting.`,
      );
    }
    const inside = userGeneratedPaths.find((path) => entry.dest.startsWith(`${path}/`));
    if (inside !== undefined) {
      reportError(
        context,
        Codes.duplicatePath,
        destPath,
        `${subject(destPath)} ${dest} is inside /${inside}, which is a file`,
        `Choose a destination outside /${inside}.`,
      );
    }
    const first = firstAt.get(entry.dest);
    if (first !== undefined) {
      const firstPath = formatConfigPath([...filesPath, first]);
      reportError(
        context,
        Codes.duplicatePath,
        destPath,
        `${subject(destPath)} ${dest} is already the destination of ${firstPath}`,
        `Remove one of the two entries, or give them different destinations.`,
      );
    } else {
      firstAt.set(entry.dest, index);
    }
  });

  entries.forEach((entry, index) => {
    if (entry !== undefined) {
      checkNotBelowFile(context, entries, entry, index, filesPath);
    }
  });
  return context.issues.length > before;
}

/** Reports an entry whose destination lies below another entry's text file or symlink. */
function checkNotBelowFile(
  context: RuleContext,
  entries: readonly (EntryTarget | undefined)[],
  entry: EntryTarget,
  index: number,
  filesPath: ConfigPath,
): void {
  const parentIndex = entries.findIndex(
    (other) =>
      other !== undefined &&
      (other.kind === "text" || other.kind === "symlink") &&
      other.dest !== entry.dest &&
      isWithin(entry.dest, other.dest),
  );
  const parent = entries[parentIndex];
  if (parent === undefined) {
    return;
  }
  const destPath = [...filesPath, index, "dest"];
  const parentDest = JSON.stringify(toAbsoluteImagePath(parent.dest));
  const made = parent.kind === "text" ? "a text file" : "a symlink";
  reportError(
    context,
    Codes.duplicatePath,
    destPath,
    `${subject(destPath)} ${JSON.stringify(toAbsoluteImagePath(entry.dest))} is inside ${parentDest}, which ${formatConfigPath([...filesPath, parentIndex])} makes ${made}`,
    `Move one of the two entries; a path inside ${made} cannot exist.`,
  );
}
