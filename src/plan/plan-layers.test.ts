import { readFile, writeFile } from "node:fs/promises";

import { describe, expect, it } from "vitest";

import type { FileSpec, ImageSpec } from "../check/spec.js";
import type { LockedDebianPackage } from "../resolve/lockfile.js";
import { sha256Digest, sha256Hex } from "../util/digest.js";
import { packageLayerBudget, planLayers, type PlannedLayer } from "./plan-layers.js";

// `UPDATE_GOLDEN=1 npx vitest run src/plan/plan-layers.test.ts` rewrites the golden file; run
// Prettier on it and review its diff before committing it.
const goldenUrl = new URL("./testdata/realistic-plan.json", import.meta.url);

const root = { uid: 0, gid: 0 };

function imageSpec(overrides: Partial<ImageSpec> = {}): ImageSpec {
  return {
    name: "app",
    tags: ["1.0.0"],
    base: { kind: "scratch" },
    platforms: ["linux/amd64"],
    debian: undefined,
    files: [],
    user: undefined,
    workdir: undefined,
    env: [["PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]],
    entrypoint: undefined,
    cmd: undefined,
    ports: [],
    labels: {},
    annotations: {},
    stopSignal: undefined,
    volumes: [],
    configFile: "/project/image.config.ts",
    configDir: "/project",
    ...overrides,
  };
}

function pkg(
  name: string,
  options: { source?: string; size?: number; dependsOn?: string[]; version?: string } = {},
): LockedDebianPackage {
  const version = options.version ?? "1.0-1";
  const source = options.source ?? name;
  const filename = `pool/main/${source.slice(0, 1)}/${source}/${name}_${version}_amd64.deb`;
  return {
    name,
    version,
    architecture: "amd64",
    source,
    sourceVersion: version,
    url: `http://deb.example/debian/${filename}`,
    filename,
    size: options.size ?? 1000,
    sha256: sha256Hex(name),
    dependsOn: options.dependsOn ?? [],
  };
}

function copy(src: string, dest: string): FileSpec {
  return { kind: "copy", src, dest, mode: undefined, dirMode: 0o755, owner: root, exclude: [] };
}

function text(dest: string, content = "x\n"): FileSpec {
  return { kind: "text", dest, content, mode: 0o644, owner: root };
}

function symlink(dest: string, target: string): FileSpec {
  return { kind: "symlink", dest, target, owner: root };
}

function dir(dest: string): FileSpec {
  return { kind: "dir", dest, mode: 0o755, owner: root };
}

function baseLayer(name: string) {
  return {
    digest: sha256Digest(`${name} compressed`),
    diffId: sha256Digest(`${name} tar`),
    size: 1234,
    mediaType: "application/vnd.oci.image.layer.v1.tar+gzip",
  };
}

function plan(options: {
  spec?: Partial<ImageSpec>;
  packages?: LockedDebianPackage[];
  baseLayers?: ReturnType<typeof baseLayer>[];
}) {
  return planLayers({
    spec: imageSpec(options.spec),
    platform: "linux/amd64",
    baseLayers: options.baseLayers ?? [],
    packages: options.packages ?? [],
  });
}

type PackageLayer = Extract<PlannedLayer, { kind: "packages" }>;
type FilesLayer = Extract<PlannedLayer, { kind: "files" }>;

function packageLayers(layers: readonly PlannedLayer[]): PackageLayer[] {
  return layers.filter((layer): layer is PackageLayer => layer.kind === "packages");
}

function fileLayers(layers: readonly PlannedLayer[]): FilesLayer[] {
  return layers.filter((layer): layer is FilesLayer => layer.kind === "files");
}

/** Twelve independent sources s01…s12, each one package of the given size. */
function independentSources(sizes: number[]): LockedDebianPackage[] {
  return sizes.map((size, i) =>
    pkg(`p${String(i + 1).padStart(2, "0")}`, {
      source: `s${String(i + 1).padStart(2, "0")}`,
      size,
    }),
  );
}

/** Returns the inputs of a realistic Node image on trixie, packages as apt resolves them. */
function realisticInputs() {
  const packages = [
    pkg("base-files", { version: "13.8", size: 73_000 }),
    pkg("ca-certificates", { version: "20250419", size: 158_000, dependsOn: ["openssl"] }),
    pkg("libbrotli1", {
      source: "brotli",
      version: "1.1.0-2+b7",
      size: 307_000,
      dependsOn: ["libc6"],
    }),
    pkg("libc6", {
      source: "glibc",
      version: "2.41-12",
      size: 2_850_000,
      dependsOn: ["libgcc-s1"],
    }),
    pkg("libcares2", { source: "c-ares", version: "1.34.5-1", size: 94_000, dependsOn: ["libc6"] }),
    pkg("libgcc-s1", {
      source: "gcc-14",
      version: "14.2.0-19",
      size: 72_000,
      dependsOn: ["libc6"],
    }),
    pkg("libicu76", {
      source: "icu",
      version: "76.1-4",
      size: 9_720_000,
      dependsOn: ["libc6", "libgcc-s1", "libstdc++6"],
    }),
    pkg("libnode115", {
      source: "nodejs",
      version: "20.19.2+dfsg-1",
      size: 11_000_000,
      dependsOn: [
        "libbrotli1",
        "libc6",
        "libcares2",
        "libicu76",
        "libssl3t64",
        "libstdc++6",
        "libuv1t64",
        "zlib1g",
      ],
    }),
    pkg("libssl3t64", {
      source: "openssl",
      version: "3.5.1-1",
      size: 2_300_000,
      dependsOn: ["libc6", "zlib1g"],
    }),
    pkg("libstdc++6", {
      source: "gcc-14",
      version: "14.2.0-19",
      size: 714_000,
      dependsOn: ["libc6", "libgcc-s1"],
    }),
    pkg("libuv1t64", {
      source: "libuv1",
      version: "1.50.0-2",
      size: 149_000,
      dependsOn: ["libc6"],
    }),
    pkg("nodejs", { version: "20.19.2+dfsg-1", size: 316_000, dependsOn: ["libc6", "libnode115"] }),
    pkg("openssl", { version: "3.5.1-1", size: 1_490_000, dependsOn: ["libc6", "libssl3t64"] }),
    pkg("openssl-provider-legacy", {
      source: "openssl",
      version: "3.5.1-1",
      size: 309_000,
      dependsOn: ["libc6", "libssl3t64"],
    }),
    pkg("tzdata", { version: "2025b-4", size: 260_000 }),
    pkg("zlib1g", {
      source: "zlib",
      version: "1:1.3.dfsg+really1.3.1-1+b1",
      size: 88_000,
      dependsOn: ["libc6"],
    }),
  ];
  const spec = imageSpec({
    name: "hello",
    debian: {
      suite: "trixie",
      packages: ["nodejs", "ca-certificates", "tzdata"],
      mirror: "http://deb.example/debian",
      components: ["main"],
      keyring: "/usr/share/keyrings/debian-archive-keyring.gpg",
    },
    files: [
      copy("/project/public", "srv/www"),
      text("etc/motd", "hello\n"),
      symlink("usr/local/bin/app", "/app/server.js"),
      dir("var/cache/app"),
      copy("/project/dist", "app"),
      text("etc/app/config.json", "{}\n"),
    ],
    user: {
      name: "app",
      uid: 10001,
      gid: 10001,
      group: "app",
      home: "/home/app",
      shell: "/usr/sbin/nologin",
    },
    workdir: "/app",
  });
  return {
    spec,
    platform: "linux/amd64" as const,
    baseLayers: [baseLayer("distroless")],
    packages,
  };
}

describe("planLayers", () => {
  it("base layers first, in order", () => {
    const layers = [baseLayer("one"), baseLayer("two")];
    const result = plan({
      baseLayers: layers,
      packages: [pkg("tool")],
      spec: { files: [text("etc/motd")] },
    });
    expect(result.layers.slice(0, 2)).toEqual(layers.map((layer) => ({ kind: "base", ...layer })));
    expect(result.layers.slice(2).map((layer) => layer.kind)).toEqual([
      "packages",
      "files",
      "generated",
    ]);
  });

  it("keeps platform and packages", () => {
    const packages = [pkg("tool")];
    const result = plan({ packages });
    expect(result.platform).toBe("linux/amd64");
    expect(result.packages).toEqual(packages);
  });

  it("empty image has no layers", () => {
    expect(plan({}).layers).toEqual([]);
  });

  it("does not reorder the input packages", () => {
    const packages = [pkg("zz"), pkg("aa")];
    plan({ packages });
    expect(packages.map((p) => p.name)).toEqual(["zz", "aa"]);
  });
});

describe("planLayers packages", () => {
  it("groups packages by source", () => {
    const layers = packageLayers(
      plan({
        packages: [
          pkg("openssl", { source: "openssl", size: 10 }),
          pkg("libssl3", { source: "openssl", size: 20 }),
          pkg("tzdata", { size: 5 }),
        ],
      }).layers,
    );
    expect(layers).toHaveLength(2);
    const openssl = layers.find((layer) => layer.sources.includes("openssl"));
    expect(openssl?.packages).toEqual(["libssl3", "openssl"]);
    expect(openssl?.downloadSize).toBe(30);
  });

  it("most depended-on source first", () => {
    const layers = packageLayers(
      plan({
        packages: [
          pkg("app", { dependsOn: ["libfoo", "libc6"] }),
          pkg("libc6", { source: "glibc" }),
          pkg("libfoo", { dependsOn: ["libc6"] }),
        ],
      }).layers,
    );
    expect(layers.map((layer) => layer.sources)).toEqual([["glibc"], ["libfoo"], ["app"]]);
  });

  it("counts dependents transitively", () => {
    // zlib has one direct dependent (libpng) but three in all; libx has two direct ones.
    const layers = packageLayers(
      plan({
        packages: [
          pkg("viewer", { dependsOn: ["libpng"] }),
          pkg("editor", { dependsOn: ["libpng"] }),
          pkg("libpng", { dependsOn: ["zlib1g"] }),
          pkg("zlib1g", { source: "zlib" }),
          pkg("libx", { dependsOn: [] }),
          pkg("tool-a", { dependsOn: ["libx"] }),
          pkg("tool-b", { dependsOn: ["libx"] }),
        ],
      }).layers,
    );
    expect(layers.map((layer) => layer.sources[0])).toEqual([
      "zlib",
      "libpng",
      "libx",
      "editor",
      "tool-a",
      "tool-b",
      "viewer",
    ]);
  });

  it("base-files first though nothing depends on it", () => {
    const layers = packageLayers(
      plan({
        packages: [
          pkg("app", { dependsOn: ["libc6"] }),
          pkg("base-files"),
          pkg("libc6", { source: "glibc" }),
        ],
      }).layers,
    );
    expect(layers.map((layer) => layer.sources[0])).toEqual(["base-files", "glibc", "app"]);
  });

  it("ties are broken by source name", () => {
    const layers = packageLayers(plan({ packages: [pkg("c"), pkg("a"), pkg("b")] }).layers);
    expect(layers.map((layer) => layer.sources[0])).toEqual(["a", "b", "c"]);
  });

  it("skeleton only in the first package layer", () => {
    const layers = packageLayers(plan({ packages: [pkg("a"), pkg("b"), pkg("c")] }).layers);
    expect(layers.map((layer) => layer.skeleton)).toEqual([true, false, false]);
  });

  it("budget is ten layers", () => {
    expect(packageLayerBudget).toBe(10);
  });

  it("at the budget nothing merges", () => {
    const layers = packageLayers(
      plan({ packages: independentSources(Array(10).fill(100)) }).layers,
    );
    expect(layers).toHaveLength(10);
  });

  it("over the budget merges the smallest neighbours", () => {
    const sizes = [50, 40, 5, 6, 50, 50, 50, 50, 50, 50, 50];
    const layers = packageLayers(plan({ packages: independentSources(sizes) }).layers);
    expect(layers).toHaveLength(packageLayerBudget);
    expect(layers[2]?.sources).toEqual(["s03", "s04"]);
    expect(layers[2]?.packages).toEqual(["p03", "p04"]);
    expect(layers[2]?.downloadSize).toBe(11);
  });

  it("merging can take the last pair", () => {
    const sizes = [50, 50, 50, 50, 50, 50, 50, 50, 50, 3, 4];
    const layers = packageLayers(plan({ packages: independentSources(sizes) }).layers);
    expect(layers[9]?.sources).toEqual(["s10", "s11"]);
  });

  it("merging can take the first pair", () => {
    const sizes = [3, 4, 50, 50, 50, 50, 50, 50, 50, 50, 50];
    const layers = packageLayers(plan({ packages: independentSources(sizes) }).layers);
    expect(layers[0]?.sources).toEqual(["s01", "s02"]);
    expect(layers[0]?.skeleton).toBe(true);
  });

  it("merging keeps order and every package", () => {
    const sizes = [9, 8, 7, 6, 5, 4, 3, 2, 1, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
    const packages = independentSources(sizes);
    const layers = packageLayers(plan({ packages }).layers);
    expect(layers).toHaveLength(packageLayerBudget);
    expect(layers.flatMap((layer) => layer.sources)).toEqual(packages.map((p) => p.source));
    expect(layers.reduce((sum, layer) => sum + layer.downloadSize, 0)).toBe(
      sizes.reduce((sum, size) => sum + size, 0),
    );
  });
});

describe("planLayers files", () => {
  it("each copy gets its own layer", () => {
    const layers = fileLayers(
      plan({ spec: { files: [copy("/p/a", "a"), copy("/p/b", "b")] } }).layers,
    );
    expect(layers).toEqual([
      { kind: "files", files: [0], destinations: ["/a"] },
      { kind: "files", files: [1], destinations: ["/b"] },
    ]);
  });

  it("consecutive small entries share a layer", () => {
    const files = [text("etc/motd"), symlink("usr/bin/app", "/app/run"), dir("var/app")];
    const layers = fileLayers(plan({ spec: { files } }).layers);
    expect(layers).toEqual([
      { kind: "files", files: [0, 1, 2], destinations: ["/etc/motd", "/usr/bin/app", "/var/app"] },
    ]);
  });

  it("a copy splits runs of small entries", () => {
    const files = [text("etc/a"), copy("/p/site", "srv/site"), text("etc/b"), dir("var/b")];
    const layers = fileLayers(plan({ spec: { files } }).layers);
    expect(layers.map((layer) => layer.files)).toEqual([[0], [1], [2, 3]]);
  });

  it("copy to the root is shown as /", () => {
    const layers = fileLayers(plan({ spec: { files: [copy("/p/rootfs", ".")] } }).layers);
    expect(layers[0]?.destinations).toEqual(["/"]);
  });

  it("file layers come after package layers", () => {
    const result = plan({ packages: [pkg("tool")], spec: { files: [copy("/p/a", "a")] } });
    expect(result.layers.map((layer) => layer.kind)).toEqual(["packages", "files", "generated"]);
  });
});

describe("planLayers generated layer", () => {
  const user = {
    name: "app",
    uid: 10001,
    gid: 10001,
    group: "app",
    home: "/home/app",
    shell: "/usr/sbin/nologin",
  };

  it("none without user, packages or workdir", () => {
    const result = plan({ spec: { files: [text("etc/motd")] } });
    expect(result.layers.map((layer) => layer.kind)).toEqual(["files"]);
  });

  it("user: account files and home", () => {
    const result = plan({ spec: { user } });
    expect(result.layers).toEqual([
      { kind: "generated", contents: ["/etc/passwd", "/etc/group", "/etc/shadow", "/home/app"] },
    ]);
  });

  it("workdir alone", () => {
    const result = plan({ spec: { workdir: "/srv" } });
    expect(result.layers).toEqual([{ kind: "generated", contents: ["/srv"] }]);
  });

  it("workdir made by a file entry is not listed", () => {
    const result = plan({ spec: { workdir: "/app", files: [copy("/p/dist", "app")] } });
    expect(result.layers.map((layer) => layer.kind)).toEqual(["files"]);
  });

  it("workdir with a file inside is not listed", () => {
    const result = plan({ spec: { workdir: "/app", files: [text("app/server.js")] } });
    expect(result.layers.map((layer) => layer.kind)).toEqual(["files"]);
  });

  it("workdir beside a file entry is listed", () => {
    const result = plan({ spec: { workdir: "/app", files: [text("application/x")] } });
    expect(result.layers.at(-1)).toEqual({ kind: "generated", contents: ["/app"] });
  });

  it("packages: account files and dpkg status", () => {
    const result = plan({ packages: [pkg("tool")] });
    expect(result.layers.at(-1)).toEqual({
      kind: "generated",
      contents: ["/etc/passwd", "/etc/group", "/etc/shadow", "/var/lib/dpkg/status.d/"],
    });
  });

  it("ca-certificates adds the bundle", () => {
    const result = plan({ packages: [pkg("ca-certificates")] });
    const generated = result.layers.at(-1);
    expect(generated?.kind === "generated" ? generated.contents : []).toContain(
      "/etc/ssl/certs/ca-certificates.crt",
    );
  });

  it("is the last layer", () => {
    const result = plan({ spec: { user, files: [copy("/p/a", "a")] }, packages: [pkg("tool")] });
    expect(result.layers.at(-1)?.kind).toBe("generated");
  });
});

describe("planLayers golden", () => {
  it("realistic Node image", async () => {
    const result = planLayers(realisticInputs());
    if (process.env.UPDATE_GOLDEN === "1") {
      await writeFile(goldenUrl, `${JSON.stringify(result, null, 2)}\n`);
    }
    const golden: unknown = JSON.parse(await readFile(goldenUrl, "utf8"));
    expect(JSON.parse(JSON.stringify(result))).toEqual(golden);
  });

  it("plan is plain JSON data", () => {
    const result = planLayers(realisticInputs());
    expect(JSON.parse(JSON.stringify(result))).toStrictEqual(result);
  });

  it("same inputs give the same plan", () => {
    const inputs = realisticInputs();
    const reversed = { ...inputs, packages: [...inputs.packages].reverse() };
    const a = planLayers(inputs).layers;
    const b = planLayers(reversed).layers;
    expect(b).toEqual(a);
  });
});
