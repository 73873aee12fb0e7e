import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { afterEach, beforeEach, describe, expect, it } from "vitest";

import { Codes } from "../diagnostics/codes.js";
import { DiagnosticError } from "../diagnostics/diagnostic.js";
import { sha256Digest, sha256Hex } from "../util/digest.js";
import {
  canonicalJson,
  configHash,
  inputsHash,
  lockPathFor,
  readLockfile,
  serializeLockfile,
  writeLockfile,
  type Lockfile,
} from "./lockfile.js";

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "imgc-lockfile-"));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function sampleLock(): Lockfile {
  return {
    lockfileVersion: 1,
    configHash: sha256Digest("config"),
    inputsHash: sha256Digest("inputs"),
    platforms: {
      "linux/amd64": {
        base: { reference: "oci:/images/base:1.0", manifestDigest: sha256Digest("manifest") },
        debian: {
          release: {
            mirror: "http://deb.example/debian",
            suite: "trixie",
            date: "Sat, 09 Aug 2025 09:00:00 UTC",
            sha256: sha256Hex("InRelease"),
          },
          packages: [
            {
              name: "tzdata",
              version: "2025b-4",
              architecture: "all",
              source: "tzdata",
              sourceVersion: "2025b-4",
              url: "http://deb.example/debian/pool/main/t/tzdata/tzdata_2025b-4_all.deb",
              filename: "pool/main/t/tzdata/tzdata_2025b-4_all.deb",
              size: 260000,
              sha256: sha256Hex("tzdata"),
              dependsOn: [],
            },
          ],
        },
      },
      "linux/arm64": { base: null, debian: null },
    },
  };
}

/** Writes `text` as a lock file and returns the DiagnosticError that reading it raises. */
async function readError(text: string): Promise<DiagnosticError> {
  const path = join(dir, "image.lock.json");
  await writeFile(path, text);
  try {
    await readLockfile(path);
  } catch (error) {
    if (error instanceof DiagnosticError) return error;
    throw error;
  }
  throw new Error("expected a DiagnosticError, but the lock was read");
}

describe("canonicalJson", () => {
  it("key order does not matter", () => {
    expect(canonicalJson({ b: 1, a: { d: [1, 2], c: "x" } })).toBe(
      canonicalJson({ a: { c: "x", d: [1, 2] }, b: 1 }),
    );
  });

  it("sorts keys at every level, no whitespace", () => {
    expect(canonicalJson({ z: { y: 1, x: [{ b: 2, a: 1 }] }, m: null })).toBe(
      '{"m":null,"z":{"x":[{"a":1,"b":2}],"y":1}}',
    );
  });

  it("keeps array order", () => {
    expect(canonicalJson([3, 1, 2])).toBe("[3,1,2]");
  });

  it("sorts by code unit", () => {
    expect(canonicalJson({ b: 1, B: 2, a: 3, é: 4 })).toBe('{"B":2,"a":3,"b":1,"é":4}');
  });
});

describe("configHash", () => {
  it("ignores key order", () => {
    expect(configHash({ name: "a", tags: ["1"] })).toBe(configHash({ tags: ["1"], name: "a" }));
  });

  it("changes with any value", () => {
    expect(configHash({ name: "a", env: { A: "1" } })).not.toBe(
      configHash({ name: "a", env: { A: "2" } }),
    );
  });

  it("is a sha256 digest", () => {
    expect(configHash({})).toMatch(/^sha256:[0-9a-f]{64}$/);
  });
});

describe("inputsHash", () => {
  const config = {
    name: "a",
    base: "scratch",
    packages: { suite: "trixie", packages: ["tzdata"] },
    platforms: ["linux/amd64"],
    files: [{ kind: "text", dest: "/etc/motd", content: "hi\n" }],
  };

  it("ignores fields that pin nothing", () => {
    const changed = { ...config, name: "b", files: [], entrypoint: ["/bin/sh"] };
    expect(inputsHash(changed)).toBe(inputsHash(config));
  });

  it("changes with packages", () => {
    const changed = { ...config, packages: { suite: "trixie", packages: ["tzdata", "curl"] } };
    expect(inputsHash(changed)).not.toBe(inputsHash(config));
  });

  it("changes with base", () => {
    expect(inputsHash({ ...config, base: "oci:./base:1" })).not.toBe(inputsHash(config));
  });

  it("changes with platforms", () => {
    const changed = { ...config, platforms: ["linux/amd64", "linux/arm64"] };
    expect(inputsHash(changed)).not.toBe(inputsHash(config));
  });

  it("ignores key order", () => {
    const reordered = { platforms: config.platforms, packages: config.packages, base: config.base };
    expect(inputsHash(reordered)).toBe(inputsHash(config));
  });

  it("differs from configHash", () => {
    expect(inputsHash(config)).not.toBe(configHash(config));
  });
});

describe("lockPathFor", () => {
  it("beside the config", () => {
    expect(lockPathFor("/project/images/image.config.ts")).toBe("/project/images/image.lock.json");
  });
});

