// Benchmarks imgc's layer writer against tar | pigz and umoci on the fixed 200 MB test tree.
//
//   node bench/layer-build.mjs [--rounds N] [--work DIR] [--tree DIR] [--peers DIR] [--sync]
//
// Each round runs, in alternating order, three whole processes from a cold start (no layer
// cache): imgc's writeLayer on the tree, `tar --sort=name … | pigz -6 -p 2`, and umoci's build
// (init, new, unpack, cp -a, repack) when umoci is installed. It prints a markdown table with the
// median and range of each, and the median of the per-round ratios of its time to imgc's.
// `--sync` adds each run's own flush to its time. `--peers` is the folder with gen-tree.mjs and
// umoci/build.sh (default: /work/shared/bench/peers). Needs pigz (`apt-get install pigz`) and
// esbuild (a dependency).

import { execFileSync, spawnSync } from "node:child_process";
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
} from "node:fs";
import { cpus, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const repository = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const options = parseArguments(process.argv.slice(2));
const peers = options.peers;
/** The writer, bundled inside the repository so that its external packages (pako) resolve. */
const bundle = join(repository, "node_modules/.cache/imgc-bench/layer-writer.mjs");

if (options.runWriter) {
  await runWriter(options.runWriter.tree, options.runWriter.blobDir);
} else {
  await compare();
}

function parseArguments(argv) {
  const parsed = {
    rounds: 5,
    work: join(tmpdir(), "imgc-bench"),
    tree: undefined,
    peers: "/work/shared/bench/peers",
    sync: false,
    runWriter: undefined,
  };
  for (let index = 0; index < argv.length; index++) {
    const flag = argv[index];
    if (flag === "--rounds") parsed.rounds = Number(argv[++index]);
    else if (flag === "--work") parsed.work = argv[++index];
    else if (flag === "--tree") parsed.tree = argv[++index];
    else if (flag === "--peers") parsed.peers = argv[++index];
    else if (flag === "--sync") parsed.sync = true;
    else if (flag === "--run-writer")
      parsed.runWriter = { tree: argv[++index], blobDir: argv[++index] };
    else throw new Error(`unknown argument ${flag}`);
  }
  return parsed;
}

/** Runs one measured imgc build: walks the tree, writes one layer and prints the result as JSON. */
async function runWriter(tree, blobDir) {
  const started = process.hrtime.bigint();
  const { writeLayer } = await import(bundle);
  const entries = walkTree(tree, "data");
  const layer = await writeLayer(entries, { names: { user: () => "", group: () => "" }, blobDir });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const maxRssMiB = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(`${JSON.stringify({ ...layer, seconds, maxRssMiB })}\n`);
}

/** Returns layer entries for `tree` under `prefix`: modes from the files, owner 0, mtime 0. */
function walkTree(tree, prefix) {
  const entries = [{ path: prefix, type: "dir", mode: 0o755, uid: 0, gid: 0, mtime: 0, size: 0 }];
  const visit = (relative) => {
    for (const name of readdirSync(join(tree, relative)).sort()) {
      const path = relative ? `${relative}/${name}` : name;
      const stats = lstatSync(join(tree, path));
      const entry = {
        path: `${prefix}/${path}`,
        mode: stats.mode & 0o7777,
        uid: 0,
        gid: 0,
        mtime: 0,
        size: 0,
      };
      if (stats.isDirectory()) {
        entries.push({ ...entry, type: "dir" });
        visit(path);
      } else if (stats.isSymbolicLink()) {
        entries.push({ ...entry, type: "symlink", linkname: readlinkSync(join(tree, path)) });
      } else {
        const content = { kind: "file", path: join(tree, path), offset: 0, size: stats.size };
        entries.push({
          ...entry,
          type: "file",
          size: stats.size,
          ...(stats.size > 0 ? { content } : {}),
        });
      }
    }
  };
  visit("");
  return entries;
}

/**
 * Waits until the machine is quiet (under 10 % of all CPUs busy for one second), for at most
 * `limit` seconds, so that another process's work does not count against a contender. Returns
 * whether it was quiet.
 */
function waitForQuiet(limit = 120) {
  const busy = () => {
    const fields = readFileSync("/proc/stat", "utf8")
      .split("\n")[0]
      .trim()
      .split(/\s+/)
      .slice(1)
      .map(Number);
    const idle = fields[3] + fields[4];
    return { idle, total: fields.reduce((sum, value) => sum + value, 0) };
  };
  for (let waited = 0; waited < limit; waited++) {
    const before = busy();
    execFileSync("sleep", ["1"]);
    const after = busy();
    const share = 1 - (after.idle - before.idle) / Math.max(1, after.total - before.total);
    if (share < 0.1) return true;
  }
  return false;
}

async function compare() {
  mkdirSync(options.work, { recursive: true });
  const tree = options.tree ?? join(options.work, "tree");
  if (!existsSync(tree))
    execFileSync("node", [join(peers, "gen-tree.mjs"), tree, "1"], { stdio: "inherit" });
  await build({
    entryPoints: [join(repository, "src/build/layer-writer.ts")],
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    outfile: bundle,
    packages: "external",
  });

  const contenders = [
    { name: "imgc writeLayer", run: (dir) => timeImgc(tree, dir) },
    {
      name: "tar \\| pigz -6 -p 2",
      run: (dir) =>
        timeShell(
          `tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -cf - -C '${tree}' . | pigz -6 -p 2 > '${dir}/x.tar.gz'`,
        ),
    },
  ];
  if (spawnSync("umoci", ["--version"]).status === 0) {
    contenders.push({
      name: "umoci build.sh",
      run: (dir) => timeShell(`sh '${join(peers, "umoci/build.sh")}' '${dir}/umoci' '${tree}'`),
    });
  }

  const times = contenders.map(() => []);
  let noisy = 0;
  const details = [];
  // One warm-up round that is not counted, then rounds whose order alternates.
  for (let round = -1; round < options.rounds; round++) {
    const order = contenders.map((_, index) => index);
    if (round % 2 === 1) order.reverse();
    for (const index of order) {
      const dir = mkdtempSync(join(options.work, "run-"));
      execFileSync("sync");
      if (!waitForQuiet()) noisy++;
      const result = contenders[index].run(dir);
      rmSync(dir, { recursive: true, force: true });
      if (round >= 0) times[index].push(result.seconds);
      if (round >= 0 && index === 0) details.push(result);
    }
  }

  const lines = [
    `Machine: ${cpus().length} × ${cpus()[0]?.model ?? "?"}, Node ${process.version}; ${options.rounds} rounds after 1 warm-up, order alternating${options.sync ? ", each run timed with its own sync" : ""}; ${noisy} runs started without 1 s under 10 % CPU.`,
    "",
    "| what | median s | min–max s | time / imgc's time, median of rounds (min–max) |",
    "| --- | --- | --- | --- |",
  ];
  for (const [index, contender] of contenders.entries()) {
    const ratios = times[index].map((seconds, round) => seconds / times[0][round]);
    const ratio =
      index === 0
        ? "1"
        : `${median(ratios).toFixed(2)} (${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)})`;
    lines.push(
      `| ${contender.name} | ${median(times[index]).toFixed(3)} | ${Math.min(...times[index]).toFixed(3)}–${Math.max(...times[index]).toFixed(3)} | ${ratio} |`,
    );
  }
  const last = details.at(-1);
  lines.push(
    "",
    `imgc layer: ${last.size} B compressed, ${last.uncompressedSize} B tar, max RSS ${median(details.map((detail) => detail.maxRssMiB)).toFixed(0)} MiB (median), digest ${last.digest}`,
  );
  process.stdout.write(`${lines.join("\n")}\n`);
}

function timeImgc(tree, dir) {
  const started = process.hrtime.bigint();
  const output = execFileSync(
    "node",
    [fileURLToPath(import.meta.url), "--run-writer", tree, join(dir, "blobs")],
    { encoding: "utf8" },
  );
  if (options.sync) execFileSync("sync");
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { ...JSON.parse(output), seconds };
}

function timeShell(command) {
  const started = process.hrtime.bigint();
  execFileSync("sh", ["-c", options.sync ? `${command} && sync` : command], { stdio: "inherit" });
  return { seconds: Number(process.hrtime.bigint() - started) / 1e9 };
}

function median(values) {
  const sorted = [...values].sort((left, right) => left - right);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}
