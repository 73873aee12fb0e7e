// Locates the config API of the imgc that is running, so that a config's `import … from "imgc"`
// means this imgc, whatever version the config's own node_modules contains (if any).

import { fileURLToPath } from "node:url";

/** Files of the config API: the helpers a config calls and the types it is checked against. */
export interface ConfigApiModules {
  /** The helpers module (`defineImage`, `copy`, …) that the loader bundles into the config. */
  runtime: string;
  /** The module the type-checker maps "imgc" to. */
  types: string;
}

/**
 * Finds the config API next to this file: `src/config/*.ts` when imgc runs from its sources
 * (tests, `vitest`), `dist/config/*.js` and `.d.ts` when it runs from its build.
 */
export function findConfigApiModules(): ConfigApiModules {
  const fromSources = import.meta.url.endsWith(".ts");
  const resolve = (relative: string): string => fileURLToPath(new URL(relative, import.meta.url));

  return fromSources
    ? { runtime: resolve("../config/define.ts"), types: resolve("../config/index.ts") }
    : { runtime: resolve("../config/define.js"), types: resolve("../config/index.d.ts") };
}
