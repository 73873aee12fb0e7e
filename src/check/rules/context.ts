// The context every validation rule receives: the config's location, and a list to push
// problems into so that one run reports all of them.

import type { Diagnostic } from "../../diagnostics/diagnostic.js";
import type { ConfigPath } from "../config-path.js";

/** A problem found by a rule, before `validateConfig` adds its source location. */
export interface Issue {
  code: string;
  severity: Diagnostic["severity"];
  path: ConfigPath;
  message: string;
  fix: string;
  /** Point at the property's name instead of its value (for unknown keys). */
  target?: "key" | "value";
}

/** State shared by the rules of one `validateConfig` run. */
export interface RuleContext {
  /** Absolute path of the config file. */
  configFile: string;
  /** Absolute path of the folder that relative host paths in the config start from. */
  configDir: string;
  issues: Issue[];
}

/** Adds an error to the context's list. */
export function reportError(
  context: RuleContext,
  code: string,
  path: ConfigPath,
  message: string,
  fix: string,
  target: Issue["target"] = "value",
): void {
  context.issues.push({ code, severity: "error", path, message, fix, target });
}

/** Adds a warning: the config is valid, but the value is probably not what the user meant. */
export function reportWarning(
  context: RuleContext,
  code: string,
  path: ConfigPath,
  message: string,
  fix: string,
): void {
  context.issues.push({ code, severity: "warning", path, message, fix, target: "value" });
}
