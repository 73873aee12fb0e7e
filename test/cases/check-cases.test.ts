// Runs `checkConfig` over each folder here that has an expected-diagnostics.json, and compares
// what it reports with that file: code, config path, file (default image.config.ts), line and
// column exactly, and the message and fix by the text they must contain. "{caseDir}" in a text
// stands for the case's folder.

import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { describe, expect, test } from "vitest";

import { checkConfig } from "../../src/check/check-config.js";

interface ExpectedDiagnostic {
  code: string;
  path?: string;
  file?: string;
  line: number;
  column: number;
  message?: string;
  fix?: string;
}

const casesFolder = path.dirname(fileURLToPath(import.meta.url));
const cases = readdirSync(casesFolder).filter((name) =>
  existsSync(path.join(casesFolder, name, "expected-diagnostics.json")),
);

describe("check cases", () => {
  test.each(cases)("%s", async (name) => {
    const caseDir = path.join(casesFolder, name);
    const expectedText = readFileSync(path.join(caseDir, "expected-diagnostics.json"), "utf8");
    const expected = JSON.parse(
      expectedText.replaceAll("{caseDir}", caseDir),
    ) as ExpectedDiagnostic[];

    const result = await checkConfig(path.join(caseDir, "image.config.ts"), { typecheck: true });

    const actual = result.diagnostics.map((diagnostic) => ({
      code: diagnostic.code,
      path: diagnostic.path,
      file: diagnostic.location && path.relative(caseDir, diagnostic.location.file),
      line: diagnostic.location?.line,
      column: diagnostic.location?.column,
    }));
    const wanted = expected.map((diagnostic) => ({
      code: diagnostic.code,
      path: diagnostic.path,
      file: diagnostic.file ?? "image.config.ts",
      line: diagnostic.line,
      column: diagnostic.column,
    }));
    expect(actual).toEqual(wanted);

    expected.forEach((diagnostic, index) => {
      const reported = result.diagnostics[index];
      if (diagnostic.message !== undefined) {
        expect(reported?.message).toContain(diagnostic.message);
      }
      if (diagnostic.fix !== undefined) {
        expect(reported?.fix).toContain(diagnostic.fix);
      }
    });
    expect(result.spec).toBeUndefined();
  });
});
