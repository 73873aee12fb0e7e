// Rules for `packages: debian({...})`.

import path from "node:path";

import type { DebianPackages } from "../../config/types.js";
import { Codes } from "../../diagnostics/codes.js";
import type { DebianSpec } from "../spec.js";
import type { ConfigPath } from "../config-path.js";
import { reportError, type RuleContext } from "./context.js";
import {
  isPlainObject,
  readNonEmptyString,
  readObject,
  readOptional,
  readRequired,
  readStringArray,
  reportWrongType,
  subject,
  type KeyShape,
} from "./values.js";

const debianShape: KeyShape<DebianPackages> = {
  kind: "required",
  suite: "required",
  packages: "required",
  mirror: "optional",
  components: "optional",
  keyring: "optional",
};

export const defaultKeyring = "/usr/share/keyrings/debian-archive-keyring.gpg";

/** A package name as Debian Policy 5.6.1 defines it: at least two characters. */
const packageName = /^[a-z0-9][a-z0-9+.-]+$/;

/** A suite or codename (`trixie`, `bookworm-backports`) or a component (`main`, `non-free`). */
const archiveName = /^[a-z0-9][a-z0-9._+-]*$/;

export function readDebian(
  context: RuleContext,
  value: unknown,
  configPath: ConfigPath,
): DebianSpec | undefined {
  if (!isPlainObject(value) || value["kind"] !== "debian") {
    reportWrongType(context, value, configPath, "debian({ suite, packages })");
    return undefined;
  }
  const debian = readObject(context, value, configPath, debianShape);
  if (debian === undefined) {
    return undefined;
  }

  const suite = readRequired(debian, "suite", (value) =>
    readArchiveName(context, value, [...configPath, "suite"]),
  );
  const packages = readRequired(debian, "packages", (value) =>
    readPackageNames(context, value, [...configPath, "packages"]),
  );
  // null: no mirror in the config, so resolve takes the host's; undefined: an invalid mirror.
  const mirror = readOptional<string | null>(debian, "mirror", null, (value) =>
    readMirror(context, value, [...configPath, "mirror"]),
  );
  const components = readOptional(debian, "components", ["main"], (value) =>
    readComponents(context, value, [...configPath, "components"]),
  );
  const keyring = readOptional(debian, "keyring", defaultKeyring, (value) =>
    readNonEmptyString(context, value, [...configPath, "keyring"]),
  );

  if (suite === undefined || packages === undefined || mirror === undefined) {
    return undefined;
  }
  if (components === undefined || keyring === undefined) {
    return undefined;
  }
  return {
    suite,
    packages,
    mirror: mirror ?? undefined,
    components,
    keyring: path.resolve(context.configDir, keyring),
  };
}

function readArchiveName(context: RuleContext, value: unknown, configPath: ConfigPath) {
  const name = readNonEmptyString(context, value, configPath);
  if (name === undefined || archiveName.test(name)) {
    return name;
  }
  reportError(
    context,
    Codes.invalidValue,
    configPath,
    `${subject(configPath)} ${JSON.stringify(name)} is not a valid Debian suite name`,
    'Use a suite codename such as "trixie" or "bookworm".',
  );
  return undefined;
}

function readComponents(context: RuleContext, value: unknown, configPath: ConfigPath) {
  const components = readStringArray(context, value, configPath);
  if (components === undefined) {
    return undefined;
  }
  if (components.length === 0) {
    const fix = 'List at least one component, or remove components to use "main".';
    reportError(context, Codes.invalidValue, configPath, `${subject(configPath)} is empty`, fix);
    return undefined;
  }
  const invalid = components.findIndex((component) => !archiveName.test(component));
  if (invalid !== -1) {
    const itemPath = [...configPath, invalid];
    reportError(
      context,
      Codes.invalidValue,
      itemPath,
      `${subject(itemPath)} ${JSON.stringify(components[invalid])} is not a valid archive component`,
      'Use a component of the archive, such as "main", "contrib" or "non-free".',
    );
    return undefined;
  }
  return [...new Set(components)];
}

/** Reads the package names, without duplicates, in the config's order. */
function readPackageNames(context: RuleContext, value: unknown, configPath: ConfigPath) {
  const names = readStringArray(context, value, configPath);
  if (names === undefined) {
    return undefined;
  }
  let valid = true;
  names.forEach((name, index) => {
    if (!packageName.test(name)) {
      reportInvalidPackage(context, name, [...configPath, index]);
      valid = false;
    }
  });
  return valid ? [...new Set(names)] : undefined;
}

function reportInvalidPackage(context: RuleContext, name: string, configPath: ConfigPath): void {
  const bare = name.split(/[=:]/)[0]?.trim().toLowerCase() ?? "";
  let fix =
    "Use the package's name: lowercase letters, digits, '+', '-' and '.', starting with a letter or digit.";
  if (name.includes("=") && packageName.test(bare)) {
    fix = `Write ${JSON.stringify(bare)} without a version; image.lock.json pins the version.`;
  } else if (name.includes(":") && packageName.test(bare)) {
    fix = `Write ${JSON.stringify(bare)} without an architecture; platforms choose it.`;
  } else if (packageName.test(bare)) {
    fix = `Write it as ${JSON.stringify(bare)}.`;
  }
  const message = `${subject(configPath)} ${JSON.stringify(name)} is not a valid Debian package name`;
  reportError(context, Codes.invalidValue, configPath, message, fix);
}

/** Reads an http(s) archive URL and returns it without a trailing "/". */
function readMirror(context: RuleContext, value: unknown, configPath: ConfigPath) {
  const text = readNonEmptyString(context, value, configPath);
  if (text === undefined) {
    return undefined;
  }
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== "http:" && url.protocol !== "https:")) {
    reportError(
      context,
      Codes.invalidValue,
      configPath,
      `${subject(configPath)} ${JSON.stringify(text)} is not an http or https URL`,
      'Write the archive URL, such as "http://mirror.example/debian".',
    );
    return undefined;
  }
  return text.replace(/\/+$/, "");
}
