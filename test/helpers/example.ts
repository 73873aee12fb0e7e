// Copies the root example into a fresh folder, so tests build it without touching the checkout.

import { cp, mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { repoRoot } from "./run-imgc.js";

/** A cache folder the end-to-end tests share, so the Debian packages download once per run. */
export const sharedCacheDir = join(tmpdir(), "imgc-test-cache");

/** Copies image.config.ts and examples/ into a new temporary folder and returns its path. */
export async function copyRootExample(prefix = "imgc-example-"): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  await cp(join(repoRoot, "image.config.ts"), join(dir, "image.config.ts"));
  await cp(join(repoRoot, "examples"), join(dir, "examples"), { recursive: true });
  return dir;
}
