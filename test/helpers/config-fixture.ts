// Writes throwaway config folders for tests, and removes them when the test file ends.

import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { afterAll } from "vitest";

const created: string[] = [];

afterAll(async () => {
  await Promise.all(created.map((folder) => rm(folder, { recursive: true, force: true })));
});

/**
 * Creates a temporary folder with `files` (relative path to content) and returns its path.
 * The folder is deleted after the calling test file's tests have run.
 */
export async function writeFixture(files: Record<string, string>): Promise<string> {
  const folder = await mkdtemp(path.join(tmpdir(), "imgc-test-"));
  created.push(folder);
  for (const [name, content] of Object.entries(files)) {
    const file = path.join(folder, name);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, content);
  }
  return folder;
}

/** Returns the 1-based line and column of the nth `needle` in `text`, as diagnostics give them. */
export function positionOf(
  text: string,
  needle: string,
  occurrence = 1,
): { line: number; column: number } {
  let index = -1;
  for (let found = 0; found < occurrence; found += 1) {
    index = text.indexOf(needle, index + 1);
    if (index === -1) {
      throw new Error(
        `${JSON.stringify(needle)} does not occur ${occurrence} times in the fixture`,
      );
    }
  }
  const before = text.slice(0, index).split("\n");
  return { line: before.length, column: (before[before.length - 1]?.length ?? 0) + 1 };
}
