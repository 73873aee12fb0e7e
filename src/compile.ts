// The driver: runs the pipeline stages in order. This is the only file that fixes the order:
//
//   load → check → resolve → plan → build → assemble → emit
//
// Each exported function is one command of the CLI and part of the library API.

import { join, resolve as resolvePath } from "node:path";

import { buildImageConfig } from "./assemble/image-config.js";
import { buildImageIndex } from "./assemble/image-index.js";
import { inheritProcessSettings } from "./assemble/inherit-base.js";
import { buildManifest } from "./assemble/manifest.js";
import { ociPlatform } from "./assemble/descriptor.js";
import { buildPlatform, type BuiltPlatform } from "./build/build-platform.js";
import { checkConfig } from "./check/check-config.js";
import { locateDiagnostics } from "./check/locate-diagnostics.js";
import type { ImageSpec } from "./check/spec.js";
import { Codes } from "./diagnostics/codes.js";
import { DiagnosticError, hasErrors } from "./diagnostics/diagnostic.js";
import { writeArchive } from "./emit/archive.js";
import { writeLayout, type LayoutBlob } from "./emit/layout.js";
import { Annotations } from "./oci/media-types.js";
import { planLayers, type PlatformPlan } from "./plan/plan-layers.js";
import { lockPathFor, readLockfile, writeLockfile } from "./resolve/lockfile.js";
import { resolveInputs, type ResolvedInputs } from "./resolve/resolve-inputs.js";
import { defaultCacheDir } from "./util/cache-dir.js";
import type { Digest } from "./util/digest.js";
import { silentReporter, type Reporter } from "./util/reporter.js";

/** Options every command takes. */
export interface CommonOptions {
  /** Config file or folder; searched for from `cwd` when undefined. */
  config?: string | undefined;
  cwd?: string;
  /** Run the TypeScript type check on the config. Default true. */
  typecheck?: boolean;
  /** Cache folder. Default: `IMGC_CACHE_DIR` or the user's cache directory. */
  cacheDir?: string | undefined;
  reporter?: Reporter;
}

/** Options of `compile`. */
export interface CompileOptions extends CommonOptions {
  /** Output folder. Default: `out/` beside the config. */
  outDir?: string | undefined;
  /** Also write `<outDir>/<name>.tar`. */
  tar?: boolean;
  /** Fail instead of changing the lock. */
  frozen?: boolean;
  /** Seconds since the epoch for generated files and `created`. Default: SOURCE_DATE_EPOCH. */
  sourceDateEpoch?: number | undefined;
}

/** The result of `compile`: the digest, the outputs and each platform's layers. */
export interface CompileResult {
  /** Digest of the image index: the image's identity. */
  digest: Digest;
  name: string;
  tags: readonly string[];
  /** Path of the OCI layout folder. */
  layout: string;
  /** Path of the archive, with `tar`. */
  archive?: string;
  lockPath: string;
  lockChanged: boolean;
  platforms: {
    platform: string;
    manifest: Digest;
    config: Digest;
    layers: { digest: Digest; diffId: Digest; size: number; createdBy: string }[];
  }[];
}

/** The plan that `imgc plan` prints: the resolved packages and layers of each platform. */
export interface ImagePlan {
  name: string;
  tags: readonly string[];
  platforms: PlatformPlan[];
}

interface Checked {
  spec: ImageSpec;
  config: unknown;
  reporter: Reporter;
  cacheDir: string;
}

const maxEpoch = 253_402_300_799;

/** Reads SOURCE_DATE_EPOCH: undefined when unset, an error when it is not a whole number. */
export function sourceDateEpochFromEnv(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const value = env.SOURCE_DATE_EPOCH;
  if (value === undefined || value === "") return undefined;
  // The image config's RFC 3339 times have four-digit years, so 9999-12-31T23:59:59Z is the end.
  if (!/^\d+$/.test(value) || Number(value) > maxEpoch) {
    throw new DiagnosticError([
      {
        code: Codes.invalidValue,
        severity: "error",
        message: `SOURCE_DATE_EPOCH=${JSON.stringify(value)} is not a whole number of seconds from 0 to ${maxEpoch}`,
        fix: "set it to a Unix time such as $(git log -1 --format=%ct), or unset it",
      },
    ]);
  }
  return Number(value);
}

