import { describe, expect, it } from "vitest";

import {
  ControlParser,
  fieldMap,
  getField,
  parseControl,
  serializeControl,
  valueLines,
} from "./control.js";

const packages = `Package: nodejs
Version: 20.19.2+dfsg-1
Depends: libc6 (>= 2.34),
 libnode115 (= 20.19.2+dfsg-1)
Description: evented I/O for V8 javascript - runtime executable
 Node.js is a platform built on Chrome's JavaScript runtime.
 .
 Second paragraph.

Package: libc6
Version: 2.41-12
`;

describe("parseControl", () => {
  it("keeps field order and continuation lines", () => {
    const [nodejs, libc6] = parseControl(packages, "Packages");
    expect(nodejs?.map(([name]) => name)).toEqual(["Package", "Version", "Depends", "Description"]);
    expect(getField(nodejs ?? [], "depends")).toBe(
      "libc6 (>= 2.34),\n libnode115 (= 20.19.2+dfsg-1)",
    );
    expect(getField(nodejs ?? [], "Description")).toContain("\n .\n Second paragraph.");
    expect(getField(libc6 ?? [], "Version")).toBe("2.41-12");
  });

  it("keeps an empty first line", () => {
    const [release] = parseControl("SHA256:\n abc 12 main/Packages\n def 3 x\n", "Release");
    const value = getField(release ?? [], "SHA256") ?? "";
    expect(value).toBe("\n abc 12 main/Packages\n def 3 x");
    expect(valueLines(value)).toEqual(["abc 12 main/Packages", "def 3 x"]);
  });

  it("skips comments and treats whitespace-only lines as separators", () => {
    const text = "# a comment\nTypes: deb\n \t\nTypes: deb-src\r\nURIs: http://x\r\n";
    const paragraphs = parseControl(text, "x.sources");
    expect(paragraphs).toEqual([
      [["Types", "deb"]],
      [
        ["Types", "deb-src"],
        ["URIs", "http://x"],
      ],
    ]);
  });

  it("rejects a line without a colon, naming the file and line", () => {
    expect(() => parseControl("Package: a\nbroken\n", "Packages")).toThrow(
      /invalid control data in Packages at line 2: expected "Field: value", found "broken"/,
    );
  });

  it("rejects a continuation before any field", () => {
    expect(() => parseControl(" x\n", "control")).toThrow(/continuation line comes before/);
  });
});

describe("ControlParser", () => {
  it("returns the same paragraphs for any chunking", () => {
    const whole = parseControl(packages, "Packages");
    for (const size of [1, 3, 7, 64]) {
      const parser = new ControlParser("Packages");
      const paragraphs = [];
      for (let i = 0; i < packages.length; i += size) {
        paragraphs.push(...parser.push(packages.slice(i, i + size)));
      }
      paragraphs.push(...parser.end());
      expect(paragraphs).toEqual(whole);
    }
  });

  it("closes the last paragraph without a final newline", () => {
    const parser = new ControlParser("control");
    expect(parser.push("Package: a\nVersion: 1")).toEqual([]);
    expect(parser.end()).toEqual([
      [
        ["Package", "a"],
        ["Version", "1"],
      ],
    ]);
  });
});

describe("fieldMap", () => {
  it("keys fields by lowercased name", () => {
    const map = fieldMap([["Multi-Arch", "same"]]);
    expect(map.get("multi-arch")).toBe("same");
  });
});

describe("serializeControl", () => {
  it("round-trips a paragraph", () => {
    const text = "Package: a\nDepends: b,\n c\nSHA256:\n x 1 y\nEmpty:\n";
    const [paragraph] = parseControl(text, "control");
    expect(serializeControl(paragraph ?? [])).toBe(text);
  });
});
