import { describe, expect, test } from "vitest";

import { validateConfig } from "../validate.js";

const configFile = "/project/image.config.ts";

function check(config: object) {
  return validateConfig({ name: "app", ...config }, { configFile });
}

function codesOf(config: object) {
  return check(config).diagnostics.map((d) => [d.code, d.path]);
}

describe("ports", () => {
  test("normalises and sorts", () => {
    const ports = [8080, "53/udp", "53/tcp", 443, "8080/tcp", "9000/UDP"];
    expect(check({ ports }).spec?.ports).toEqual([
      "53/tcp",
      "53/udp",
      "443/tcp",
      "8080/tcp",
      "9000/udp",
    ]);
  });

  test("rejects numbers outside 1..65535", () => {
    expect(codesOf({ ports: [0, 65536, 1.5, "70000/tcp"] })).toEqual([
      ["IMGC2010", "ports[0]"],
      ["IMGC2010", "ports[1]"],
      ["IMGC2010", "ports[2]"],
      ["IMGC2010", "ports[3]"],
    ]);
  });

  test("rejects other protocols and bare strings", () => {
    const { diagnostics } = check({ ports: ["80/sctp", "8080"] });
    expect(diagnostics.map((d) => [d.code, d.path])).toEqual([
      ["IMGC2010", "ports[0]"],
      ["IMGC2010", "ports[1]"],
    ]);
    expect(diagnostics[1]?.fix).toContain('"8080/tcp"');
  });
});

describe("env", () => {
  test("rejects a name with = and an empty name", () => {
    expect(codesOf({ env: { "A=B": "c", "": "d" } })).toEqual([
      ["IMGC2010", "env"],
      ["IMGC2010", 'env["A=B"]'],
    ]);
  });

  test("rejects a value that is not a string", () => {
    const { diagnostics } = check({ env: { PORT: 8080 } });
    expect(diagnostics.map((d) => [d.code, d.path])).toEqual([["IMGC2003", "env.PORT"]]);
    expect(diagnostics[0]?.fix).toContain('"8080"');
  });
});

describe("stopSignal", () => {
  test.each(["SIGTERM", "SIGKILL", "SIGRTMIN", "SIGRTMIN+3", "SIGRTMAX-30", "SIGWINCH"])(
    "accepts %s",
    (stopSignal) => {
      expect(codesOf({ stopSignal })).toEqual([]);
    },
  );

  test.each(["TERM", "sigterm", "SIGTREM", "SIGRTMIN+31", "SIGRTMAX+1", "9", ""])(
    "rejects %j",
    (stopSignal) => {
      expect(codesOf({ stopSignal })).toEqual([["IMGC2010", "stopSignal"]]);
    },
  );

  test("suggests the SIG form", () => {
    expect(check({ stopSignal: "TERM" }).diagnostics[0]?.fix).toContain('"SIGTERM"');
    expect(check({ stopSignal: "SIGTREM" }).diagnostics[0]?.fix).toContain('"SIGTERM"');
  });
});

describe("workdir and volumes", () => {
  test("normalise absolute paths", () => {
    const { spec } = check({
      workdir: "/srv//app/",
      volumes: ["/var/lib/data/", "/cache", "/cache/"],
    });
    expect(spec?.workdir).toBe("/srv/app");
    expect(spec?.volumes).toEqual(["/cache", "/var/lib/data"]);
  });

  test.each(["/etc/passwd", "/etc/group/", "/etc/shadow", "/etc/passwd/app"])(
    "reject workdir %s, in a file imgc generates",
    (workdir) => {
      const { diagnostics } = check({ workdir, user: { name: "app", uid: 1000 } });
      expect(diagnostics.map((d) => [d.code, d.path])).toEqual([["IMGC2010", "workdir"]]);
      expect(diagnostics[0]?.fix).toContain('"/app"');
    },
  );

  test("accept /etc and the root as workdir", () => {
    expect(codesOf({ workdir: "/etc" })).toEqual([]);
    expect(codesOf({ workdir: "/" })).toEqual([]);
  });

  test("reject relative paths and ..", () => {
    expect(codesOf({ workdir: "app", volumes: ["data", "/a/../b"] })).toEqual([
      ["IMGC2005", "workdir"],
      ["IMGC2005", "volumes[0]"],
      ["IMGC2006", "volumes[1]"],
    ]);
  });
});

describe("entrypoint and cmd", () => {
  test("reject a shell string with an exec-array fix", () => {
    const { diagnostics } = check({ entrypoint: "node server.js" });
    expect(diagnostics.map((d) => [d.code, d.path])).toEqual([["IMGC2003", "entrypoint"]]);
    expect(diagnostics[0]?.fix).toContain('["node","server.js"]');
  });

  test("reject elements that are not strings", () => {
    expect(codesOf({ cmd: ["--port", 8080] })).toEqual([["IMGC2003", "cmd[1]"]]);
  });
});

describe("labels and annotations", () => {
  test("must be objects of strings", () => {
    expect(codesOf({ labels: ["a=b"], annotations: { a: 1 } })).toEqual([
      ["IMGC2003", "labels"],
      ["IMGC2003", "annotations.a"],
    ]);
  });
});
