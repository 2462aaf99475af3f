// `npm run bench [-- --quick]`: what the product exists for, measured offline (scripted provider,
// real Claude Code, real git, sandbox on). Every timed figure is the median (and min) of repeated
// runs against a baseline run interleaved with it in this same invocation; the table goes to
// stdout and bench/results.json. The measures live in scripts/bench/, one file each.
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { bigRepository } from "./bench/big-repo.js";
import { concurrency } from "./bench/concurrency.js";
import { fixedCost } from "./bench/fixed-cost.js";
import { hostBytesPerJob, hostBytesRepo, toolDefinitions } from "./bench/host-bytes.js";
import { measures, printTable } from "./bench/measure.js";
import { readPath } from "./bench/read-path.js";
import { closeWorld, openServer, openWorld, type World } from "./bench/world.js";

const quick = process.argv.includes("--quick");
const only = process.argv
  .find((arg) => arg.startsWith("--only="))
  ?.slice("--only=".length)
  .split(",");

/** Each measure by name, in the order they run; `--only=fixed,big` runs a subset. */
const steps: Record<string, (world: World) => Promise<void>> = {
  bytes: hostBytesAndReads,
  fixed: fixedCost,
  big: bigRepository,
  concurrency,
};

const started = Date.now();
const world = await openWorld(quick);
try {
  for (const [name, step] of Object.entries(steps)) {
    if (only && !only.includes(name)) continue;
    const t = Date.now();
    await step(world);
    console.error(`bench: ${name} took ${((Date.now() - t) / 1000).toFixed(1)} s`);
  }
} finally {
  await closeWorld(world);
}

printTable();
console.log(
  `\n${quick ? "npm run bench -- --quick" : "npm run bench"}: ${((Date.now() - started) / 1000).toFixed(0)} s, sandbox ${world.sandbox ? "on" : "off"}`,
);
const out = join(import.meta.dirname, "..", "..", "bench");
await mkdir(out, { recursive: true });
await writeFile(join(out, "results.json"), `${JSON.stringify(measures, null, 1)}\n`);

/** Measures 1 and 4 share a server and a store: the read path needs the host-bytes jobs' records. */
async function hostBytesAndReads(world: World): Promise<void> {
  const repo = await hostBytesRepo(world);
  const server = await openServer(world, { CODE_WORKER_FAST_MODEL: "noisy", CODE_WORKER_THINK_MODEL: "chatty" });
  try {
    await toolDefinitions(server);
    await hostBytesPerJob(world, server, repo, "noisy", "fast");
    await hostBytesPerJob(world, server, repo, "chatty", "think");
    await readPath(world, server, repo);
  } finally {
    await server.close();
  }
}
