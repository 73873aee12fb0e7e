import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { buildImageConfig, rfc3339, type ImageConfigInput } from "./image-config.js";

const diffA = `sha256:${"a".repeat(64)}` as const;
const diffB = `sha256:${"b".repeat(64)}` as const;

const input: ImageConfigInput = {
  platform: { architecture: "arm64", os: "linux", variant: "v8" },
  created: 1_700_000_000,
  user: { uid: 10001, gid: 10001 },
  env: { PATH: "/usr/local/bin:/usr/bin:/bin", NODE_ENV: "production" },
  entrypoint: ["/usr/bin/node", "/app/server.js"],
  cmd: ["--port", "8080"],
  exposedPorts: [8080, "53/udp", "9000"],
  volumes: ["/data"],
  workdir: "/app",
  labels: { "org.opencontainers.image.source": "https://example.com/repo", a: "1" },
  stopSignal: "SIGTERM",
  layers: [
    { diffId: diffA, createdBy: "imgc: debian packages libc6 nodejs" },
    { diffId: diffB, createdBy: "imgc: files /app", created: 0, comment: "app" },
  ],
};

describe("buildImageConfig", () => {
  it("writes the expected bytes", () => {
    const expected =
      '{"created":"2023-11-14T22:13:20Z","architecture":"arm64","os":"linux","variant":"v8",' +
      '"config":{"User":"10001:10001","ExposedPorts":{"53/udp":{},"8080/tcp":{},"9000/tcp":{}},' +
      '"Env":["NODE_ENV=production","PATH=/usr/local/bin:/usr/bin:/bin"],' +
      '"Entrypoint":["/usr/bin/node","/app/server.js"],"Cmd":["--port","8080"],"Volumes":{"/data":{}},' +
      '"WorkingDir":"/app","Labels":{"a":"1","org.opencontainers.image.source":"https://example.com/repo"},' +
      '"StopSignal":"SIGTERM"},' +
      `"rootfs":{"type":"layers","diff_ids":["${diffA}","${diffB}"]},` +
      '"history":[{"created":"2023-11-14T22:13:20Z","created_by":"imgc: debian packages libc6 nodejs"},' +
      '{"created":"1970-01-01T00:00:00Z","created_by":"imgc: files /app","comment":"app"}]}';
    expect(Buffer.from(buildImageConfig(input).bytes).toString("utf8")).toBe(expected);
  });

  it("describes exactly its bytes", () => {
    const config = buildImageConfig(input);
    expect(config.descriptor).toEqual({
      mediaType: "application/vnd.oci.image.config.v1+json",
      digest: `sha256:${createHash("sha256").update(config.bytes).digest("hex")}`,
      size: config.bytes.length,
    });
  });

  it("gives one history entry per layer", () => {
    const config = buildImageConfig(input).value;
    expect(config.history?.length).toBe(config.rootfs.diff_ids.length);
  });

  it("keeps the order of an env list", () => {
    const config = buildImageConfig({ ...input, env: ["PATH=/bin", "A=1"] }).value;
    expect(config.config?.Env).toEqual(["PATH=/bin", "A=1"]);
  });

  it("writes a minimal config", () => {
    const config = buildImageConfig({
      platform: { architecture: "amd64", os: "linux" },
      created: 0,
      layers: [],
    });
    expect(Buffer.from(config.bytes).toString("utf8")).toBe(
      '{"created":"1970-01-01T00:00:00Z","architecture":"amd64","os":"linux","config":{},' +
        '"rootfs":{"type":"layers","diff_ids":[]},"history":[]}',
    );
  });

  it("does not depend on the order of labels and env", () => {
    const reordered = {
      ...input,
      env: { NODE_ENV: "production", PATH: "/usr/local/bin:/usr/bin:/bin" },
      labels: { a: "1", "org.opencontainers.image.source": "https://example.com/repo" },
    };
    expect(buildImageConfig(reordered).descriptor.digest).toBe(
      buildImageConfig(input).descriptor.digest,
    );
  });

  it("rejects an invalid port, env entry or workdir", () => {
    expect(() => buildImageConfig({ ...input, exposedPorts: ["http"] })).toThrow(/port "http"/);
    expect(() => buildImageConfig({ ...input, exposedPorts: [70000] })).toThrow(/port 70000/);
    expect(() => buildImageConfig({ ...input, env: ["NOVALUE"] })).toThrow(/not NAME=value/);
    expect(() => buildImageConfig({ ...input, env: ["A=1", "A=2"] })).toThrow(/A is set twice/);
    expect(() => buildImageConfig({ ...input, workdir: "app" })).toThrow(/not absolute/);
  });
});

describe("rfc3339", () => {
  it("formats whole seconds in UTC", () => {
    expect(rfc3339(0)).toBe("1970-01-01T00:00:00Z");
    expect(rfc3339(1_704_067_200)).toBe("2024-01-01T00:00:00Z");
  });

  it("rejects fractions and negative times", () => {
    expect(() => rfc3339(1.5)).toThrow(/time 1.5/);
    expect(() => rfc3339(-1)).toThrow(/time -1/);
  });
});
