// Measure 2: the fixed cost of a trivial job (one new file, one sentence, no checks), start to
// done, against the worker's own lifetime and against the same steps done by hand; interleaved.
import { join } from "node:path";
import { createSampleRepo } from "../../src/demo/sample.js";
import { byHand } from "./by-hand.js";
import { assertDone, runJob, type WatchedJob } from "./jobs.js";
import { compare, median, round, settle } from "./measure.js";
import { openServer, type World } from "./world.js";

/** The phases the runner records in record.timings, in the order they run. */
const phases = ["runner_start", "policy", "worktree", "setup", "worker", "commit", "checks", "verdict", "merge"];

/** A repository whose policy runs no checks: what is left of a job is code-worker's own work. */
export async function trivialRepo(world: World, name: string): Promise<string> {
  const repo = join(world.workspace.path, name);
  await createSampleRepo(repo, `version: 1
extends: builtin:strict
rules: { tests-required: off, checks-ran: off }
worker:
  allow: [Read, Glob, Grep, Edit, Write]
`);
  return repo;
}

export async function fixedCost(world: World): Promise<void> {
  const repo = await trivialRepo(world, "trivial");
  // The MCP server keeps a runner started ahead; the CLI (and a server with it off) starts one per job.
  const server = await openServer(world);
  const coldServer = await openServer(world, { CODE_WORKER_STANDBY_RUNNER: "off" });
  const jobs: WatchedJob[] = [];
  const coldJobs: WatchedJob[] = [];
  const hand: number[] = [];
  try {
    await byHand(world, repo); // warm the page cache for both sides before anything is timed
    const sides = [
      async () => hand.push(total(await byHand(world, repo))),
      async () => jobs.push(assertDone(await runJob(server, repo))),
      async () => coldJobs.push(assertDone(await runJob(coldServer, repo))),
    ];
    for (let i = 0; i < (world.quick ? 3 : 7); i++) {
      // Rotate which goes first, so none always runs on a machine another just warmed.
      for (let k = 0; k < sides.length; k++) await settle().then(sides[(i + k) % sides.length]!);
    }
  } finally {
    await Promise.all([server.close(), coldServer.close()]);
  }
  const totals = jobs.map(total);
  compare("trivial job: start → done (vs the same steps by hand)", totals, hand, "ms", 1.3, phaseSplit(jobs));
  const lifetimes = jobs.map((job) => job.workerLifetimeMs).filter((ms): ms is number => ms !== undefined);
  if (lifetimes.length) compare("trivial job: start → done (vs the worker's own lifetime)", totals, lifetimes, "ms", 1.3);
  compare(
    "trivial job, runner started for the job (CLI, CODE_WORKER_STANDBY_RUNNER=off): start → done (vs by hand)",
    coldJobs.map(total),
    hand,
    "ms",
    undefined,
    phaseSplit(coldJobs),
  );
}

function total(run: { startAt: number; endAt: number }): number {
  return run.endAt - run.startAt;
}

/** Median ms per phase as the runner recorded them, or why there are none. */
export function phaseSplit(jobs: WatchedJob[]): Record<string, number | string> {
  const recorded = jobs.map((job) => job.timings).filter((timings): timings is Record<string, number> => !!timings);
  if (!recorded.length) return { phases: "unavailable (the job record has no timings)" };
  const names = [...phases, ...Object.keys(recorded[0]!).filter((name) => !phases.includes(name))];
  return Object.fromEntries(names.filter((name) => recorded.some((t) => name in t)).map((name) => [name, round(median(recorded.map((t) => t[name] ?? 0)))]));
}
