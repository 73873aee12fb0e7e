import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { ociPlatform } from "./descriptor.js";
import { buildImageIndex } from "./image-index.js";
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

describe("buildImageIndex", () => {
  const amd64 = buildManifest({ config, layers: [layer] });
  const arm64 = buildManifest({
    config: { ...config, digest: `sha256:${"d".repeat(64)}` },
    layers: [layer],
  });

  it("writes one manifest per platform with its platform", () => {
    const index = buildImageIndex({
      manifests: [
        { descriptor: amd64.descriptor, platform: ociPlatform("linux/amd64") },
        { descriptor: arm64.descriptor, platform: ociPlatform("linux/arm64") },
      ],
      annotations: { "org.opencontainers.image.ref.name": "1.0.0" },
    });
    expect(Buffer.from(index.bytes).toString("utf8")).toBe(
      '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[' +
        `{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"${amd64.descriptor.digest}","size":${amd64.descriptor.size},` +
        '"platform":{"architecture":"amd64","os":"linux"}},' +
        `{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"${arm64.descriptor.digest}","size":${arm64.descriptor.size},` +
        '"platform":{"architecture":"arm64","os":"linux","variant":"v8"}}],' +
        '"annotations":{"org.opencontainers.image.ref.name":"1.0.0"}}',
    );
    expect(index.descriptor.digest).toBe(
      `sha256:${createHash("sha256").update(index.bytes).digest("hex")}`,
    );
    expect(index.descriptor.mediaType).toBe("application/vnd.oci.image.index.v1+json");
  });

  it("rejects a platform listed twice", () => {
    const platform = ociPlatform("linux/amd64");
    expect(() =>
      buildImageIndex({
        manifests: [
          { descriptor: amd64.descriptor, platform },
          { descriptor: arm64.descriptor, platform },
        ],
      }),
    ).toThrow(/linux\/amd64\/ appears twice/);
  });
});
