// The command line's contract: exit codes, environment variables for flags, and JSON output on
// stdout for success and failure alike.

import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { runImgc } from "../helpers/run-imgc.js";

let dir: string;
let env: Record<string, string>;

const config = `import { defineImage, text } from "imgc";

export default defineImage({
  name: "cli",
  files: [text("/etc/motd", "hi\\n")],
  entrypoint: ["/bin/true"],
});
`;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "imgc-cli-"));
  env = { IMGC_CACHE_DIR: join(dir, "cache") };
  await writeFile(join(dir, "image.config.ts"), config);
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("imgc command line", () => {
  it("prints help with exit 0", async () => {
    const result = await runImgc(["--help"], { cwd: dir, env });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("compile");
  });

  it("exits 2 on an unknown command", async () => {
    const result = await runImgc(["compiel"], { cwd: dir, env });
    expect(result.code).toBe(2);
  });

  it("finds the config without a path", async () => {
    const result = await runImgc(["check"], { cwd: dir, env });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("image.config.ts: ok");
  });

  it("treats IMGC_FROZEN=0 as off", async () => {
    const result = await runImgc(["compile"], { cwd: dir, env: { ...env, IMGC_FROZEN: "0" } });
    expect(result.stderr).not.toContain("IMGC4001");
    expect(result.code).toBe(0);
    expect(existsSync(join(dir, "image.lock.json"))).toBe(true);
  });

  it("treats IMGC_FROZEN=1 as on", async () => {
    await writeFile(join(dir, "image.config.ts"), config.replace("hi\\n", "changed\\n"));
    try {
      const result = await runImgc(["compile"], { cwd: dir, env: { ...env, IMGC_FROZEN: "1" } });
      expect(result.code).toBe(2);
      expect(result.stderr).toContain("IMGC4001");
    } finally {
      await writeFile(join(dir, "image.config.ts"), config);
    }
  });

  it("prints the compile result as JSON", async () => {
    const result = await runImgc(["compile", "--json"], { cwd: dir, env });
    expect(result.code).toBe(0);
    const body = JSON.parse(result.stdout) as { digest: string; layout: string };
    expect(body.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(body.layout).toBe(join(dir, "out", "cli"));
  });

  it("prints diagnostics as JSON on failure", async () => {
    const bad = join(dir, "bad.config.ts");
    await writeFile(bad, config.replace("entrypoint:", "entrypont:"));
    const result = await runImgc(["check", "--json", bad], { cwd: dir, env });
    expect(result.code).toBe(2);
    const body = JSON.parse(result.stdout) as {
      ok: boolean;
      diagnostics: { code: string; path: string }[];
    };
    expect(body.ok).toBe(false);
    expect(body.diagnostics[0]?.code).toBe("IMGC2002");
    expect(body.diagnostics[0]?.path).toBe("entrypont");
  });

  it("prints build errors as JSON on failure", async () => {
    const bad = join(dir, "broken-base.config.ts");
    await mkdir(join(dir, "broken-layout"), { recursive: true });
    await writeFile(join(dir, "broken-layout", "index.json"), "{ not json");
    await writeFile(bad, config.replace("files:", 'base: "oci:./broken-layout:1",\n  files:'));
    const result = await runImgc(["compile", bad], { cwd: dir, env: { ...env, IMGC_JSON: "1" } });
    expect(result.code).toBe(1);
    const body = JSON.parse(result.stdout) as { ok: boolean; error: { message: string } };
    expect(body.ok).toBe(false);
    expect(body.error.message).toContain("index.json is not valid JSON");
  });

  it("skips the type check with IMGC_NO_TYPECHECK", async () => {
    const typeError = join(dir, "typed.config.ts");
    await writeFile(typeError, `const port: number = "x";\nvoid port;\n${config}`);
    const checked = await runImgc(["check", typeError], { cwd: dir, env });
    expect(checked.code).toBe(2);
    const skipped = await runImgc(["check", typeError], {
      cwd: dir,
      env: { ...env, IMGC_NO_TYPECHECK: "1" },
    });
    expect(skipped.code).toBe(0);
  });
});
