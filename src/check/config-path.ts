// Config paths name a value inside a config the way a user would write it in JavaScript:
// `files[2].dest`, `user.uid`, `labels["org.opencontainers.image.source"]`.

import { assert } from "../util/errors.js";

/** One step of a config path: a property name or an array index. */
export type ConfigPathSegment = string | number;

/** A config path as a list of steps from the config's root object. */
export type ConfigPath = readonly ConfigPathSegment[];

const identifier = /^[A-Za-z_$][\w$]*$/;

/** Formats segments as `files[2].dest`; keys that are not identifiers are quoted in brackets. */
export function formatConfigPath(path: ConfigPath): string {
  let text = "";
  for (const segment of path) {
    if (typeof segment === "number") {
      text += `[${segment}]`;
    } else if (identifier.test(segment)) {
      text += text === "" ? segment : `.${segment}`;
    } else {
      text += `[${JSON.stringify(segment)}]`;
    }
  }
  return text;
}

/** Parses a path written by `formatConfigPath` back into its segments. */
export function parseConfigPath(text: string): ConfigPathSegment[] {
  const segments: ConfigPathSegment[] = [];
  const step = /\.?([A-Za-z_$][\w$]*)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]/y;
  while (step.lastIndex < text.length) {
    const match = step.exec(text);
    assert(match !== null, `invalid config path ${text}`);
    if (match[1] !== undefined) {
      segments.push(match[1]);
    } else if (match[2] !== undefined) {
      segments.push(Number(match[2]));
    } else if (match[3] !== undefined) {
      segments.push(JSON.parse(match[3]) as string);
    }
  }
  return segments;
}
