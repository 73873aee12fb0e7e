// The image's /etc/passwd, /etc/group and /etc/shadow: the base image's accounts (if any), root
// and nobody, and the configured user. Pure: the caller writes the files.

import type { UserSpec } from "../check/spec.js";
import { ImgcError } from "../util/errors.js";

/** A line of /etc/passwd. */
export interface Account {
  name: string;
  uid: number;
  gid: number;
  gecos: string;
  home: string;
  shell: string;
}

/** A line of /etc/group. */
export interface Group {
  name: string;
  gid: number;
  members: string[];
}

/** The account files of an image and the name lookups the tar writer needs. */
export interface AccountTable {
  accounts: readonly Account[];
  groups: readonly Group[];
  /** Shadow lines kept from the base image, by account name. */
  baseShadow: ReadonlyMap<string, string>;
}

const nologin = "/usr/sbin/nologin";

// Debian's own ids for root and nobody/nogroup (base-passwd's passwd.master).
const defaultAccounts: Account[] = [
  { name: "root", uid: 0, gid: 0, gecos: "root", home: "/root", shell: nologin },
  { name: "nobody", uid: 65534, gid: 65534, gecos: "nobody", home: "/nonexistent", shell: nologin },
];
const defaultGroups: Group[] = [
  { name: "root", gid: 0, members: [] },
  { name: "nogroup", gid: 65534, members: [] },
];

function parsePasswd(text: string): Account[] {
  const result: Account[] = [];
  for (const line of text.split("\n")) {
    const fields = line.split(":");
    if (fields.length < 7 || line.startsWith("#")) continue;
    const [name, , uid, gid, gecos, home, shell] = fields as [string, ...string[]];
    result.push({
      name,
      uid: Number(uid),
      gid: Number(gid),
      gecos: gecos ?? "",
      home: home ?? "/",
      shell: shell ?? nologin,
    });
  }
  return result;
}

function parseGroup(text: string): Group[] {
  const result: Group[] = [];
  for (const line of text.split("\n")) {
    const fields = line.split(":");
    if (fields.length < 4 || line.startsWith("#")) continue;
    const members = (fields[3] ?? "").split(",").filter((m) => m !== "");
    result.push({ name: fields[0] as string, gid: Number(fields[2]), members });
  }
  return result;
}

function parseShadow(text: string): Map<string, string> {
  const result = new Map<string, string>();
  for (const line of text.split("\n")) {
    const name = line.split(":")[0];
    if (name && !line.startsWith("#")) result.set(name, line);
  }
  return result;
}

/** The base image's account files, as text, when it has them. */
export interface BaseAccountFiles {
  passwd?: string;
  group?: string;
  shadow?: string;
}

/**
 * Builds the account table: the base image's accounts when it has /etc/passwd, else root and
 * nobody; then the configured user and its group. A user whose name, uid, gid or group name the
 * base already uses with other ids is rejected.
 */
export function buildAccountTable(
  user: UserSpec | undefined,
  base: BaseAccountFiles,
): AccountTable {
  const accounts = base.passwd ? parsePasswd(base.passwd) : [...defaultAccounts];
  const groups = base.group ? parseGroup(base.group) : [...defaultGroups];
  const baseShadow = base.shadow ? parseShadow(base.shadow) : new Map<string, string>();
  if (user) {
    addUser(accounts, groups, user);
  }
  return { accounts, groups, baseShadow };
}

function addUser(accounts: Account[], groups: Group[], user: UserSpec): void {
  const sameName = accounts.find((a) => a.name === user.name);
  const sameUid = accounts.find((a) => a.uid === user.uid);
  if (sameName && sameName.uid !== user.uid) {
    throw new ImgcError(
      `user "${user.name}" exists in the base image with uid ${sameName.uid}, not ${user.uid}`,
      { hint: `set user.uid to ${sameName.uid}, or choose another user name` },
    );
  }
  if (sameName && sameName.gid !== user.gid) {
    throw new ImgcError(
      `user "${user.name}" exists in the base image with gid ${sameName.gid}, not ${user.gid}`,
      { hint: `set user.gid to ${sameName.gid}, or choose another user name` },
    );
  }
  if (sameUid && sameUid.name !== user.name) {
    throw new ImgcError(
      `uid ${user.uid} belongs to "${sameUid.name}" in the base image, not "${user.name}"`,
      { hint: "choose another uid" },
    );
  }
  const group = groups.find((g) => g.gid === user.gid);
  if (group && group.name !== user.group) {
    throw new ImgcError(
      `gid ${user.gid} belongs to group "${group.name}" in the base image, not "${user.group}"`,
      { hint: `set user.group to "${group.name}" or choose another gid` },
    );
  }
  const sameGroupName = groups.find((g) => g.name === user.group);
  if (sameGroupName && sameGroupName.gid !== user.gid) {
    throw new ImgcError(
      `group "${user.group}" exists in the base image with gid ${sameGroupName.gid}, not ${user.gid}`,
      { hint: `set user.gid to ${sameGroupName.gid}, or choose another group name` },
    );
  }
  if (!group) groups.push({ name: user.group, gid: user.gid, members: [] });
  if (!sameName) {
    accounts.push({
      name: user.name,
      uid: user.uid,
      gid: user.gid,
      gecos: user.name,
      home: user.home,
      shell: user.shell,
    });
  }
}

/** Renders /etc/passwd. */
export function renderPasswd(table: AccountTable): string {
  return table.accounts
    .map((a) => `${a.name}:x:${a.uid}:${a.gid}:${a.gecos}:${a.home}:${a.shell}\n`)
    .join("");
}

/** Renders /etc/group. */
export function renderGroup(table: AccountTable): string {
  return table.groups.map((g) => `${g.name}:x:${g.gid}:${g.members.join(",")}\n`).join("");
}

/**
 * Renders /etc/shadow. Every account imgc adds is locked ("*" or "!"): images have no
 * passwords. The last-change field stays empty, because a date here would depend on the build
 * day.
 */
export function renderShadow(table: AccountTable): string {
  return table.accounts
    .map((a) => {
      const kept = table.baseShadow.get(a.name);
      if (kept) return `${kept}\n`;
      const locked = a.uid === 0 || a.uid === 65534 ? "*" : "!";
      return `${a.name}:${locked}:::::::\n`;
    })
    .join("");
}

/** Returns lookups from ids to names for tar headers; unknown ids give "". */
export function nameLookups(table: AccountTable): {
  user(uid: number): string;
  group(gid: number): string;
} {
  const users = new Map<number, string>();
  for (const a of table.accounts) if (!users.has(a.uid)) users.set(a.uid, a.name);
  const groups = new Map<number, string>();
  for (const g of table.groups) if (!groups.has(g.gid)) groups.set(g.gid, g.name);
  return {
    user: (uid) => users.get(uid) ?? "",
    group: (gid) => groups.get(gid) ?? "",
  };
}
