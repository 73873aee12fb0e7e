// Rules for `user`: the non-root account the image runs as. imgc generates /etc/passwd,
// /etc/group and /etc/shadow with root and this user.

import type { UserConfig } from "../../config/types.js";
import { Codes } from "../../diagnostics/codes.js";
import type { UserSpec } from "../spec.js";
import type { ConfigPath } from "../config-path.js";
import { reportError, type RuleContext } from "./context.js";
import { readImagePath, toAbsoluteImagePath } from "./image-path.js";
import { checkHomeNotSystemFolder, checkOutsideGeneratedFiles } from "./reserved-paths.js";
import {
  readInteger,
  readObject,
  readOptional,
  readRequired,
  readString,
  subject,
  type KeyShape,
} from "./values.js";

const userShape: KeyShape<UserConfig> = {
  name: "required",
  uid: "required",
  gid: "optional",
  group: "optional",
  home: "optional",
  shell: "optional",
};

/** The largest id: uid_t and gid_t are 32-bit, and ids above 2^31 - 1 break many tools. */
export const maxId = 2_147_483_647;

/** A user or group name as Debian's adduser accepts it by default, at most 32 characters. */
const accountName = /^[a-z_][a-z0-9_-]{0,31}$/;

export const defaultShell = "/usr/sbin/nologin";

export function readUser(
  context: RuleContext,
  value: unknown,
  configPath: ConfigPath,
): UserSpec | undefined {
  const user = readObject(context, value, configPath, userShape);
  if (user === undefined) {
    return undefined;
  }

  const name = readRequired(user, "name", (value) =>
    readAccountName(context, value, [...configPath, "name"], "user"),
  );
  const uid = readRequired(user, "uid", (value) =>
    readInteger(context, value, [...configPath, "uid"], {
      min: 1,
      max: maxId,
      code: Codes.idOutOfRange,
      what: "uid",
      reason: "uid 0 is root, and the configured user is the image's non-root user",
    }),
  );
  const gid = readOptional(user, "gid", uid, (value) =>
    readId(context, value, [...configPath, "gid"], "gid"),
  );
  const group = readOptional(user, "group", name, (value) =>
    readAccountName(context, value, [...configPath, "group"], "group"),
  );
  const home = readOptional(user, "home", name && `/home/${name}`, (value) =>
    readHome(context, value, [...configPath, "home"], `/home/${name ?? "app"}`),
  );
  const shell = readOptional(user, "shell", defaultShell, (value) =>
    readAbsolute(context, value, [...configPath, "shell"]),
  );

  if (name === undefined || uid === undefined || gid === undefined || group === undefined) {
    return undefined;
  }
  if (home === undefined || shell === undefined) {
    return undefined;
  }
  if (group === "root" && gid !== 0) {
    reportError(
      context,
      Codes.invalidValue,
      [...configPath, "group"],
      `${subject([...configPath, "group"])} "root" is used with gid ${gid}`,
      'Use gid 0 with the group "root", or name another group.',
    );
    return undefined;
  }
  return { name, uid, gid, group, home, shell };
}

/** Reads a uid or gid (0 is root). */
export function readId(
  context: RuleContext,
  value: unknown,
  configPath: ConfigPath,
  what: "uid" | "gid",
): number | undefined {
  return readInteger(context, value, configPath, {
    min: 0,
    max: maxId,
    code: Codes.idOutOfRange,
    what,
  });
}

function readAccountName(
  context: RuleContext,
  value: unknown,
  configPath: ConfigPath,
  kind: "user" | "group",
): string | undefined {
  const name = readString(context, value, configPath);
  if (name === undefined) {
    return undefined;
  }
  if (!accountName.test(name)) {
    reportError(
      context,
      Codes.invalidValue,
      configPath,
      `${subject(configPath)} ${JSON.stringify(name)} is not a valid ${kind} name`,
      "Use up to 32 lowercase letters, digits, '_' and '-', starting with a letter or '_'.",
    );
    return undefined;
  }
  if (kind === "user" && name === "root") {
    reportError(
      context,
      Codes.invalidValue,
      configPath,
      `${subject(configPath)} "root" is reserved`,
      'Name the image\'s non-root user, such as "app"; root is always in /etc/passwd.',
    );
    return undefined;
  }
  return name;
}

/** Reads the home, which imgc creates and gives to the user; `example` is a home to suggest. */
function readHome(context: RuleContext, value: unknown, configPath: ConfigPath, example: string) {
  const relative = readImagePath(context, value, configPath, { allowRoot: true });
  if (relative === undefined) {
    return undefined;
  }
  const valid =
    checkHomeNotSystemFolder(context, relative, configPath, example) &&
    checkOutsideGeneratedFiles(context, relative, configPath, example);
  return valid ? toAbsoluteImagePath(relative) : undefined;
}

function readAbsolute(context: RuleContext, value: unknown, configPath: ConfigPath) {
  const relative = readImagePath(context, value, configPath);
  return relative === undefined ? undefined : toAbsoluteImagePath(relative);
}
