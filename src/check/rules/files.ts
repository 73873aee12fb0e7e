// Rules for `files`: each entry made with copy, text, symlink or dir.

import { statSync } from "node:fs";
import path from "node:path";

import type { CopyEntry, DirEntry, SymlinkEntry, TextEntry } from "../../config/types.js";
import { Codes } from "../../diagnostics/codes.js";
import type { FileSpec } from "../spec.js";
import type { ConfigPath } from "../config-path.js";
import { reportError, type RuleContext } from "./context.js";
import { checkFileConflicts, type EntryTarget } from "./file-conflicts.js";
import { defaultDirMode, defaultFileMode, readMode, readOptionalMode } from "./file-mode.js";
import { readImagePath } from "./image-path.js";
import { readOwner, type OwnerAccounts } from "./owner.js";
import { suggest } from "./suggest.js";
import {
  isPlainObject,
  readNonEmptyString,
  readObject,
  readOptional,
  readRequired,
  readString,
  readStringArray,
  reportWrongType,
  subject,
  type ConfigObject,
  type KeyShape,
} from "./values.js";

const copyShape: KeyShape<CopyEntry> = {
  kind: "required",
  src: "required",
  dest: "required",
  mode: "optional",
  owner: "optional",
  dirMode: "optional",
  exclude: "optional",
};
const textShape: KeyShape<TextEntry> = {
  kind: "required",
  dest: "required",
  content: "required",
  mode: "optional",
  owner: "optional",
};
const symlinkShape: KeyShape<SymlinkEntry> = {
  kind: "required",
  dest: "required",
  target: "required",
  owner: "optional",
};
const dirShape: KeyShape<DirEntry> = {
  kind: "required",
  dest: "required",
  mode: "optional",
  owner: "optional",
};

const entryKinds = ["copy", "text", "symlink", "dir"];
const entryForm = "an entry made with copy(), text(), symlink() or dir()";

export function readFiles(
  context: RuleContext,
  value: unknown,
  configPath: ConfigPath,
  accounts: OwnerAccounts,
): FileSpec[] | undefined {
  if (!Array.isArray(value)) {
    reportWrongType(context, value, configPath, `an array of ${entryForm}s`);
    return undefined;
  }
  const entries = value.map((entry, index) =>
    readFileEntry(context, entry, [...configPath, index], accounts),
  );
  // Conflicts are checked for every entry whose destination is valid, even if the entry has
  // other mistakes, so that one run reports them too.
  const conflicts = checkFileConflicts(
    context,
    entries.map((entry) => entry.target),
    configPath,
    accounts,
  );
  const specs = entries.map((entry) => entry.spec);
  const valid = specs.filter((spec) => spec !== undefined);
  return conflicts || valid.length !== specs.length ? undefined : valid;
}

/** A file entry as far as it could be read: the spec when it is valid, and where it goes. */
interface EntryResult {
  spec: FileSpec | undefined;
  target: EntryTarget | undefined;
}

function entryResult(
  kind: FileSpec["kind"],
  dest: string | undefined,
  spec: FileSpec | undefined,
): EntryResult {
  return { spec, target: dest === undefined ? undefined : { kind, dest } };
}

function readFileEntry(
  context: RuleContext,
  value: unknown,
  configPath: ConfigPath,
  accounts: OwnerAccounts,
): EntryResult {
  if (!isPlainObject(value)) {
    reportWrongType(context, value, configPath, entryForm);
    return { spec: undefined, target: undefined };
  }
  const kind = value["kind"];
  switch (kind) {
    case "copy":
      return readCopy(context, value, configPath, accounts);
    case "text":
      return readText(context, value, configPath, accounts);
    case "symlink":
      return readSymlink(context, value, configPath, accounts);
    case "dir":
      return readDir(context, value, configPath, accounts);
  }
  reportUnknownKind(context, kind, [...configPath, "kind"]);
  return { spec: undefined, target: undefined };
}

function readCopy(
  context: RuleContext,
  value: ConfigObject,
  configPath: ConfigPath,
  accounts: OwnerAccounts,
): EntryResult {
  const entry = readObject(context, value, configPath, copyShape);
  if (entry === undefined) {
    return { spec: undefined, target: undefined };
  }
  const src = readRequired(entry, "src", (value) =>
    readSource(context, value, [...configPath, "src"]),
  );
  const dest = readRequired(entry, "dest", (value) =>
    readImagePath(context, value, [...configPath, "dest"], { allowRoot: true }),
  );
  const mode = readOptionalMode(context, entry["mode"], [...configPath, "mode"]);
  const dirMode = readMode(context, entry["dirMode"], [...configPath, "dirMode"], defaultDirMode);
  const owner = readOwner(context, entry["owner"], [...configPath, "owner"], accounts);
  const exclude = readOptional(entry, "exclude", [], (value) =>
    readExcludes(context, value, [...configPath, "exclude"]),
  );

  if (src === undefined || dest === undefined || mode === null || dirMode === undefined) {
    return entryResult("copy", dest, undefined);
  }
  // As with `docker build` COPY, a destination ending in "/" is a folder to copy the file into.
  const into = typeof entry["dest"] === "string" && entry["dest"].endsWith("/");
  const target =
    into && statSync(src, { throwIfNoEntry: false })?.isFile()
      ? joinImagePath(dest, path.basename(src))
      : dest;
  if (owner === undefined || exclude === undefined) {
    return entryResult("copy", dest, undefined);
  }
  return entryResult("copy", target, {
    kind: "copy",
    src,
    dest: target,
    mode,
    dirMode,
    owner,
    exclude,
  });
}

