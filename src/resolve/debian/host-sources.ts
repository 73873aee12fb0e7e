// The default Debian mirror: the first one in the build host's apt sources.

import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";

import { ImgcError } from "../../util/errors.js";
import { getField, parseControl } from "./control.js";

/** A `deb` source from the host's apt configuration. */
interface AptSource {
  uri: string;
  suites: string[];
}

async function readOptional(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return undefined;
    throw new ImgcError(`reading the apt sources file ${path} failed`, { cause: error });
  }
}

async function listOptional(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return [];
    throw new ImgcError(`listing the apt sources folder ${dir} failed`, { cause: error });
  }
}

/** Reads the `deb` entries of a deb822 `.sources` file (see sources.list(5)). */
function parseDeb822Sources(text: string, path: string): AptSource[] {
  const sources: AptSource[] = [];
  for (const paragraph of parseControl(text, path)) {
    const types = (getField(paragraph, "Types") ?? "").split(/\s+/);
    const enabled = (getField(paragraph, "Enabled") ?? "yes").trim().toLowerCase();
    const uri = (getField(paragraph, "URIs") ?? "").trim().split(/\s+/)[0];
    if (!types.includes("deb") || enabled === "no" || !uri) continue;
    sources.push({ uri, suites: (getField(paragraph, "Suites") ?? "").trim().split(/\s+/) });
  }
  return sources;
}

/** Reads the `deb` lines of a one-line-style `sources.list` file. */
function parseOneLineSources(text: string): AptSource[] {
  const sources: AptSource[] = [];
  for (const rawLine of text.split("\n")) {
    const line = rawLine.replace(/#.*/, "").trim();
    // Options in brackets, such as [signed-by=/usr/share/keyrings/x.gpg], come before the URI.
    const match = /^deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+(\S+)/.exec(line);
    if (match?.[1] && match[2]) sources.push({ uri: match[1], suites: [match[2]] });
  }
  return sources;
}

/** Returns the host's `deb` sources in the order apt reads them. */
async function readAptSources(root: string): Promise<AptSource[]> {
  const sources: AptSource[] = [];
  const mainList = await readOptional(join(root, "etc/apt/sources.list"));
  if (mainList !== undefined) sources.push(...parseOneLineSources(mainList));

  const dir = join(root, "etc/apt/sources.list.d");
  // apt reads the folder's files in name order.
  const names = (await listOptional(dir)).sort();
  for (const name of names) {
    const path = join(dir, name);
    if (name.endsWith(".sources")) {
      const text = await readOptional(path);
      if (text !== undefined) sources.push(...parseDeb822Sources(text, path));
    } else if (name.endsWith(".list")) {
      const text = await readOptional(path);
      if (text !== undefined) sources.push(...parseOneLineSources(text));
    }
  }
  return sources.filter((source) => /^https?:\/\//.test(source.uri));
}

function isSecurityOnly(source: AptSource): boolean {
  return source.suites.length > 0 && source.suites.every((suite) => suite.endsWith("-security"));
}

/**
 * Returns the first Debian mirror in the host's apt sources under `root`, without a trailing
 * "/". A source for suites other than `*-security` is preferred, because the security archive
 * holds only updates and not the whole suite.
 */
export async function debianMirrorFromHost(root = "/"): Promise<string> {
  const sources = await readAptSources(root);
  const chosen = sources.find((source) => !isSecurityOnly(source)) ?? sources[0];
  if (!chosen) {
    throw new ImgcError(
      `no Debian mirror found: ${join(root, "etc/apt/sources.list")} and ` +
        `${join(root, "etc/apt/sources.list.d")} name no http(s) "deb" source`,
      { hint: 'set `mirror` in debian({...}), such as mirror: "http://mirror.example/debian"' },
    );
  }
  return chosen.uri.replace(/\/+$/, "");
}
