import { describe, expect, test } from "vitest";

import { formatConfigPath, parseConfigPath } from "./config-path.js";

describe("config paths", () => {
  const cases: [string, (string | number)[]][] = [
    ["files[2].dest", ["files", 2, "dest"]],
    ["user.uid", ["user", "uid"]],
    ['labels["org.opencontainers.image.source"]', ["labels", "org.opencontainers.image.source"]],
    ['env["A=B"]', ["env", "A=B"]],
    ["packages.packages[0]", ["packages", "packages", 0]],
    ["", []],
  ];

  test.each(cases)("format %s", (text, segments) => {
    expect(formatConfigPath(segments)).toBe(text);
  });

  test.each(cases)("parse %s", (text, segments) => {
    expect(parseConfigPath(text)).toEqual(segments);
  });

  test("parse rejects a malformed path", () => {
    expect(() => parseConfigPath("files[x]")).toThrow(/bug in imgc/);
  });
});