/** Joins a relative image path (where "." is the root) and a name. */
function joinImagePath(folder: string, name: string): string {
  return folder === "." ? name : `${folder}/${name}`;
}

function readText(
  context: RuleContext,
  value: ConfigObject,
  configPath: ConfigPath,
  accounts: OwnerAccounts,
): EntryResult {
  const entry = readObject(context, value, configPath, textShape);
  if (entry === undefined) {
    return { spec: undefined, target: undefined };
  }
  const dest = readRequired(entry, "dest", (value) =>
    readImagePath(context, value, [...configPath, "dest"]),
  );
  const content = readRequired(entry, "content", (value) =>
    // A text file may contain NUL bytes: its content goes into the tar entry's data as is.
    readString(context, value, [...configPath, "content"], { allowNul: true }),
  );
  const mode = readMode(context, entry["mode"], [...configPath, "mode"], defaultFileMode);
  const owner = readOwner(context, entry["owner"], [...configPath, "owner"], accounts);

  if (dest === undefined || content === undefined || mode === undefined || owner === undefined) {
    return entryResult("text", dest, undefined);
  }
  return entryResult("text", dest, { kind: "text", dest, content, mode, owner });
}

function readSymlink(
  context: RuleContext,
  value: ConfigObject,
  configPath: ConfigPath,
  accounts: OwnerAccounts,
): EntryResult {
  const entry = readObject(context, value, configPath, symlinkShape);
  if (entry === undefined) {
    return { spec: undefined, target: undefined };
  }
  const dest = readRequired(entry, "dest", (value) =>
    readImagePath(context, value, [...configPath, "dest"]),
  );
  const target = readRequired(entry, "target", (value) =>
    readNonEmptyString(context, value, [...configPath, "target"]),
  );
  const owner = readOwner(context, entry["owner"], [...configPath, "owner"], accounts);

  if (dest === undefined || target === undefined || owner === undefined) {
    return entryResult("symlink", dest, undefined);
  }
  return entryResult("symlink", dest, { kind: "symlink", dest, target, owner });
}

function readDir(
  context: RuleContext,
  value: ConfigObject,
  configPath: ConfigPath,
  accounts: OwnerAccounts,
): EntryResult {
  const entry = readObject(context, value, configPath, dirShape);
  if (entry === undefined) {
    return { spec: undefined, target: undefined };
  }
  const dest = readRequired(entry, "dest", (value) =>
    readImagePath(context, value, [...configPath, "dest"]),
  );
  const mode = readMode(context, entry["mode"], [...configPath, "mode"], defaultDirMode);
  const owner = readOwner(context, entry["owner"], [...configPath, "owner"], accounts);

  if (dest === undefined || mode === undefined || owner === undefined) {
    return entryResult("dir", dest, undefined);
  }
  return entryResult("dir", dest, { kind: "dir", dest, mode, owner });
}

function reportUnknownKind(context: RuleContext, kind: unknown, configPath: ConfigPath): void {
  const entryPath = configPath.slice(0, -1);
  if (kind === undefined) {
    reportError(
      context,
      Codes.missingField,
      configPath,
      `${subject(entryPath)} has no kind`,
      'Make the entry with copy(), text(), symlink() or dir(); in JSON, set "kind" to "copy", "text", "symlink" or "dir".',
    );
    return;
  }
  const suggestion = typeof kind === "string" ? suggest(kind, entryKinds) : undefined;
  const start = suggestion === undefined ? "" : `Did you mean ${JSON.stringify(suggestion)}? `;
  reportError(
    context,
    Codes.invalidValue,
    configPath,
    `${subject(configPath)} ${JSON.stringify(kind)} is not a kind of file entry`,
    `${start}Use "copy", "text", "symlink" or "dir".`,
  );
}

/**
 * Reads a copy source, relative to the config's folder, and returns its absolute path. Reports
 * IMGC2009 when nothing exists there.
 */
function readSource(context: RuleContext, value: unknown, configPath: ConfigPath) {
  const src = readNonEmptyString(context, value, configPath);
  if (src === undefined) {
    return undefined;
  }
  const absolute = path.resolve(context.configDir, src);
  if (statSync(absolute, { throwIfNoEntry: false }) === undefined) {
    reportError(
      context,
      Codes.missingSource,
      configPath,
      `${subject(configPath)} ${JSON.stringify(src)} not found (looked for ${absolute})`,
      `Create it, or correct the path; copy sources are relative to the config's folder, ${context.configDir}.`,
    );
    return undefined;
  }
  return absolute;
}

/** Reads `exclude`: paths relative to the copy source, normalised without "./" or a final "/". */
function readExcludes(context: RuleContext, value: unknown, configPath: ConfigPath) {
  const excludes = readStringArray(context, value, configPath);
  if (excludes === undefined) {
    return undefined;
  }
  const normalised: string[] = [];
  excludes.forEach((exclude, index) => {
    const itemPath = [...configPath, index];
    const segments = exclude.split("/").filter((segment) => segment !== "" && segment !== ".");
    if (exclude.startsWith("/") || segments.length === 0) {
      reportError(
        context,
        Codes.invalidValue,
        itemPath,
        `${subject(itemPath)} ${JSON.stringify(exclude)} is not a path inside the source`,
        'Write a path relative to the copy source, such as "node_modules" or "src/test".',
      );
    } else if (segments.includes("..")) {
      reportError(
        context,
        Codes.parentSegment,
        itemPath,
        `${subject(itemPath)} ${JSON.stringify(exclude)} has a ".." segment`,
        'Write a path inside the copy source, without "..".',
      );
    } else {
      normalised.push(segments.join("/"));
    }
  });
  return normalised.length === excludes.length ? [...new Set(normalised)].sort() : undefined;
}
