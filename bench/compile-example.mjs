#!/usr/bin/env node
// Times `imgc compile` of the root example (trixie nodejs + ca-certificates + a small app)
// against mmdebstrap's `extract` variant of the same packages, the closest peer that also
// unpacks Debian packages without running maintainer scripts. Runs alternate (imgc, peer, imgc,
// peer, ...) so that drift on a shared machine hits both alike; the table gives medians and the
// per-pair ratio.
//
//   node bench/compile-example.mjs [RUNS]        (default 5; needs `npm run build`, mmdebstrap)
//
// Cases:
//   cold     empty cache: index, downloads, unpack, compression, layout
//   lock     warm package cache, no lock: InRelease is fetched and the index re-read
//   warm     nothing changed: every layer from the layer cache
//   one-file one source file changed: only the app layer and the generated layer rebuild
// Peer: `mmdebstrap --variant=extract --include=nodejs,ca-certificates trixie out.tar` (it always
// downloads and resolves afresh; it writes a rootfs tar, not an OCI image).

import { execFileSync, spawnSync } from "node:child_process";
import { appendFileSync, cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const runs = Number(process.argv[2] ?? 5);
const cli = join(root, "bin", "imgc.js");

function seconds(command, args, options = {}) {
  const started = process.hrtime.bigint();
  const result = spawnSync(command, args, { stdio: ["ignore", "ignore", "pipe"], ...options });
  const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
  if (result.status !== 0) {
    throw new Error(
      `${command} ${args.join(" ")} failed: ${result.stderr?.toString().slice(-2000)}`,
    );
  }
  return elapsed;
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

function project() {
  const dir = mkdtempSync(join(tmpdir(), "imgc-bench-"));
  cpSync(join(root, "image.config.ts"), join(dir, "image.config.ts"));
  cpSync(join(root, "examples"), join(dir, "examples"), { recursive: true });
  return dir;
}

function imgc(dir, cacheDir) {
  return seconds(process.execPath, [cli, "compile", "-q", "image.config.ts"], {
    cwd: dir,
    env: { ...process.env, IMGC_CACHE_DIR: cacheDir },
  });
}

function peer() {
  const out = mkdtempSync(join(tmpdir(), "imgc-bench-peer-"));
  try {
    return seconds("mmdebstrap", [
      "--quiet",
      "--variant=extract",
      "--include=nodejs,ca-certificates",
      "trixie",
      join(out, "rootfs.tar"),
    ]);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

const results = { cold: [], lock: [], warm: [], "one-file": [], peer: [] };
const ratios = [];
for (let i = 0; i < runs; i++) {
  const dir = project();
  const cacheDir = mkdtempSync(join(tmpdir(), "imgc-bench-cache-"));
  try {
    const cold = imgc(dir, cacheDir);
    const reference = peer();
    results.cold.push(cold);
    results.peer.push(reference);
    ratios.push(cold / reference);
    rmSync(join(dir, "image.lock.json"));
    results.lock.push(imgc(dir, cacheDir));
    results.warm.push(imgc(dir, cacheDir));
    appendFileSync(join(dir, "examples", "hello-server", "server.js"), `// run ${i}\n`);
    results["one-file"].push(imgc(dir, cacheDir));
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(cacheDir, { recursive: true, force: true });
  }
}

const range = (values) => `${Math.min(...values).toFixed(2)}–${Math.max(...values).toFixed(2)}`;
const node = execFileSync(process.execPath, ["--version"]).toString().trim();
console.log(`root example, ${runs} runs each, ${new Date().toISOString()}, node ${node}\n`);
console.log("| case | median s | min–max s |");
console.log("| --- | --- | --- |");
for (const [name, values] of Object.entries(results)) {
  const label = name === "peer" ? "mmdebstrap --variant=extract (peer)" : `imgc ${name}`;
  console.log(`| ${label} | ${median(values).toFixed(2)} | ${range(values)} |`);
}
console.log(`\nimgc cold / peer, per pair: median ${median(ratios).toFixed(2)} (${range(ratios)})`);
