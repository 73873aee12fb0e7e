import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { removeStaleTemporaries, temporarySibling } from "./fs.js";

const work = mkdtempSync(join(tmpdir(), "imgc-fs-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The pid of a process that has already exited. */
const endedPid = spawnSync(process.execPath, ["-e", ""]).pid;

/** Returns the name temporarySibling gives a temporary of `name`, with `pid` as its pid. */
function temporaryName(name: string, pid: number, purpose = "tmp"): string {
  const own = basename(temporarySibling(join(work, name), purpose));
  return own.replace(`-${process.pid}-`, `-${pid}-`);
}

describe("temporarySibling", () => {
  it("names the pid beside the target", () => {
    const path = temporarySibling(join(work, "hello.tar"));
    expect(basename(path)).toMatch(
      new RegExp(`^\\.hello\\.tar\\.tmp-${process.pid}-[0-9a-f]{8}-[0-9a-f]{8}$`),
    );
    expect(join(path, "..")).toBe(work);
  });

  it("gives a new name each call", () => {
    expect(temporarySibling(join(work, "a"))).not.toBe(temporarySibling(join(work, "a")));
  });
});

describe("removeStaleTemporaries", () => {
  it("removes files and folders of ended processes", async () => {
    const dir = join(work, "ended");
    mkdirSync(dir);
    const file = temporaryName("hello.tar", endedPid);
    const folder = temporaryName("hello", endedPid, "staging");
    writeFileSync(join(dir, file), "partial");
    mkdirSync(join(dir, folder, "blobs"), { recursive: true });

    const result = await removeStaleTemporaries(dir);
    expect(result.removed.sort()).toEqual([join(dir, file), join(dir, folder)].sort());
    expect(result.failed).toEqual([]);
    expect(readdirSync(dir)).toEqual([]);
  });

  it("keeps temporaries of running processes", async () => {
    const dir = join(work, "running");
    mkdirSync(dir);
    const names = [temporaryName("a", process.pid), temporaryName("b", process.ppid)];
    for (const name of names) writeFileSync(join(dir, name), "partial");

    expect((await removeStaleTemporaries(dir)).removed).toEqual([]);
    expect(readdirSync(dir).sort()).toEqual([...names].sort());
  });

  it("keeps other names and other hosts' temporaries", async () => {
    const dir = join(work, "others");
    mkdirSync(dir);
    const ours = temporaryName("a", endedPid);
    const hostTag = ours.split("-").at(-2) ?? "";
    const names = [
      "hello.tar",
      ".hello.old",
      `.a.tmp-${endedPid}-abc`,
      ours.replace(`-${hostTag}-`, hostTag === "00000000" ? "-11111111-" : "-00000000-"),
      ours.replace(`-${endedPid}-`, "-0-"),
    ];
    for (const name of names) writeFileSync(join(dir, name), "x");

    expect((await removeStaleTemporaries(dir)).removed).toEqual([]);
    expect(readdirSync(dir).sort()).toEqual([...names].sort());
  });

  it("finds nothing in a missing folder", async () => {
    const missing = join(work, "missing");
    expect(await removeStaleTemporaries(missing)).toEqual({ removed: [], failed: [] });
    expect(existsSync(missing)).toBe(false);
  });
});