describe("readLockfile", () => {
  it("missing file gives undefined", async () => {
    expect(await readLockfile(join(dir, "image.lock.json"))).toBeUndefined();
  });

  it("malformed JSON", async () => {
    const error = await readError('{"lockfileVersion": 1,');
    expect(error.diagnostics[0]?.code).toBe(Codes.invalidLock);
    expect(error.message).toContain(join(dir, "image.lock.json"));
    expect(error.message).toContain("not valid JSON");
  });

  it("JSON null", async () => {
    const error = await readError("null\n");
    expect(error.diagnostics[0]?.code).toBe(Codes.invalidLock);
    expect(error.message).toContain(join(dir, "image.lock.json"));
  });

  it("JSON array", async () => {
    const error = await readError("[]\n");
    expect(error.diagnostics[0]?.code).toBe(Codes.invalidLock);
  });

  it("wrong version", async () => {
    const error = await readError(JSON.stringify({ ...sampleLock(), lockfileVersion: 2 }));
    expect(error.diagnostics[0]?.code).toBe(Codes.invalidLock);
    expect(error.message).toContain(join(dir, "image.lock.json"));
    expect(error.message).toContain("lockfileVersion 2");
  });

  it("missing hashes", async () => {
    const { configHash: _dropped, ...rest } = sampleLock();
    const error = await readError(JSON.stringify(rest));
    expect(error.diagnostics[0]?.code).toBe(Codes.invalidLock);
    expect(error.message).toContain("configHash");
  });

  it("null platforms", async () => {
    const error = await readError(JSON.stringify({ ...sampleLock(), platforms: null }));
    expect(error.diagnostics[0]?.code).toBe(Codes.invalidLock);
    expect(error.message).toContain("platforms");
  });

  it("bad sha256", async () => {
    const lock = sampleLock();
    const pkg = lock.platforms["linux/amd64"]?.debian?.packages[0];
    if (pkg) pkg.sha256 = "ABC";
    const error = await readError(JSON.stringify(lock));
    expect(error.diagnostics[0]?.code).toBe(Codes.invalidLock);
    expect(error.message).toContain(join(dir, "image.lock.json"));
    expect(error.message).toContain('"tzdata"');
    expect(error.message).toContain("linux/amd64");
  });

  it("package without url", async () => {
    const lock = sampleLock();
    const pkg = lock.platforms["linux/amd64"]?.debian?.packages[0];
    if (pkg) pkg.url = "";
    const error = await readError(JSON.stringify(lock));
    expect(error.diagnostics[0]?.code).toBe(Codes.invalidLock);
  });

  const badPackages: [string, Record<string, unknown>, string][] = [
    ["a name with a slash", { name: "../../etc/x" }, "invalid name"],
    ["an invalid version", { version: "1.0-1 (>= 2)" }, "invalid version"],
    [
      "a url off the mirror",
      { url: "http://elsewhere.invalid/pool/t/tzdata.deb" },
      "not the release's mirror",
    ],
    ["a negative size", { size: -1 }, "invalid size"],
    ["no dependsOn list", { dependsOn: "libc6" }, "dependsOn"],
  ];
  for (const [name, change, message] of badPackages) {
    it(`package with ${name}`, async () => {
      const lock = sampleLock();
      const pkg = lock.platforms["linux/amd64"]?.debian?.packages[0];
      if (pkg) Object.assign(pkg, change);
      const error = await readError(JSON.stringify(lock));
      expect(error.diagnostics[0]?.code).toBe(Codes.invalidLock);
      expect(error.message).toContain(message);
    });
  }

  it("packages that are not a list", async () => {
    const lock = sampleLock() as unknown as {
      platforms: Record<string, { debian: { packages: unknown } }>;
    };
    const debian = lock.platforms["linux/amd64"]?.debian;
    if (debian) debian.packages = { tzdata: "2025b-4" };
    const error = await readError(JSON.stringify(lock));
    expect(error.diagnostics[0]?.code).toBe(Codes.invalidLock);
  });

  it("fix says how to recover", async () => {
    const error = await readError("{");
    expect(error.diagnostics[0]?.fix).toContain("imgc lock");
  });
});

describe("serializeLockfile", () => {
  it("two-space JSON with a final newline", () => {
    const text = serializeLockfile(sampleLock());
    expect(text.endsWith("}\n")).toBe(true);
    expect(text.split("\n")[1]).toBe('  "lockfileVersion": 1,');
  });

  it("write then read round trip", async () => {
    const path = join(dir, "sub", "image.lock.json");
    await writeLockfile(path, sampleLock());
    expect(await readLockfile(path)).toEqual(sampleLock());
    expect(await readFile(path, "utf8")).toBe(serializeLockfile(sampleLock()));
  });

  it("write replaces an existing lock", async () => {
    const path = join(dir, "image.lock.json");
    await writeFile(path, "old");
    await writeLockfile(path, sampleLock());
    expect(await readLockfile(path)).toEqual(sampleLock());
  });
});
