import { describe, expect, it } from "vitest";
import { ImgcError } from "../util/errors.js";
import { checkOutDir, outputError } from "./output-error.js";

/** Creates a Node file system error with `code`, as fs/promises throws it. */
function systemError(code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: failed, mkdir '/srv/out'`), { code });
}

describe("outputError", () => {
  it.each([
    ["EACCES", /make \/srv\/out writable for this user/],
    ["EPERM", /make \/srv\/out writable for this user/],
    ["EROFS", /\/srv\/out is on a read-only file system/],
    ["ENOSPC", /file system of \/srv\/out is full/],
    ["EDQUOT", /file system of \/srv\/out is full or over quota/],
    ["ENOTDIR", /a path in \/srv\/out is a file/],
  ])("wraps %s with a hint", (code, hint) => {
    const cause = systemError(code);
    const error = outputError(cause, "the image layout /srv/out/hello", "/srv/out");
    expect(error).toBeInstanceOf(ImgcError);
    expect((error as ImgcError).message).toBe("failed to write the image layout /srv/out/hello");
    expect((error as ImgcError).hint).toMatch(hint);
    expect((error as ImgcError).cause).toBe(cause);
  });

  it("wraps an unknown code without a hint", () => {
    const error = outputError(systemError("EIO"), "the image archive out/x.tar", "out");
    expect(error).toBeInstanceOf(ImgcError);
    expect((error as ImgcError).hint).toBeUndefined();
  });

  it("passes an ImgcError through", () => {
    const original = new ImgcError("a source changed");
    expect(outputError(original, "the image layout out/x", "out")).toBe(original);
  });

  it("passes an internal error through", () => {
    const bug = new Error("internal error (this is a bug in imgc): x");
    expect(outputError(bug, "the image layout out/x", "out")).toBe(bug);
  });
});

describe("checkOutDir", () => {
  it("rejects an empty string", () => {
    expect(() => checkOutDir("")).toThrow(ImgcError);
  });

  it("accepts a relative folder", () => {
    expect(() => checkOutDir("out")).not.toThrow();
  });
});
