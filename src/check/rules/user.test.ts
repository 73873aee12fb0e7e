import { describe, expect, test } from "vitest";

import { validateConfig } from "../validate.js";

const configFile = "/project/image.config.ts";

function check(config: object) {
  return validateConfig({ name: "app", ...config }, { configFile });
}

function codesOf(config: object) {
  return check(config).diagnostics.map((d) => [d.code, d.path]);
}

const dir = (owner: unknown) => ({ kind: "dir", dest: "/data", owner });

describe("user", () => {
  test("fills gid, group, home and shell", () => {
    expect(check({ user: { name: "app", uid: 10001 } }).spec?.user).toEqual({
      name: "app",
      uid: 10001,
      gid: 10001,
      group: "app",
      home: "/home/app",
      shell: "/usr/sbin/nologin",
    });
  });

  test("keeps explicit values", () => {
    const user = { name: "app", uid: 1000, gid: 0, group: "root", home: "/app/", shell: "/bin/sh" };
    expect(check({ user }).spec?.user).toEqual({ ...user, home: "/app" });
  });

  test("rejects a uid above 2^31 - 1", () => {
    const { diagnostics } = check({ user: { name: "app", uid: 2 ** 31 } });
    expect(diagnostics.map((d) => [d.code, d.path])).toEqual([["IMGC2008", "user.uid"]]);
    expect(diagnostics[0]?.message).toContain("2147483648");
    expect(diagnostics[0]?.fix).toContain("2147483647");
  });

  test("accepts uid 2^31 - 1", () => {
    expect(codesOf({ user: { name: "app", uid: 2 ** 31 - 1 } })).toEqual([]);
  });

  test("rejects uid 0", () => {
    const { diagnostics } = check({ user: { name: "app", uid: 0 } });
    expect(diagnostics.map((d) => [d.code, d.path])).toEqual([["IMGC2008", "user.uid"]]);
    expect(diagnostics[0]?.fix).toContain("root");
  });

  test("rejects a negative or fractional gid", () => {
    expect(codesOf({ user: { name: "app", uid: 1, gid: -1 } })).toEqual([["IMGC2008", "user.gid"]]);
    expect(codesOf({ user: { name: "app", uid: 1, gid: 1.5 } })).toEqual([
      ["IMGC2008", "user.gid"],
    ]);
  });

  test("rejects a uid written as a string", () => {
    const { diagnostics } = check({ user: { name: "app", uid: "1000" } });
    expect(diagnostics.map((d) => [d.code, d.path])).toEqual([["IMGC2003", "user.uid"]]);
    expect(diagnostics[0]?.fix).toContain("without quotes");
  });

  test("rejects invalid and reserved names", () => {
    expect(codesOf({ user: { name: "App User", uid: 1 } })).toEqual([["IMGC2010", "user.name"]]);
    expect(codesOf({ user: { name: "root", uid: 1 } })).toEqual([["IMGC2010", "user.name"]]);
  });

  test("rejects the root group with another gid", () => {
    expect(codesOf({ user: { name: "app", uid: 1, group: "root" } })).toEqual([
      ["IMGC2010", "user.group"],
    ]);
  });

  test("rejects a relative home", () => {
    expect(codesOf({ user: { name: "app", uid: 1, home: "home/app" } })).toEqual([
      ["IMGC2005", "user.home"],
    ]);
  });

  test("reports a missing uid and an unknown key", () => {
    const { diagnostics } = check({ user: { name: "app", id: 1 } });
    expect(diagnostics.map((d) => [d.code, d.path])).toEqual([
      ["IMGC2002", "user.id"],
      ["IMGC2004", "user.uid"],
    ]);
    expect(diagnostics[0]?.fix).toContain('Did you mean "uid"?');
  });
});

