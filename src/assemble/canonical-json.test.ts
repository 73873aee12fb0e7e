import { describe, expect, it } from "vitest";
import { canonicalJson, jsonBlob, jsonMap } from "./canonical-json.js";
import { createHash } from "node:crypto";

describe("canonicalJson", () => {
  it("writes no insignificant whitespace", () => {
    expect(canonicalJson({ a: [1, 2, { b: "c d" }], e: true, f: null })).toBe(
      '{"a":[1,2,{"b":"c d"}],"e":true,"f":null}',
    );
  });

  it("keeps the field order of plain objects", () => {
    expect(canonicalJson({ schemaVersion: 2, mediaType: "m", config: {} })).toBe(
      '{"schemaVersion":2,"mediaType":"m","config":{}}',
    );
  });

  it("sorts map keys by UTF-8 bytes", () => {
    const map = jsonMap({
      b: "1",
      a: "2",
      "10": "3",
      "9": "4",
      "\u{1F600}": "5",
      "\uFF01": "6",
      B: "7",
    });
    expect(canonicalJson(map)).toBe(
      '{"10":"3","9":"4","B":"7","a":"2","b":"1","\uFF01":"6","\u{1F600}":"5"}',
    );
  });

  it("leaves out undefined fields", () => {
    expect(canonicalJson({ a: undefined, b: 1, c: jsonMap({ d: undefined }) })).toBe(
      '{"b":1,"c":{}}',
    );
  });

  it("escapes strings as JSON.stringify does", () => {
    expect(canonicalJson('tab\t quote" slash\\ nul\0 lone\uD800')).toBe(
      '"tab\\t quote\\" slash\\\\ nul\\u0000 lone\\ud800"',
    );
  });

  it("rejects an integer-like field in a plain object", () => {
    expect(() => canonicalJson({ b: 1, "2": 2 })).toThrow(/would reorder; use jsonMap/);
  });

  it("rejects numbers that are not safe integers", () => {
    expect(() => canonicalJson(1.5)).toThrow(/not a safe integer/);
    expect(() => canonicalJson(2 ** 53)).toThrow(/not a safe integer/);
  });
});

describe("jsonBlob", () => {
  it("describes exactly the serialised bytes", () => {
    const blob = jsonBlob({ a: "é" }, "application/json", null);
    expect(Buffer.from(blob.bytes).toString("utf8")).toBe('{"a":"é"}');
    expect(blob.descriptor.size).toBe(10);
    expect(blob.descriptor.digest).toBe(
      `sha256:${createHash("sha256").update(blob.bytes).digest("hex")}`,
    );
    expect(blob.descriptor.mediaType).toBe("application/json");
  });
});