async function checkStage(options: CommonOptions): Promise<Checked> {
  const reporter = options.reporter ?? silentReporter;
  const result = await checkConfig(options.config, {
    typecheck: options.typecheck ?? true,
    cwd: options.cwd,
  });
  if (hasErrors(result.diagnostics) || !result.spec) throw new DiagnosticError(result.diagnostics);
  for (const warning of result.diagnostics) reporter.warn(warning);
  reporter.info(`check: ${result.file} ok`);
  return {
    spec: result.spec,
    config: result.config,
    reporter,
    // An empty --cache-dir or IMGC_CACHE_DIR means the default, not the current folder.
    cacheDir: options.cacheDir || defaultCacheDir(),
  };
}

/**
 * Runs a stage after check, giving the config mistakes it finds (an unknown package, a file that
 * would replace a folder) their line and column in the config.
 */
async function locatingMistakes<T>(spec: ImageSpec, stage: () => Promise<T>): Promise<T> {
  try {
    return await stage();
  } catch (error) {
    if (error instanceof DiagnosticError)
      throw new DiagnosticError(locateDiagnostics(spec.configFile, error.diagnostics));
    throw error;
  }
}

async function resolveStage(
  checked: Checked,
  options: { frozen: boolean; update: boolean },
): Promise<ResolvedInputs & { lockPath: string }> {
  const lockPath = lockPathFor(checked.spec.configFile);
  const existing = await readLockfile(lockPath);
  const resolved = await resolveInputs(checked.spec, {
    config: checked.config,
    existing,
    frozen: options.frozen,
    update: options.update,
    cacheDir: checked.cacheDir,
    reporter: checked.reporter,
    lockPath,
  });
  return { ...resolved, lockPath };
}

function planStage(spec: ImageSpec, resolved: ResolvedInputs): PlatformPlan[] {
  return resolved.platforms.map((platform) =>
    planLayers({
      spec,
      platform: platform.platform,
      baseLayers: (platform.base?.layers ?? []).map((l) => ({
        digest: l.descriptor.digest,
        diffId: l.diffId,
        size: l.descriptor.size,
        mediaType: l.descriptor.mediaType,
      })),
      packages: platform.packages,
    }),
  );
}

function imageAnnotations(
  spec: ImageSpec,
  built: BuiltPlatform,
  resolved: ResolvedInputs,
): Record<string, string> {
  const platform = resolved.platforms.find((p) => p.platform === built.platform);
  const annotations: Record<string, string> = { ...spec.annotations };
  if (platform?.base) {
    annotations[Annotations.baseDigest] = platform.base.manifestDigest;
    annotations[Annotations.baseName] = platform.base.reference;
  }
  return annotations;
}

/** Assembles configs, manifests and the index. Pure. */
/** Returns whether the evaluated config sets PATH itself, rather than taking the default. */
function configSetsPath(config: unknown): boolean {
  const env = (config as { env?: unknown } | undefined)?.env;
  return typeof env === "object" && env !== null && "PATH" in env;
}

function assembleStage(
  spec: ImageSpec,
  config: unknown,
  builtPlatforms: readonly BuiltPlatform[],
  resolved: ResolvedInputs,
) {
  const blobs: LayoutBlob[] = [];
  const platforms: CompileResult["platforms"] = [];
  const manifests = builtPlatforms.map((built) => {
    const platform = ociPlatform(built.platform);
    const base = resolved.platforms.find((p) => p.platform === built.platform)?.base;
    const settings = inheritProcessSettings(spec, base?.config, configSetsPath(config));
    const imageConfig = buildImageConfig({
      platform,
      created: built.created,
      ...(settings.user === undefined ? {} : { user: settings.user }),
      env: settings.env,
      ...(settings.entrypoint ? { entrypoint: settings.entrypoint } : {}),
      ...(settings.cmd ? { cmd: settings.cmd } : {}),
      exposedPorts: settings.ports,
      volumes: settings.volumes,
      ...(settings.workdir ? { workdir: settings.workdir } : {}),
      labels: settings.labels,
      ...(settings.stopSignal ? { stopSignal: settings.stopSignal } : {}),
      layers: built.layers.map((l) => ({
        diffId: l.diffId,
        createdBy: l.createdBy,
        ...(l.created === undefined ? {} : { created: l.created }),
      })),
    });
    const annotations = imageAnnotations(spec, built, resolved);
    const manifest = buildManifest({
      config: imageConfig.descriptor,
      layers: built.layers.map((l) => l.descriptor),
      ...(Object.keys(annotations).length > 0 ? { annotations } : {}),
    });
    blobs.push({ digest: imageConfig.descriptor.digest, bytes: imageConfig.bytes });
    blobs.push({ digest: manifest.descriptor.digest, bytes: manifest.bytes });
    for (const layer of built.layers)
      blobs.push({ digest: layer.descriptor.digest, path: layer.blobPath });
    platforms.push({
      platform: built.platform,
      manifest: manifest.descriptor.digest,
      config: imageConfig.descriptor.digest,
      layers: built.layers.map((l) => ({
        digest: l.descriptor.digest,
        diffId: l.diffId,
        size: l.descriptor.size,
        createdBy: l.createdBy,
      })),
    });
    return { descriptor: manifest.descriptor, platform };
  });
  const index = buildImageIndex({
    manifests,
    ...(Object.keys(spec.annotations).length > 0 ? { annotations: { ...spec.annotations } } : {}),
  });
  return { index, blobs, platforms };
}

