import path from "node:path";

import { describe, expect, test } from "vitest";

import { positionOf, writeFixture } from "../../test/helpers/config-fixture.js";
import { validateConfig } from "./validate.js";

const configFile = "/project/image.config.ts";

describe("validateConfig", () => {
  test("fills defaults for a minimal config", () => {
    const { spec, diagnostics } = validateConfig({ name: "app" }, { configFile });
    expect(diagnostics).toEqual([]);
    expect(spec).toEqual({
      name: "app",
      tags: ["latest"],
      base: { kind: "scratch" },
      platforms: ["linux/amd64"],
      debian: undefined,
      files: [],
      user: undefined,
      workdir: undefined,
      env: [["PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]],
      entrypoint: undefined,
      cmd: undefined,
      ports: [],
      labels: {},
      annotations: {},
      stopSignal: undefined,
      volumes: [],
      configFile,
      configDir: "/project",
    });
  });

  test("normalises a full config", async () => {
    const folder = await writeFixture({ "public/index.html": "<p>hi</p>" });
    const config = {
      name: "web",
      tags: ["1.0.0", "latest", "1.0.0"],
      base: "oci:./layouts/base:v1",
      platforms: ["linux/arm64", "linux/amd64"],
      packages: {
        kind: "debian",
        suite: "trixie",
        packages: ["nodejs", "tzdata", "nodejs"],
        mirror: "http://mirror.example/debian/",
      },
      files: [
        { kind: "copy", src: "./public", dest: "/srv/www/", owner: "app", exclude: ["./tmp/"] },
        { kind: "text", dest: "//etc/motd", content: "hi\n" },
        { kind: "symlink", dest: "/usr/local/bin/web", target: "/srv/www/web" },
        { kind: "dir", dest: "/data/./cache", owner: "app:root", mode: 0o700 },
      ],
      user: { name: "app", uid: 10001 },
      workdir: "/srv/www/",
      env: { NODE_ENV: "production" },
      entrypoint: ["/usr/bin/node"],
      cmd: ["server.js"],
      ports: ["53/udp", 8080, 443, "8080/tcp"],
      labels: { "org.opencontainers.image.source": "https://example.com/repo" },
      annotations: { "org.opencontainers.image.title": "web" },
      stopSignal: "SIGRTMIN+3",
      volumes: ["/data/", "/cache"],
    };
    const { spec, diagnostics } = validateConfig(config, {
      configFile: path.join(folder, "image.config.ts"),
    });
    expect(diagnostics).toEqual([]);
    expect(spec).toEqual({
      name: "web",
      tags: ["1.0.0", "latest"],
      base: { kind: "oci-layout", path: path.join(folder, "layouts/base"), tag: "v1" },
      platforms: ["linux/arm64", "linux/amd64"],
      debian: {
        suite: "trixie",
        packages: ["nodejs", "tzdata"],
        mirror: "http://mirror.example/debian",
        components: ["main"],
        keyring: "/usr/share/keyrings/debian-archive-keyring.gpg",
      },
      files: [
        {
          kind: "copy",
          src: path.join(folder, "public"),
          dest: "srv/www",
          mode: undefined,
          dirMode: 0o755,
          owner: { uid: 10001, gid: 10001 },
          exclude: ["tmp"],
        },
        { kind: "text", dest: "etc/motd", content: "hi\n", mode: 0o644, owner: { uid: 0, gid: 0 } },
        {
          kind: "symlink",
          dest: "usr/local/bin/web",
          target: "/srv/www/web",
          owner: { uid: 0, gid: 0 },
        },
        { kind: "dir", dest: "data/cache", mode: 0o700, owner: { uid: 10001, gid: 0 } },
      ],
      user: {
        name: "app",
        uid: 10001,
        gid: 10001,
        group: "app",
        home: "/home/app",
        shell: "/usr/sbin/nologin",
      },
      workdir: "/srv/www",
      env: [
        ["PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
        ["NODE_ENV", "production"],
      ],
      entrypoint: ["/usr/bin/node"],
      cmd: ["server.js"],
      ports: ["53/udp", "443/tcp", "8080/tcp"],
      labels: { "org.opencontainers.image.source": "https://example.com/repo" },
      annotations: { "org.opencontainers.image.title": "web" },
      stopSignal: "SIGRTMIN+3",
      volumes: ["/cache", "/data"],
      configFile: path.join(folder, "image.config.ts"),
      configDir: folder,
    });
  });

  test("keeps a PATH the config sets", () => {
    const { spec } = validateConfig({ name: "a", env: { A: "1", PATH: "/bin" } }, { configFile });
    expect(spec?.env).toEqual([
      ["A", "1"],
      ["PATH", "/bin"],
    ]);
  });

  test("rejects a config that is not an object", () => {
    const { spec, diagnostics } = validateConfig([{ name: "a" }], { configFile });
    expect(spec).toBeUndefined();
    expect(diagnostics.map((d) => [d.code, d.path])).toEqual([["IMGC2003", ""]]);
  });

  test("reports a missing name", () => {
    const { diagnostics } = validateConfig({ tags: ["1"] }, { configFile });
    expect(diagnostics.map((d) => [d.code, d.path])).toEqual([["IMGC2004", "name"]]);
    expect(diagnostics[0]?.fix).toContain("Add name");
  });

  test("treats undefined as a missing key", () => {
    const { spec, diagnostics } = validateConfig({ name: "a", tags: undefined }, { configFile });
    expect(diagnostics).toEqual([]);
    expect(spec?.tags).toEqual(["latest"]);
  });

  test("gives no spec for a decimal mode", () => {
    const config = { name: "a", files: [{ kind: "dir", dest: "/d", mode: 755 }] };
    const { spec, diagnostics } = validateConfig(config, { configFile });
    expect(diagnostics.map((d) => d.severity)).toEqual(["error"]);
    expect(spec).toBeUndefined();
  });

  test("reports every mistake with its location", async () => {
    const source = `import { copy, defineImage, text } from "imgc";

export default defineImage({
  name: "Web App",
  tags: ["v1", "-bad"],
  platforms: ["linux/x86_64"],
  files: [
    copy("./missing", "srv/www"),
    text("/etc/../motd", "hi", { owner: "nobody" }),
    text("/etc/motd", "x"),
    text("/etc/motd/", "y"),
  ],
  user: { name: "app", uid: 4294967296 },
  ports: [70000],
  stopSignal: "TERM",
  workdir: "app",
  entrypoint: "node server.js",
  volumes: ["/data/../x"],
});
`;
    const folder = await writeFixture({ "image.config.ts": source });
    const file = path.join(folder, "image.config.ts");
    const config = {
      name: "Web App",
      tags: ["v1", "-bad"],
      platforms: ["linux/x86_64"],
      files: [
        { kind: "copy", src: "./missing", dest: "srv/www" },
        { kind: "text", dest: "/etc/../motd", content: "hi", owner: "nobody" },
        { kind: "text", dest: "/etc/motd", content: "x" },
        { kind: "text", dest: "/etc/motd/", content: "y" },
      ],
      user: { name: "app", uid: 4294967296 },
      ports: [70000],
      stopSignal: "TERM",
      workdir: "app",
      entrypoint: "node server.js",
      volumes: ["/data/../x"],
    };
    const { spec, diagnostics } = validateConfig(config, { configFile: file });
    expect(spec).toBeUndefined();

    const at = (needle: string) => ({ file, ...positionOf(source, needle) });
    expect(diagnostics.map((d) => ({ code: d.code, path: d.path, location: d.location }))).toEqual([
      { code: "IMGC2010", path: "name", location: at('"Web App"') },
      { code: "IMGC2010", path: "tags[1]", location: at('"-bad"') },
      { code: "IMGC2012", path: "platforms[0]", location: at('"linux/x86_64"') },
      { code: "IMGC2008", path: "user.uid", location: at("4294967296") },
      { code: "IMGC2009", path: "files[0].src", location: at('"./missing"') },
      { code: "IMGC2005", path: "files[0].dest", location: at('"srv/www"') },
      { code: "IMGC2006", path: "files[1].dest", location: at('"/etc/../motd"') },
      { code: "IMGC2011", path: "files[1].owner", location: at('"nobody"') },
      { code: "IMGC2007", path: "files[3].dest", location: at('"/etc/motd/"') },
      { code: "IMGC2005", path: "workdir", location: at('"app",\n  entrypoint') },
      { code: "IMGC2003", path: "entrypoint", location: at('"node server.js"') },
      { code: "IMGC2010", path: "ports[0]", location: at("70000") },
      { code: "IMGC2010", path: "stopSignal", location: at('"TERM"') },
      { code: "IMGC2006", path: "volumes[0]", location: at('"/data/../x"') },
    ]);
    for (const diagnostic of diagnostics) {
      expect(diagnostic.fix, diagnostic.message).toBeTruthy();
    }
  });

  test("locates values in a JSON config", async () => {
    const source =
      '{\n  "$schema": "./image.schema.json",\n  "name": "app",\n  "tags": ["ok", "not ok"]\n}\n';
    const folder = await writeFixture({ "image.config.json": source });
    const file = path.join(folder, "image.config.json");
    const { diagnostics } = validateConfig(JSON.parse(source), { configFile: file });
    expect(diagnostics.map((d) => [d.path, d.location])).toEqual([
      ["tags[1]", { file, ...positionOf(source, '"not ok"') }],
    ]);
  });

  test("rejects $schema outside JSON configs", () => {
    const { diagnostics } = validateConfig({ $schema: "x", name: "a" }, { configFile });
    expect(diagnostics.map((d) => [d.code, d.path])).toEqual([["IMGC2002", "$schema"]]);
  });
});
