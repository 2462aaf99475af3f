// Measure 5: eight trivial jobs on one repository with CODE_WORKER_MAX_JOBS=8 against the same
// eight with 1: the wall time, each job's peak memory (runner, worker tree) against a bare node and
// a claude run by hand, and whether every job ended done (concurrent worktree creation races).
import { byHand } from "./by-hand.js";
import { trivialRepo } from "./fixed-cost.js";
import { startJob, watchJobs, type WatchedJob } from "./jobs.js";
import { compare, median, record, round } from "./measure.js";
import { bareNodeBytes, MB } from "./proc.js";
import { openServer, type Server, type World } from "./world.js";

const jobCount = 8;

/** Starts eight jobs one call after another, as a host would, and follows them all to the end. */
async function batch(server: Server, repo: string): Promise<{ wallMs: number; jobs: WatchedJob[] }> {
  const started = [];
  for (let i = 0; i < jobCount; i++) started.push(await startJob(server, repo));
  const jobs = await watchJobs(started, { intervalMs: 100, memory: true, limitMs: 600_000 });
  return { wallMs: Math.max(...jobs.map((job) => job.endAt)) - started[0]!.startAt, jobs };
}

export async function concurrency(world: World): Promise<void> {
  const repo = await trivialRepo(world, "concurrent");
  const parallel = await openServer(world, { CODE_WORKER_MAX_JOBS: String(jobCount) });
  const serial = await openServer(world, { CODE_WORKER_MAX_JOBS: "1" });
  const wall = { parallel: [] as number[], serial: [] as number[] };
  const jobs: WatchedJob[] = [];
  const handoffs: number[] = [];
  try {
    for (let i = 0; i < (world.quick ? 1 : 2); i++) {
      // Alternate which goes first (the second batch's repository holds the first's branches).
      for (const mode of i % 2 ? (["serial", "parallel"] as const) : (["parallel", "serial"] as const)) {
        const run = await batch(mode === "parallel" ? parallel : serial, repo);
        wall[mode].push(run.wallMs);
        jobs.push(...run.jobs);
        if (mode === "serial") handoffs.push(...slotHandoffs(run.jobs));
      }
    }
  } finally {
    await parallel.close();
    await serial.close();
  }
  const wallRow = compare(`${jobCount} jobs: wall with MAX_JOBS=${jobCount} (vs MAX_JOBS=1)`, wall.parallel, wall.serial, "ms", 1);
  Object.assign(wallRow, { target: "< 1× (parallel beats serial)", met: wallRow.ratio! < 1 });
  const done = jobs.filter((job) => job.status === "done").length;
  const failures = [...new Set(jobs.filter((job) => job.status !== "done").map((job) => `${job.status}: ${job.error ?? "no error"}`))];
  record({ name: `${jobCount} jobs: every job done (both batches, all repeats)`, value: done, unit: "jobs", baseline: jobs.length, target: `${jobs.length} of ${jobs.length}`, met: done === jobs.length, ...(failures.length ? { detail: { failures: failures.join(" | ") } } : {}) });
  // Queued runners used to look for a free slot every 500 ms; now they wake when one frees.
  record({ name: "MAX_JOBS=1: a queued job leaves the queue after the job before it ended", value: round(median(handoffs)), unit: "ms", min: round(Math.min(...handoffs)), runs: handoffs.length, target: "reported", met: null, detail: { max_ms: round(Math.max(...handoffs)) } });
  await memoryPerJob(world, repo, jobs);
}

/** For jobs run one at a time: how long after each job's terminal record the next one left the queue. */
function slotHandoffs(jobs: WatchedJob[]): number[] {
  const inTurn = jobs.filter((job) => job.preparingAt !== undefined).sort((a, b) => a.preparingAt! - b.preparingAt!);
  return inTurn.slice(1).map((job, i) => job.preparingAt! - inTurn[i]!.endAt);
}

/** Each job's peak runner and worker memory, against a bare node and a claude process tree run by hand. */
async function memoryPerJob(world: World, repo: string, jobs: WatchedJob[]): Promise<void> {
  // Only jobs the watcher saw working: a quick job can end between two looks, and a look that found
  // only bwrap (Claude Code alone is over 100 MB) saw it before it started or as it ended.
  const seen = jobs.filter((job) => (job.peakWorkerBytes ?? 0) > 50 * MB);
  const runner = seen.map((job) => job.peakRunnerBytes!);
  const worker = seen.map((job) => job.peakWorkerBytes!);
  const bare = await bareNodeBytes();
  const hand: number[] = [];
  for (let i = 0; i < 2; i++) hand.push((await byHand(world, repo, { memory: true })).peakWorkerBytes!);
  // The issue sets no memory target: these rows report, they do not judge.
  record({ name: "peak runner RSS per job (vs a bare node)", value: round(median(runner) / MB), unit: "MB", min: round(Math.min(...runner) / MB), runs: runner.length, baseline: round(bare / MB), ratio: round(median(runner) / bare), target: "reported", met: null, detail: { max_MB: round(Math.max(...runner) / MB) } });
  const workerRow = compare("peak worker tree RSS per job (vs claude run by hand)", worker.map((b) => b / MB), hand.map((b) => b / MB), "MB", Infinity);
  Object.assign(workerRow, { target: "reported", met: null, detail: { max_MB: round(Math.max(...worker) / MB) } });
}
