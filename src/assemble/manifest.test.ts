import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { buildManifest } from "./manifest.js";

const config = {
  mediaType: "application/vnd.oci.image.config.v1+json",
  digest: `sha256:${"c".repeat(64)}`,
  size: 100,
} as const;
const layer = {
  mediaType: "application/vnd.oci.image.layer.v1.tar+gzip",
  digest: `sha256:${"1".repeat(64)}`,
  size: 2000,
} as const;

describe("buildManifest", () => {
  it("writes the expected bytes", () => {
    const manifest = buildManifest({
      config,
      layers: [layer],
      annotations: { "org.opencontainers.image.created": "1970-01-01T00:00:00Z" },
    });
    expect(Buffer.from(manifest.bytes).toString("utf8")).toBe(
      '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",' +
        `"config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"${config.digest}","size":100},` +
        `"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"${layer.digest}","size":2000}],` +
        '"annotations":{"org.opencontainers.image.created":"1970-01-01T00:00:00Z"}}',
    );
    expect(manifest.descriptor.digest).toBe(
      `sha256:${createHash("sha256").update(manifest.bytes).digest("hex")}`,
    );
    expect(manifest.descriptor.mediaType).toBe("application/vnd.oci.image.manifest.v1+json");
    expect(manifest.descriptor.size).toBe(manifest.bytes.length);
  });

  it("leaves out empty annotations", () => {
    const manifest = buildManifest({ config, layers: [layer], annotations: {} });
    expect(Buffer.from(manifest.bytes).toString("utf8")).not.toContain("annotations");
  });

  it("rejects an invalid digest", () => {
    expect(() =>
      buildManifest({ config: { ...config, digest: "sha256:ABC" }, layers: [layer] }),
    ).toThrow(/invalid digest/);
  });
});
