import envPaths from "env-paths";

/**
 * Returns imgc's cache folder: `IMGC_CACHE_DIR` when set, else the user's cache directory
 * (`$XDG_CACHE_HOME/imgc` or `~/.cache/imgc` on Linux, `~/Library/Caches/imgc` on macOS).
 */
export function defaultCacheDir(): string {
  const fromEnv = process.env.IMGC_CACHE_DIR;
  if (fromEnv) return fromEnv;
  return envPaths("imgc", { suffix: "" }).cache;
}
