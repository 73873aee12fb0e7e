import { describe, expect, test } from "vitest";

import { validateConfig } from "../validate.js";

const configFile = "/project/image.config.ts";

function check(config: object) {
  return validateConfig({ name: "app", ...config }, { configFile });
}

function codesOf(config: object) {
  return check(config).diagnostics.map((d) => [d.code, d.path]);
}

const nul = "a\0b";

describe("NUL characters", () => {
  test("rejects one in file paths", () => {
    const files = [
      { kind: "text", dest: `/etc/${nul}`, content: "" },
      { kind: "copy", src: `./${nul}`, dest: "/srv" },
      { kind: "symlink", dest: "/link", target: `/bin/${nul}` },
      { kind: "dir", dest: `/${nul}` },
      { kind: "copy", src: "/", dest: "/app", exclude: [nul] },
    ];
    expect(codesOf({ files })).toEqual([
      ["IMGC2010", "files[0].dest"],
      ["IMGC2010", "files[1].src"],
      ["IMGC2010", "files[2].target"],
      ["IMGC2010", "files[3].dest"],
      ["IMGC2010", "files[4].exclude[0]"],
    ]);
  });

  test("accepts one in text content", () => {
    const files = [{ kind: "text", dest: "/data.bin", content: `\0\0${nul}` }];
    expect(codesOf({ files })).toEqual([]);
  });

  test("rejects one in env names and values", () => {
    expect(codesOf({ env: { [nul]: "x", VALUE: nul } })).toEqual([
      ["IMGC2010", 'env["a\\u0000b"]'],
      ["IMGC2010", "env.VALUE"],
    ]);
  });

  test("rejects one in entrypoint and cmd", () => {
    expect(codesOf({ entrypoint: ["/bin/app", nul], cmd: [nul] })).toEqual([
      ["IMGC2010", "entrypoint[1]"],
      ["IMGC2010", "cmd[0]"],
    ]);
  });

  test("rejects one in labels and annotations", () => {
    expect(codesOf({ labels: { [nul]: "x" }, annotations: { note: nul } })).toEqual([
      ["IMGC2010", 'labels["a\\u0000b"]'],
      ["IMGC2010", "annotations.note"],
    ]);
  });

  test("rejects one in workdir, volumes, home and shell", () => {
    const user = { name: "app", uid: 1000, home: `/home/${nul}`, shell: `/bin/${nul}` };
    expect(codesOf({ workdir: `/${nul}`, volumes: [`/${nul}`], user })).toEqual([
      ["IMGC2010", "user.home"],
      ["IMGC2010", "user.shell"],
      ["IMGC2010", "workdir"],
      ["IMGC2010", "volumes[0]"],
    ]);
  });

  test("rejects one in the base and packages", () => {
    const packages = { kind: "debian", suite: "trixie", packages: ["curl"], keyring: nul };
    expect(codesOf({ base: { kind: "oci-layout", path: nul }, packages })).toEqual([
      ["IMGC2010", "base.path"],
      ["IMGC2010", "packages.keyring"],
    ]);
  });

  test("gives a fix", () => {
    const { diagnostics } = check({ env: { VALUE: nul } });
    expect(diagnostics[0]?.message).toContain("NUL character");
    expect(diagnostics[0]?.fix).toContain("Remove the NUL character");
  });

  test("points at the key of a map", () => {
    const { diagnostics } = validateConfig(
      { name: "app", labels: { [nul]: "x" } },
      { configFile: "/project/image.config.json" },
    );
    expect(diagnostics[0]?.message).toContain('the key "a\\u0000b" of labels');
  });
});
