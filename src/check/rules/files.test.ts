import path from "node:path";

import { describe, expect, test } from "vitest";

import { writeFixture } from "../../../test/helpers/config-fixture.js";
import { validateConfig } from "../validate.js";

const configFile = "/project/image.config.ts";

function diagnosticsOf(files: unknown[], extra: object = {}) {
  return validateConfig({ name: "app", files, ...extra }, { configFile }).diagnostics;
}

function codesOf(files: unknown[], extra: object = {}) {
  return diagnosticsOf(files, extra).map((d) => [d.code, d.path]);
}

const text = (dest: string, options: object = {}) => ({
  kind: "text",
  dest,
  content: "",
  ...options,
});
const dir = (dest: string, options: object = {}) => ({ kind: "dir", dest, ...options });

describe("file destinations", () => {
  test("rejects a path inside /etc/passwd", () => {
    const [diagnostic] = diagnosticsOf([text("/etc/passwd/x")]);
    expect(diagnostic?.code).toBe("IMGC2007");
    expect(diagnostic?.path).toBe("files[0].dest");
    expect(diagnostic?.message).toContain("inside /etc/passwd");
  });

  test("rejects a relative dest", () => {
    const [diagnostic] = diagnosticsOf([text("etc/motd")]);
    expect(diagnostic?.code).toBe("IMGC2005");
    expect(diagnostic?.path).toBe("files[0].dest");
    expect(diagnostic?.message).toContain('"etc/motd"');
    expect(diagnostic?.fix).toContain('"/etc/motd"');
  });

  test("rejects a dest with ..", () => {
    const [diagnostic] = diagnosticsOf([text("/app/../etc/motd")]);
    expect(diagnostic?.code).toBe("IMGC2006");
    expect(diagnostic?.path).toBe("files[0].dest");
    expect(diagnostic?.fix).toContain('"/etc/motd"');
  });

  test("reports a relative dest with .. twice", () => {
    expect(codesOf([text("../x")])).toEqual([
      ["IMGC2005", "files[0].dest"],
      ["IMGC2006", "files[0].dest"],
    ]);
  });

  test("rejects the root except for copy", async () => {
    const folder = await writeFixture({ "rootfs/etc/hostname": "x" });
    const config = {
      name: "app",
      files: [{ kind: "copy", src: "./rootfs", dest: "/" }, dir("/")],
    };
    const { diagnostics } = validateConfig(config, {
      configFile: path.join(folder, "image.config.ts"),
    });
    expect(diagnostics.map((d) => [d.code, d.path])).toEqual([["IMGC2010", "files[1].dest"]]);
  });

  test("reports duplicates after normalising", () => {
    const diagnostics = diagnosticsOf([dir("/a/b"), text("/a/b/"), text("/a//b"), dir("/a/./b")]);
    expect(diagnostics.map((d) => [d.code, d.path])).toEqual([
      ["IMGC2007", "files[1].dest"],
      ["IMGC2007", "files[2].dest"],
      ["IMGC2007", "files[3].dest"],
    ]);
    expect(diagnostics[0]?.message).toContain("files[0]");
  });

  test("reports duplicates of entries with other mistakes", () => {
    expect(codesOf([text("/a", { mode: -1 }), text("/a")])).toEqual([
      ["IMGC2010", "files[0].mode"],
      ["IMGC2007", "files[1].dest"],
    ]);
  });

  test("reserves passwd, group and shadow when a user is set", () => {
    const files = [
      text("/etc/passwd"),
      text("/etc/group"),
      text("/etc//shadow"),
      text("/etc/hosts"),
    ];
    const user = { user: { name: "app", uid: 1000 } };
    expect(codesOf(files, user)).toEqual([
      ["IMGC2007", "files[0].dest"],
      ["IMGC2007", "files[1].dest"],
      ["IMGC2007", "files[2].dest"],
    ]);
    expect(codesOf(files)).toEqual([]);
  });

  test("rejects a path inside a text file or symlink", () => {
    const files = [
      text("/etc/motd"),
      dir("/etc/motd/extra"),
      { kind: "symlink", dest: "/bin", target: "usr/bin" },
      text("/bin/sh"),
      dir("/etc"),
    ];
    const diagnostics = diagnosticsOf(files);
    expect(diagnostics.map((d) => [d.code, d.path])).toEqual([
      ["IMGC2007", "files[1].dest"],
      ["IMGC2007", "files[3].dest"],
    ]);
    expect(diagnostics[1]?.message).toContain("symlink");
  });
});

describe("copy sources", () => {
  test("reports a missing source with the absolute path", async () => {
    const folder = await writeFixture({ "public/index.html": "" });
    const config = {
      name: "app",
      files: [
        { kind: "copy", src: "./public", dest: "/srv" },
        { kind: "copy", src: "./assets", dest: "/assets" },
      ],
    };
    const { diagnostics } = validateConfig(config, {
      configFile: path.join(folder, "image.config.ts"),
    });
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]?.code).toBe("IMGC2009");
    expect(diagnostics[0]?.path).toBe("files[1].src");
    expect(diagnostics[0]?.message).toContain(path.join(folder, "assets"));
  });

  test("normalises excludes and rejects escaping ones", async () => {
    const folder = await writeFixture({ "app/a": "" });
    const copy = (exclude: string[]) => ({ kind: "copy", src: "app", dest: "/app", exclude });
    const configFile = path.join(folder, "image.config.ts");
    const valid = validateConfig({ name: "a", files: [copy(["./b/", "a", "a/"])] }, { configFile });
    expect(valid.spec?.files[0]).toMatchObject({ exclude: ["a", "b"] });

    const invalid = validateConfig(
      { name: "a", files: [copy(["/abs", "../up", "."])] },
      { configFile },
    );
    expect(invalid.diagnostics.map((d) => [d.code, d.path])).toEqual([
      ["IMGC2010", "files[0].exclude[0]"],
      ["IMGC2006", "files[0].exclude[1]"],
      ["IMGC2010", "files[0].exclude[2]"],
    ]);
  });
});

