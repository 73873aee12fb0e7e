import { describe, expect, it } from "vitest";

import type { ImageSpec } from "../check/spec.js";
import type { ImageConfigBlob } from "../oci/types.js";
import { inheritProcessSettings } from "./inherit-base.js";

const defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

function spec(overrides: Partial<ImageSpec> = {}): ImageSpec {
  return {
    name: "app",
    tags: ["latest"],
    base: { kind: "oci-layout", path: "/base", tag: "1" },
    platforms: ["linux/amd64"],
    debian: undefined,
    files: [],
    user: undefined,
    workdir: undefined,
    env: [["PATH", defaultPath]],
    entrypoint: undefined,
    cmd: undefined,
    ports: [],
    labels: {},
    annotations: {},
    stopSignal: undefined,
    volumes: [],
    configFile: "/project/image.config.ts",
    configDir: "/project",
    ...overrides,
  };
}

const base: ImageConfigBlob = {
  architecture: "amd64",
  os: "linux",
  config: {
    User: "svc",
    Env: ["PATH=/opt/base/bin:/usr/bin", "LANG=C.UTF-8"],
    Entrypoint: ["/usr/bin/base"],
    Cmd: ["--serve"],
    ExposedPorts: { "9000/tcp": {} },
    Volumes: { "/data": {} },
    WorkingDir: "/srv",
    Labels: { vendor: "base", tier: "backend" },
    StopSignal: "SIGINT",
  },
  rootfs: { type: "layers", diff_ids: [] },
};

describe("inheritProcessSettings", () => {
  it("takes everything from the base", () => {
    const settings = inheritProcessSettings(spec(), base, false);
    expect(settings.user).toBe("svc");
    expect(settings.entrypoint).toEqual(["/usr/bin/base"]);
    expect(settings.cmd).toEqual(["--serve"]);
    expect(settings.workdir).toBe("/srv");
    expect(settings.stopSignal).toBe("SIGINT");
    expect(settings.ports).toEqual(["9000/tcp"]);
    expect(settings.volumes).toEqual(["/data"]);
  });

  it("keeps the base PATH over the default", () => {
    const settings = inheritProcessSettings(spec(), base, false);
    expect(settings.env).toEqual(["PATH=/opt/base/bin:/usr/bin", "LANG=C.UTF-8"]);
  });

  it("replaces PATH the config sets", () => {
    const settings = inheritProcessSettings(spec({ env: [["PATH", "/mine"]] }), base, true);
    expect(settings.env).toEqual(["PATH=/mine", "LANG=C.UTF-8"]);
  });

  it("overrides and appends variables", () => {
    const own = spec({
      env: [
        ["PATH", defaultPath],
        ["LANG", "de_DE.UTF-8"],
        ["MODE", "prod"],
      ],
    });
    const settings = inheritProcessSettings(own, base, false);
    expect(settings.env).toEqual(["PATH=/opt/base/bin:/usr/bin", "LANG=de_DE.UTF-8", "MODE=prod"]);
  });

  it("clears the base Cmd for a new entrypoint", () => {
    const settings = inheritProcessSettings(spec({ entrypoint: ["/app/run"] }), base, false);
    expect(settings.entrypoint).toEqual(["/app/run"]);
    expect(settings.cmd).toBeUndefined();
  });

  it("keeps the base entrypoint for a new cmd", () => {
    const settings = inheritProcessSettings(spec({ cmd: ["--check"] }), base, false);
    expect(settings.entrypoint).toEqual(["/usr/bin/base"]);
    expect(settings.cmd).toEqual(["--check"]);
  });

  it("merges labels, ports and volumes", () => {
    const own = spec({ labels: { tier: "frontend" }, ports: ["8080/tcp"], volumes: ["/cache"] });
    const settings = inheritProcessSettings(own, base, false);
    expect(settings.labels).toEqual({ vendor: "base", tier: "frontend" });
    expect(settings.ports).toEqual(["8080/tcp", "9000/tcp"]);
    expect(settings.volumes).toEqual(["/cache", "/data"]);
  });

  it("uses the configured user's ids", () => {
    const user = {
      name: "app",
      uid: 10001,
      gid: 10001,
      group: "app",
      home: "/home/app",
      shell: "/usr/sbin/nologin",
    };
    expect(inheritProcessSettings(spec({ user }), base, false).user).toEqual({
      uid: 10001,
      gid: 10001,
    });
  });

  it("works without a base", () => {
    const settings = inheritProcessSettings(spec({ entrypoint: ["/x"] }), undefined, false);
    expect(settings.env).toEqual([`PATH=${defaultPath}`]);
    expect(settings.user).toBeUndefined();
  });
});
