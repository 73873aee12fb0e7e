// Wrappers around the third-party tools the end-to-end tests check imgc's output with.

import { execFile } from "node:child_process";
import { promisify } from "node:util";

const execFileAsync = promisify(execFile);

/** Runs a program and returns its stdout; a non-zero exit throws with stderr in the message. */
export async function run(
  program: string,
  args: readonly string[],
  options: { cwd?: string } = {},
): Promise<string> {
  try {
    const { stdout } = await execFileAsync(program, [...args], {
      cwd: options.cwd,
      maxBuffer: 64 << 20,
    });
    return stdout;
  } catch (error) {
    const failure = error as { stderr?: string; message: string };
    throw new Error(`${program} ${args.join(" ")} failed: ${failure.stderr ?? failure.message}`);
  }
}

/** `skopeo inspect oci:DIR:TAG`, parsed. */
export async function skopeoInspect(layout: string, tag: string): Promise<Record<string, unknown>> {
  return JSON.parse(await run("skopeo", ["inspect", `oci:${layout}:${tag}`])) as Record<
    string,
    unknown
  >;
}

/** `umoci unpack --image DIR:TAG BUNDLE`: applies the layers into BUNDLE/rootfs. */
export async function umociUnpack(layout: string, tag: string, bundle: string): Promise<void> {
  await run("umoci", ["unpack", "--image", `${layout}:${tag}`, bundle]);
}
