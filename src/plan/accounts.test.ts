import { describe, expect, it } from "vitest";

import type { UserSpec } from "../check/spec.js";
import { ImgcError } from "../util/errors.js";
import {
  buildAccountTable,
  nameLookups,
  renderGroup,
  renderPasswd,
  renderShadow,
  type BaseAccountFiles,
} from "./accounts.js";

const app: UserSpec = {
  name: "app",
  uid: 10001,
  gid: 10001,
  group: "app",
  home: "/home/app",
  shell: "/usr/sbin/nologin",
};

const base: BaseAccountFiles = {
  passwd: [
    "root:x:0:0:root:/root:/bin/bash",
    "# a comment",
    "",
    "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin",
    "web:x:1000:1000:Web Server,,,:/srv/web:/bin/sh",
    "",
  ].join("\n"),
  group: ["root:x:0:", "daemon:x:1:", "web:x:1000:", "audio:x:29:web,daemon", ""].join("\n"),
  shadow: ["root:$6$hash:19000:0:99999:7:::", "web:!:19000::::::", ""].join("\n"),
};

/** Runs `action` and returns the ImgcError it raises. */
function imgcErrorOf(action: () => unknown): ImgcError {
  try {
    action();
  } catch (error) {
    if (error instanceof ImgcError) return error;
    throw error;
  }
  throw new Error("expected an ImgcError, but nothing was raised");
}

describe("buildAccountTable", () => {
  it("no base, no user: root and nobody", () => {
    const table = buildAccountTable(undefined, {});
    expect(renderPasswd(table)).toBe(
      "root:x:0:0:root:/root:/usr/sbin/nologin\n" +
        "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n",
    );
    expect(renderGroup(table)).toBe("root:x:0:\nnogroup:x:65534:\n");
  });

  it("no base: user appended", () => {
    const table = buildAccountTable(app, {});
    expect(table.accounts.map((a) => a.name)).toEqual(["root", "nobody", "app"]);
    expect(table.accounts[2]).toEqual({
      name: "app",
      uid: 10001,
      gid: 10001,
      gecos: "app",
      home: "/home/app",
      shell: "/usr/sbin/nologin",
    });
    expect(table.groups.map((g) => [g.name, g.gid])).toEqual([
      ["root", 0],
      ["nogroup", 65534],
      ["app", 10001],
    ]);
  });

  it("user in an existing group adds no group", () => {
    const table = buildAccountTable({ ...app, gid: 65534, group: "nogroup" }, {});
    expect(table.groups.map((g) => g.name)).toEqual(["root", "nogroup"]);
    expect(table.accounts[2]?.gid).toBe(65534);
  });

  it("base accounts kept in order, comments dropped", () => {
    const table = buildAccountTable(app, base);
    expect(table.accounts.map((a) => a.name)).toEqual(["root", "daemon", "web", "app"]);
    expect(table.accounts[2]).toEqual({
      name: "web",
      uid: 1000,
      gid: 1000,
      gecos: "Web Server,,,",
      home: "/srv/web",
      shell: "/bin/sh",
    });
  });

  it("base groups kept with members", () => {
    const table = buildAccountTable(undefined, base);
    expect(table.groups).toEqual([
      { name: "root", gid: 0, members: [] },
      { name: "daemon", gid: 1, members: [] },
      { name: "web", gid: 1000, members: [] },
      { name: "audio", gid: 29, members: ["web", "daemon"] },
    ]);
  });

  it("base without passwd gets root and nobody", () => {
    const table = buildAccountTable(undefined, { group: base.group });
    expect(table.accounts.map((a) => a.name)).toEqual(["root", "nobody"]);
    expect(table.groups.map((g) => g.name)).toEqual(["root", "daemon", "web", "audio"]);
  });

  it("user already in the base is not added twice", () => {
    const web = { ...app, name: "web", uid: 1000, gid: 1000, group: "web" };
    const table = buildAccountTable(web, base);
    expect(table.accounts.filter((a) => a.name === "web")).toHaveLength(1);
    expect(table.groups.filter((g) => g.name === "web")).toHaveLength(1);
  });

  it("user name clash names both uids", () => {
    const error = imgcErrorOf(() => buildAccountTable({ ...app, name: "web" }, base));
    expect(error.message).toContain('"web"');
    expect(error.message).toContain("uid 1000");
    expect(error.message).toContain("10001");
    expect(error.hint).toContain("user.uid to 1000");
  });

  it("uid clash names both users", () => {
    const error = imgcErrorOf(() => buildAccountTable({ ...app, uid: 1000 }, base));
    expect(error.message).toContain("uid 1000");
    expect(error.message).toContain('"web"');
    expect(error.message).toContain('"app"');
  });

  it("uid clash with the default root", () => {
    const error = imgcErrorOf(() => buildAccountTable({ ...app, uid: 0 }, {}));
    expect(error.message).toContain('"root"');
    expect(error.message).toContain('"app"');
  });

  it("gid clash names both groups", () => {
    const error = imgcErrorOf(() => buildAccountTable({ ...app, gid: 29 }, base));
    expect(error.message).toContain("gid 29");
    expect(error.message).toContain('"audio"');
    expect(error.message).toContain('"app"');
    expect(error.hint).toContain('user.group to "audio"');
  });

  it("group name clash names both gids", () => {
    const error = imgcErrorOf(() => buildAccountTable({ ...app, group: "audio" }, base));
    expect(error.message).toContain('"audio"');
    expect(error.message).toContain("gid 29");
    expect(error.message).toContain("10001");
    expect(error.hint).toContain("user.gid to 29");
  });

  it("existing user with another gid names both gids", () => {
    const web = { ...app, name: "web", uid: 1000, gid: 29, group: "audio" };
    const error = imgcErrorOf(() => buildAccountTable(web, base));
    expect(error.message).toContain('"web"');
    expect(error.message).toContain("gid 1000");
    expect(error.message).toContain("29");
    expect(error.hint).toContain("user.gid to 1000");
  });
});

