// The config API: what `import … from "imgc"` gives an image.config.ts. The type-checker maps
// "imgc" to this module so that checking a config does not load the whole compiler.

export { copy, debian, defineImage, dir, ociLayout, symlink, text } from "./define.js";
export type * from "./types.js";
