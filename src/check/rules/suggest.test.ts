import { describe, expect, test } from "vitest";

import { validateConfig } from "../validate.js";
import { suggest } from "./suggest.js";

describe("suggest", () => {
  test.each([
    ["nmae", "name"],
    ["entryPoint", "entrypoint"],
    ["workDir", "workdir"],
    ["port", "ports"],
    ["stopsignal", "stopSignal"],
    ["platform", "platforms"],
  ])("suggests for %s", (input, expected) => {
    const keys = ["name", "entrypoint", "workdir", "ports", "stopSignal", "platforms", "env"];
    expect(suggest(input, keys)).toBe(expected);
  });

  test("suggests nothing for a distant word", () => {
    expect(suggest("environment", ["name", "env", "ports"])).toBeUndefined();
  });

  test("suggests nothing without candidates", () => {
    expect(suggest("name", [])).toBeUndefined();
  });
});

describe("unknown keys", () => {
  const configFile = "/project/image.config.ts";

  test("name the key and suggest the closest", () => {
    const { spec, diagnostics } = validateConfig({ name: "a", entryPoint: ["x"] }, { configFile });
    expect(spec).toBeUndefined();
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]?.code).toBe("IMGC2002");
    expect(diagnostics[0]?.path).toBe("entryPoint");
    expect(diagnostics[0]?.message).toContain('"entryPoint"');
    expect(diagnostics[0]?.fix).toContain('Did you mean "entrypoint"?');
  });

  test("list the known keys without a suggestion", () => {
    const { diagnostics } = validateConfig({ name: "a", replicas: 3 }, { configFile });
    expect(diagnostics[0]?.fix).toContain("name, tags, base");
  });
});