describe("renderPasswd", () => {
  it("seven fields per line", () => {
    const text = renderPasswd(buildAccountTable(app, base));
    expect(text.split("\n")).toEqual([
      "root:x:0:0:root:/root:/bin/bash",
      "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin",
      "web:x:1000:1000:Web Server,,,:/srv/web:/bin/sh",
      "app:x:10001:10001:app:/home/app:/usr/sbin/nologin",
      "",
    ]);
  });
});

describe("renderGroup", () => {
  it("four fields, members joined by commas", () => {
    const text = renderGroup(buildAccountTable(app, base));
    expect(text).toBe("root:x:0:\ndaemon:x:1:\nweb:x:1000:\naudio:x:29:web,daemon\napp:x:10001:\n");
  });
});

describe("renderShadow", () => {
  it("no base: root and nobody *, user !", () => {
    const text = renderShadow(buildAccountTable(app, {}));
    expect(text).toBe("root:*:::::::\nnobody:*:::::::\napp:!:::::::\n");
  });

  it("base lines kept verbatim", () => {
    const text = renderShadow(buildAccountTable(app, base));
    expect(text.split("\n")).toEqual([
      "root:$6$hash:19000:0:99999:7:::",
      "daemon:!:::::::",
      "web:!:19000::::::",
      "app:!:::::::",
      "",
    ]);
  });

  it("nine fields per line", () => {
    const lines = renderShadow(buildAccountTable(app, {})).trimEnd().split("\n");
    for (const line of lines) expect(line.split(":")).toHaveLength(9);
  });
});

describe("nameLookups", () => {
  it("maps ids to names", () => {
    const names = nameLookups(buildAccountTable(app, base));
    expect(names.user(1000)).toBe("web");
    expect(names.user(10001)).toBe("app");
    expect(names.group(29)).toBe("audio");
    expect(names.group(10001)).toBe("app");
  });

  it("unknown ids give empty names", () => {
    const names = nameLookups(buildAccountTable(undefined, {}));
    expect(names.user(4242)).toBe("");
    expect(names.group(4242)).toBe("");
  });

  it("first account with an id wins", () => {
    const names = nameLookups(
      buildAccountTable(undefined, {
        passwd: "root:x:0:0:root:/root:/bin/sh\ntoor:x:0:0:root:/root:/bin/sh\n",
        group: "root:x:0:\nwheel:x:0:\n",
      }),
    );
    expect(names.user(0)).toBe("root");
    expect(names.group(0)).toBe("root");
  });
});
