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

function errorWithStack(frame: string): Error {
  const error = new Error("boom");
  error.stack = `Error: boom\n    at ${frame}\n    at ModuleJob.run (node:internal/modules/esm/module_job:1:1)`;
  return error;
}

describe("locateThrow", () => {
  test("maps a file URL frame", () => {
    const error = errorWithStack("file:///project/.imgc-tmp-1-abc.mjs:2:1");
    expect(locateThrow(error, bundle, sourceMap)).toEqual({
      file: "/project/settings.ts",
      line: 2,
      column: 1,
    });
  });

  test("maps a plain path frame", () => {
    const error = errorWithStack("requireEnv (/project/.imgc-tmp-1-abc.mjs:1:1)");
    expect(locateThrow(error, bundle, sourceMap)).toEqual({
      file: "/project/settings.ts",
      line: 1,
      column: 1,
    });
  });

  test("ignores frames outside the bundle", () => {
    const error = errorWithStack("file:///project/other.mjs:2:1");
    expect(locateThrow(error, bundle, sourceMap)).toBeUndefined();
  });

  test("ignores thrown values without a stack", () => {
    expect(locateThrow("boom", bundle, sourceMap)).toBeUndefined();
  });
});
