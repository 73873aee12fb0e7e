import { describe, expect, it } from "vitest";
import { ociPlatform } from "./descriptor.js";

describe("ociPlatform", () => {
  it("adds arm64's v8 variant and none for amd64", () => {
    expect(ociPlatform("linux/arm64")).toEqual({
      architecture: "arm64",
      os: "linux",
      variant: "v8",
    });
    expect(ociPlatform("linux/amd64")).toEqual({ architecture: "amd64", os: "linux" });
    expect(ociPlatform("linux/arm/v7")).toEqual({
      architecture: "arm",
      os: "linux",
      variant: "v7",
    });
  });

  it("rejects a malformed platform", () => {
    expect(() => ociPlatform("linux")).toThrow(/platform "linux"/);
  });
});
