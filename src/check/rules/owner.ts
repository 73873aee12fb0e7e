// Rules for a file's `owner`: "root", the configured user or group, or numeric ids. Names must
// be ones imgc writes into /etc/passwd and /etc/group, because the tar headers carry the names
// resolved to numbers.

import type { OwnerSpec, UserSpec } from "../spec.js";
import { Codes } from "../../diagnostics/codes.js";
import type { ConfigPath } from "../config-path.js";
import { reportError, type RuleContext } from "./context.js";
import { suggest } from "./suggest.js";
import { maxId, readId } from "./user.js";
import { describeValue, isPlainObject, reportWrongType, subject } from "./values.js";

export const rootOwner: OwnerSpec = { uid: 0, gid: 0 };

/** The accounts an owner may name besides root: the configured user and its group. */
export interface OwnerAccounts {
  /** Whether the config sets `user`, valid or not. */
  hasUser: boolean;
  /** The configured user, or undefined when there is none or it has mistakes. */
  user: UserSpec | undefined;
  /**
   * Names as the config writes them, known even when the user has mistakes. An owner naming
   * them is then not reported (the user's own diagnostics are), nor resolved.
   */
  userName: string | undefined;
  groupName: string | undefined;
}

/** Describes the accounts for owners from the config's raw `user` value and its spec. */
export function describeAccounts(rawUser: unknown, user: UserSpec | undefined): OwnerAccounts {
  if (user !== undefined) {
    return { hasUser: true, user, userName: user.name, groupName: user.group };
  }
  if (!isPlainObject(rawUser)) {
    return { hasUser: rawUser !== undefined, user, userName: undefined, groupName: undefined };
  }
  const userName = typeof rawUser["name"] === "string" ? rawUser["name"] : undefined;
  const groupName = typeof rawUser["group"] === "string" ? rawUser["group"] : userName;
  return { hasUser: true, user, userName, groupName };
}

/**
 * Resolves an owner to ids. A user name without a group gets that user's primary group. A bare
 * uid, which has no account in the image, gets the gid of the same number.
 */
export function readOwner(
  context: RuleContext,
  value: unknown,
  configPath: ConfigPath,
  accounts: OwnerAccounts,
): OwnerSpec | undefined {
  if (value === undefined) {
    return rootOwner;
  }
  if (typeof value === "number") {
    const uid = readId(context, value, configPath, "uid");
    return uid === undefined ? undefined : { uid, gid: uid };
  }
  if (typeof value !== "string") {
    reportWrongType(context, value, configPath, 'a user name, a uid, or "user:group"');
    return undefined;
  }

  const [userPart = "", groupPart, ...extra] = value.split(":");
  if (extra.length > 0 || userPart === "" || groupPart === "") {
    reportError(
      context,
      Codes.invalidValue,
      configPath,
      `${subject(configPath)} ${describeValue(value)} is not an owner`,
      'Write a user, a uid, "user:group" or "uid:gid".',
    );
    return undefined;
  }
  const owner = resolveUser(context, userPart, configPath, accounts);
  if (owner === undefined || groupPart === undefined) {
    return owner;
  }
  const gid = resolveGroup(context, groupPart, configPath, accounts);
  return gid === undefined ? undefined : { uid: owner.uid, gid };
}

function resolveUser(
  context: RuleContext,
  name: string,
  configPath: ConfigPath,
  accounts: OwnerAccounts,
): OwnerSpec | undefined {
  if (/^\d+$/.test(name)) {
    const uid = readNumericId(context, name, configPath, "uid");
    return uid === undefined ? undefined : { uid, gid: uid };
  }
  if (name === "root") {
    return rootOwner;
  }
  if (name === accounts.userName) {
    return accounts.user && { uid: accounts.user.uid, gid: accounts.user.gid };
  }
  reportUnknownOwner(context, name, "user", configPath, accounts);
  return undefined;
}

function resolveGroup(
  context: RuleContext,
  name: string,
  configPath: ConfigPath,
  accounts: OwnerAccounts,
): number | undefined {
  if (/^\d+$/.test(name)) {
    return readNumericId(context, name, configPath, "gid");
  }
  if (name === "root") {
    return 0;
  }
  if (name === accounts.groupName) {
    return accounts.user?.gid;
  }
  reportUnknownOwner(context, name, "group", configPath, accounts);
  return undefined;
}

function readNumericId(
  context: RuleContext,
  digits: string,
  configPath: ConfigPath,
  what: "uid" | "gid",
): number | undefined {
  const id = Number(digits);
  if (id > maxId) {
    reportError(
      context,
      Codes.idOutOfRange,
      configPath,
      `${subject(configPath)} ${what} ${digits} is out of range`,
      `Use a ${what} from 0 to ${maxId}.`,
    );
    return undefined;
  }
  return id;
}

function reportUnknownOwner(
  context: RuleContext,
  name: string,
  kind: "user" | "group",
  configPath: ConfigPath,
  accounts: OwnerAccounts,
): void {
  const configured = kind === "user" ? accounts.userName : accounts.groupName;
  const known = configured === undefined ? ["root"] : ["root", configured];
  const listed = known.map((candidate) => JSON.stringify(candidate)).join(" or ");
  const suggestion = suggest(name, known);
  const start = suggestion === undefined ? "" : `Did you mean ${JSON.stringify(suggestion)}? `;
  const addUser = !accounts.hasUser ? ", or add `user: { name, uid }` to create the user" : "";
  reportError(
    context,
    Codes.unknownOwner,
    configPath,
    `${subject(configPath)} names ${kind} ${JSON.stringify(name)}, which the image does not have`,
    `${start}Use ${listed}, or a numeric id${addUser}.`,
  );
}