/**
 * Compiles the image: check, resolve (from the lock where it applies), plan, build, assemble,
 * and write the layout (and archive). Outputs and the lock are written only when every stage
 * succeeded; a failure leaves the previous ones as they were.
 */
export async function compile(options: CompileOptions = {}): Promise<CompileResult> {
  const sourceDateEpoch = options.sourceDateEpoch ?? sourceDateEpochFromEnv();
  const checked = await checkStage(options);
  const { spec, reporter } = checked;

  // A relative --out is relative to the working folder; an empty one means the default.
  const outDir = options.outDir
    ? resolvePath(options.cwd ?? process.cwd(), options.outDir)
    : join(spec.configDir, "out");
  const resolved = await locatingMistakes(spec, () =>
    resolveStage(checked, { frozen: options.frozen ?? false, update: false }),
  );
  const plans = planStage(spec, resolved);

  const built: BuiltPlatform[] = [];
  for (const [i, platform] of resolved.platforms.entries()) {
    const outputs = [outDir, lockPathFor(spec.configFile)];
    const buildOptions = { cacheDir: checked.cacheDir, reporter, sourceDateEpoch, outputs };
    built.push(
      await locatingMistakes(spec, () =>
        buildPlatform(spec, platform, plans[i] as PlatformPlan, buildOptions),
      ),
    );
  }

  const { index, blobs, platforms } = assembleStage(spec, checked.config, built, resolved);
  const layoutInput = {
    outDir,
    name: spec.name,
    tags: spec.tags,
    indexBlob: index,
    blobs,
    imageName: spec.name,
  };
  const layout = await writeLayout(layoutInput);
  const archive = options.tar ? await writeArchive(layoutInput) : undefined;
  if (resolved.lockChanged) await writeLockfile(resolved.lockPath, resolved.lock);
  reporter.info(`emit: ${layout.path}${archive ? ` and ${archive.path}` : ""}`);

  return {
    digest: index.descriptor.digest,
    name: spec.name,
    tags: spec.tags,
    layout: layout.path,
    ...(archive ? { archive: archive.path } : {}),
    lockPath: resolved.lockPath,
    lockChanged: resolved.lockChanged,
    platforms,
  };
}

/** Resolves the inputs and plans the layers without building; the lock is not written. */
export async function plan(options: CommonOptions & { frozen?: boolean } = {}): Promise<ImagePlan> {
  const checked = await checkStage(options);
  const resolved = await resolveStage(checked, { frozen: options.frozen ?? false, update: false });
  return {
    name: checked.spec.name,
    tags: checked.spec.tags,
    platforms: planStage(checked.spec, resolved),
  };
}

/** Resolves every input and writes the lock. `update` moves every pin to the newest version. */
export async function lock(
  options: CommonOptions & { update?: boolean } = {},
): Promise<{ lockPath: string; changed: boolean }> {
  const checked = await checkStage(options);
  const resolved = await locatingMistakes(checked.spec, () =>
    resolveStage(checked, { frozen: false, update: options.update ?? false }),
  );
  if (resolved.lockChanged) await writeLockfile(resolved.lockPath, resolved.lock);
  return { lockPath: resolved.lockPath, changed: resolved.lockChanged };
}
