import { describe, expect, test } from "vitest";

import { locateThrow } from "./locate-throw.js";

const bundle = "/project/.imgc-tmp-1-abc.mjs";
// Maps generated line n, column 0 to line n, column 0 of settings.ts, for lines 1 and 2.
const sourceMap = JSON.stringify({
  version: 3,
  sources: ["settings.ts"],
  sourcesContent: [null],
  names: [],
  mappings: "AAAA;AACA",
});

function stackWith(frame: string): string {
  return `Error: boom\n    at ${frame}\n    at ModuleJob.run (node:internal/modules/esm/module_job:1:1)`;
}

describe("locateThrow", () => {
  test("maps a file URL frame", () => {
    const stack = stackWith("file:///project/.imgc-tmp-1-abc.mjs:2:1");
    expect(locateThrow(stack, bundle, sourceMap)).toEqual({
      file: "/project/settings.ts",
      line: 2,
      column: 1,
    });
  });

  test("maps a plain path frame", () => {
    const stack = stackWith("requireEnv (/project/.imgc-tmp-1-abc.mjs:1:1)");
    expect(locateThrow(stack, bundle, sourceMap)).toEqual({
      file: "/project/settings.ts",
      line: 1,
      column: 1,
    });
  });

  test("ignores frames outside the bundle", () => {
    const stack = stackWith("file:///project/other.mjs:2:1");
    expect(locateThrow(stack, bundle, sourceMap)).toBeUndefined();
  });

  test("ignores a missing stack", () => {
    expect(locateThrow(undefined, bundle, sourceMap)).toBeUndefined();
  });

  test("maps an uncaught error's report", () => {
    const stderr = [
      "file:///project/.imgc-tmp-1-abc.mjs:2",
      '    throw new Error("boom");',
      "    ^",
      "",
      "Error: boom",
      "    at Timeout._onTimeout (file:///project/.imgc-tmp-1-abc.mjs:2:1)",
    ].join("\n");
    expect(locateThrow(stderr, bundle, sourceMap)).toEqual({
      file: "/project/settings.ts",
      line: 2,
      column: 1,
    });
  });
});
