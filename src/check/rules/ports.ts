// Rules for `ports`: the ports the image exposes, as `ExposedPorts` of the image config.

import { Codes } from "../../diagnostics/codes.js";
import type { ConfigPath } from "../config-path.js";
import { reportError, type RuleContext } from "./context.js";
import { readArray, reportWrongType, subject } from "./values.js";

const portForm = /^(\d+)\/(tcp|udp)$/;

interface Port {
  number: number;
  protocol: "tcp" | "udp";
}

/** Reads the ports as "8080/tcp" strings, without duplicates, sorted by number and protocol. */
export function readPorts(
  context: RuleContext,
  value: unknown,
  configPath: ConfigPath,
): string[] | undefined {
  const readItem = (item: unknown, itemPath: ConfigPath) => readPort(context, item, itemPath);
  const ports = readArray(
    context,
    value,
    configPath,
    readItem,
    'an array of ports such as 8080 or "53/udp"',
  );
  if (ports === undefined) {
    return undefined;
  }
  // Sorted so that the image config does not depend on the order the config lists them in.
  const sorted = [...ports].sort(
    (a, b) => a.number - b.number || a.protocol.localeCompare(b.protocol),
  );
  return [...new Set(sorted.map((port) => `${port.number}/${port.protocol}`))];
}

function readPort(context: RuleContext, value: unknown, configPath: ConfigPath): Port | undefined {
  if (typeof value === "number") {
    return checkPortNumber(context, value, configPath)
      ? { number: value, protocol: "tcp" }
      : undefined;
  }
  if (typeof value !== "string") {
    reportWrongType(context, value, configPath, 'a port such as 8080 or "53/udp"');
    return undefined;
  }
  const match = portForm.exec(value.toLowerCase());
  if (match?.[1] === undefined || (match[2] !== "tcp" && match[2] !== "udp")) {
    const fix = /^\d+$/.test(value)
      ? `Write the number without quotes, ${value}, or add the protocol: "${value}/tcp".`
      : 'Write a port number such as 8080, or a number and protocol such as "8080/tcp" or "53/udp".';
    reportError(
      context,
      Codes.invalidValue,
      configPath,
      `${subject(configPath)} ${JSON.stringify(value)} is not a port`,
      fix,
    );
    return undefined;
  }
  const number = Number(match[1]);
  return checkPortNumber(context, number, configPath) ? { number, protocol: match[2] } : undefined;
}

function checkPortNumber(context: RuleContext, port: number, configPath: ConfigPath): boolean {
  if (Number.isInteger(port) && port >= 1 && port <= 65535) {
    return true;
  }
  reportError(
    context,
    Codes.invalidValue,
    configPath,
    `${subject(configPath)} ${port} is not a port number`,
    "Use a port from 1 to 65535.",
  );
  return false;
}