describe("copy destinations ending in /", () => {
  test("copies a file into the folder", async () => {
    const folder = await writeFixture({ "bin/tool": "#!/bin/sh\n", "tree/a": "" });
    const configFile = path.join(folder, "image.config.ts");
    const files = [
      { kind: "copy", src: "bin/tool", dest: "/opt/tools/" },
      { kind: "copy", src: "bin/tool", dest: "/" },
      { kind: "copy", src: "bin/tool", dest: "/usr/local/bin/tool" },
    ];
    const { spec, diagnostics } = validateConfig({ name: "a", files }, { configFile });
    expect(diagnostics).toEqual([]);
    expect(spec?.files.map((file) => file.dest)).toEqual([
      "opt/tools/tool",
      "tool",
      "usr/local/bin/tool",
    ]);
  });

  test("copies a tree to the folder itself", async () => {
    const folder = await writeFixture({ "tree/a": "" });
    const configFile = path.join(folder, "image.config.ts");
    const files = [{ kind: "copy", src: "tree", dest: "/srv/tree/" }];
    const { spec } = validateConfig({ name: "a", files }, { configFile });
    expect(spec?.files[0]?.dest).toBe("srv/tree");
  });

  test("finds a clash after joining", async () => {
    const folder = await writeFixture({ "bin/tool": "" });
    const configFile = path.join(folder, "image.config.ts");
    const files = [
      { kind: "copy", src: "bin/tool", dest: "/opt/" },
      { kind: "text", dest: "/opt/tool", content: "" },
    ];
    const { diagnostics } = validateConfig({ name: "a", files }, { configFile });
    expect(diagnostics.map((d) => [d.code, d.path])).toEqual([["IMGC2007", "files[1].dest"]]);
  });
});

describe("file entries", () => {
  test("suggests a kind", () => {
    const [diagnostic] = diagnosticsOf([{ kind: "txt", dest: "/a", content: "" }]);
    expect(diagnostic?.code).toBe("IMGC2010");
    expect(diagnostic?.path).toBe("files[0].kind");
    expect(diagnostic?.fix).toContain('Did you mean "text"?');
  });

  test("reports an entry without kind", () => {
    expect(codesOf([{ src: "./a", dest: "/a" }])).toEqual([["IMGC2004", "files[0].kind"]]);
  });

  test("reports an entry that is not an object", () => {
    expect(codesOf(["/etc/motd"])).toEqual([["IMGC2003", "files[0]"]]);
  });

  test("reports unknown options with a suggestion", () => {
    const [diagnostic] = diagnosticsOf([text("/a", { mdoe: 0o644 })]);
    expect(diagnostic?.code).toBe("IMGC2002");
    expect(diagnostic?.path).toBe("files[0].mdoe");
    expect(diagnostic?.fix).toContain('Did you mean "mode"?');
  });

  test("rejects mode on a symlink", () => {
    const symlink = { kind: "symlink", dest: "/a", target: "b", mode: 0o777 };
    expect(codesOf([symlink])).toEqual([["IMGC2002", "files[0].mode"]]);
  });

  test("reports missing fields", () => {
    expect(
      codesOf([
        { kind: "text", dest: "/a" },
        { kind: "symlink", target: "x" },
      ]),
    ).toEqual([
      ["IMGC2004", "files[0].content"],
      ["IMGC2004", "files[1].dest"],
    ]);
  });

  test("rejects an empty symlink target", () => {
    expect(codesOf([{ kind: "symlink", dest: "/a", target: "" }])).toEqual([
      ["IMGC2010", "files[0].target"],
    ]);
  });
});

describe("file modes", () => {
  test("accepts 0 to 0o7777", () => {
    expect(codesOf([dir("/a", { mode: 0 }), dir("/b", { mode: 0o7777 })])).toEqual([]);
  });

  test("rejects modes out of range", () => {
    const diagnostics = diagnosticsOf([dir("/a", { mode: 0o10000 }), dir("/b", { mode: -1 })]);
    expect(diagnostics.map((d) => [d.code, d.path])).toEqual([
      ["IMGC2010", "files[0].mode"],
      ["IMGC2010", "files[1].mode"],
    ]);
    expect(diagnostics[0]?.message).toContain("0o10000");
  });

  test("rejects a fractional mode", () => {
    expect(codesOf([dir("/a", { mode: 1.5 })])).toEqual([["IMGC2010", "files[0].mode"]]);
  });

  test("rejects a mode written as a string", () => {
    expect(codesOf([dir("/a", { mode: "0755" })])).toEqual([["IMGC2003", "files[0].mode"]]);
  });

  test("rejects a decimal mode", () => {
    const [diagnostic] = diagnosticsOf([text("/a", { mode: 644 })]);
    expect(diagnostic?.severity).toBe("error");
    expect(diagnostic?.path).toBe("files[0].mode");
    expect(diagnostic?.fix).toContain("0o644");
  });

  test("accepts a decimal mode below 512", () => {
    expect(codesOf([text("/a", { mode: 420 })])).toEqual([]);
  });

  test("defaults text to 0o644 and dir to 0o755", () => {
    const { spec } = validateConfig({ name: "a", files: [text("/a"), dir("/b")] }, { configFile });
    expect(spec?.files.map((file) => ("mode" in file ? file.mode : undefined))).toEqual([
      0o644, 0o755,
    ]);
  });
});