describe("owner", () => {
  const user = { name: "app", uid: 10001, gid: 20002, group: "staff" };

  test.each([
    [undefined, { uid: 0, gid: 0 }],
    ["root", { uid: 0, gid: 0 }],
    ["app", { uid: 10001, gid: 20002 }],
    ["app:root", { uid: 10001, gid: 0 }],
    ["root:staff", { uid: 0, gid: 20002 }],
    [1000, { uid: 1000, gid: 1000 }],
    ["1000", { uid: 1000, gid: 1000 }],
    ["1000:2000", { uid: 1000, gid: 2000 }],
    ["app:33", { uid: 10001, gid: 33 }],
  ])("resolves %s", (owner, expected) => {
    const { spec, diagnostics } = check({ user, files: [dir(owner)] });
    expect(diagnostics).toEqual([]);
    expect(spec?.files[0]?.owner).toEqual(expected);
  });

  test("reports a name the image does not have", () => {
    const { diagnostics } = check({ user, files: [dir("ap")] });
    expect(diagnostics.map((d) => [d.code, d.path])).toEqual([["IMGC2011", "files[0].owner"]]);
    expect(diagnostics[0]?.message).toContain('"ap"');
    expect(diagnostics[0]?.fix).toContain('Did you mean "app"?');
  });

  test("reports a group the image does not have", () => {
    const { diagnostics } = check({ user, files: [dir("app:www-data")] });
    expect(diagnostics.map((d) => [d.code, d.path])).toEqual([["IMGC2011", "files[0].owner"]]);
    expect(diagnostics[0]?.message).toContain("group");
  });

  test("reports the user's name when no user is set", () => {
    const { diagnostics } = check({ files: [dir("app")] });
    expect(diagnostics.map((d) => d.code)).toEqual(["IMGC2011"]);
    expect(diagnostics[0]?.fix).toContain("user: { name, uid }");
  });

  test("does not report names while the user is invalid", () => {
    const { diagnostics } = check({ user: { name: "app", uid: -1 }, files: [dir("app")] });
    expect(diagnostics.map((d) => [d.code, d.path])).toEqual([["IMGC2008", "user.uid"]]);
  });

  test("rejects ids out of range", () => {
    expect(codesOf({ files: [dir(2 ** 31)] })).toEqual([["IMGC2008", "files[0].owner"]]);
    expect(codesOf({ files: [dir("0:4294967296")] })).toEqual([["IMGC2008", "files[0].owner"]]);
  });

  test("rejects malformed owners", () => {
    expect(codesOf({ files: [dir("a:b:c")] })).toEqual([["IMGC2010", "files[0].owner"]]);
    expect(codesOf({ files: [dir(":0")] })).toEqual([["IMGC2010", "files[0].owner"]]);
    expect(codesOf({ files: [dir(true)] })).toEqual([["IMGC2003", "files[0].owner"]]);
  });
});

describe("user.home", () => {
  const user = (home: string) => ({ user: { name: "app", uid: 1000, home } });

  test.each(["/", "/etc", "/usr/", "/bin", "/sbin", "/lib", "/lib64", "/var", "/tmp", "/proc"])(
    "rejects the system folder %s",
    (home) => {
      expect(codesOf(user(home))).toEqual([["IMGC2010", "user.home"]]);
    },
  );

  test.each(["/sys", "/dev", "/run", "/boot"])("rejects the system folder %s", (home) => {
    expect(codesOf(user(home))).toEqual([["IMGC2010", "user.home"]]);
  });

  test.each(["/etc/passwd", "/etc/group", "/etc/shadow", "/etc/passwd/app"])(
    "rejects %s, a file imgc generates",
    (home) => {
      expect(codesOf(user(home))).toEqual([["IMGC2010", "user.home"]]);
    },
  );

  test.each(["/var/lib/app", "/srv/app", "/etc/app", "/home/app"])("accepts %s", (home) => {
    expect(codesOf(user(home))).toEqual([]);
  });

  test("suggests the default home", () => {
    const { diagnostics } = check(user("/etc"));
    expect(diagnostics[0]?.message).toContain('"/etc" is a system folder');
    expect(diagnostics[0]?.message).toContain("0700");
    expect(diagnostics[0]?.fix).toContain('"/home/app"');
  });

  test("names the generated file", () => {
    const { diagnostics } = check(user("/etc/shadow/app"));
    expect(diagnostics[0]?.message).toContain("is inside /etc/shadow");
  });
});
