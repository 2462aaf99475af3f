// Measure 3: a big repository. Start to the worker's first provider request against raw
// `git worktree add` plus the raw claude launch to its first request, and worker exit to the
// terminal record against raw add, commit, diff --shortstat and merge-tree; at 1k and 10k files.
import { randomBytes } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { execa } from "execa";
import { byHand, type HandRun } from "./by-hand.js";
import { phaseSplit, trivialRepo } from "./fixed-cost.js";
import { assertDone, runJob, type WatchedJob } from "./jobs.js";
import { compare, median, record, round, settle } from "./measure.js";
import { firstArrivalAfter, openServer, type World } from "./world.js";

interface Size {
  files: number;
  fileBytes: number;
}

interface Timings {
  toFirstRequest: { job: number[]; hand: number[] };
  exitToEnd: { job: number[]; hand: number[] };
}

/** The trivial repository plus `files` committed files of random text, 100 to a directory. */
async function bigRepo(world: World, size: Size): Promise<string> {
  const repo = await trivialRepo(world, `big-${size.files}`);
  for (let i = 0; i < size.files; i++) {
    const dir = join(repo, "data", String(Math.floor(i / 100)));
    if (i % 100 === 0) await mkdir(dir, { recursive: true });
    await writeFile(join(dir, `file-${i}.txt`), randomBytes(Math.ceil((size.fileBytes * 3) / 4)).toString("base64").slice(0, size.fileBytes));
  }
  const env = { PATH: world.env.PATH!, HOME: world.workspace.path, GIT_CONFIG_NOSYSTEM: "1" };
  await execa("git", ["add", "-A"], { cwd: repo, env });
  await execa("git", ["commit", "-q", "-m", `${size.files} files`], { cwd: repo, env });
  return repo;
}

async function timeSize(world: World, size: Size, reps: number): Promise<Timings> {
  const repo = await bigRepo(world, size);
  const server = await openServer(world);
  const timings: Timings = { toFirstRequest: { job: [], hand: [] }, exitToEnd: { job: [], hand: [] } };
  const jobs: WatchedJob[] = [];
  const addHand = (run: HandRun) => {
    timings.toFirstRequest.hand.push(run.firstRequestAt! - run.startAt);
    timings.exitToEnd.hand.push(run.endAt - run.workerExitAt);
  };
  try {
    for (let i = 0; i < reps; i++) {
      if (i % 2) addHand(await settle().then(() => byHand(world, repo)));
      const job = assertDone(await settle().then(() => runJob(server, repo)));
      jobs.push(job);
      timings.toFirstRequest.job.push(firstArrivalAfter(world, job.startAt)! - job.startAt);
      timings.exitToEnd.job.push(job.endAt - job.workerExitAt!);
      if (!(i % 2)) addHand(await settle().then(() => byHand(world, repo)));
    }
  } finally {
    await server.close();
  }
  const label = `big repo ${size.files / 1000}k files`;
  compare(`${label}: start → first provider request (vs raw worktree add + claude)`, timings.toFirstRequest.job, timings.toFirstRequest.hand, "ms", 1.2, phaseSplit(jobs));
  compare(`${label}: worker exit → terminal record (vs raw add, commit, diff, merge-tree)`, timings.exitToEnd.job, timings.exitToEnd.hand, "ms", 2);
  return timings;
}

export async function bigRepository(world: World): Promise<void> {
  const sizes: Size[] = world.quick ? [{ files: 1000, fileBytes: 1000 }] : [{ files: 1000, fileBytes: 10_000 }, { files: 10_000, fileBytes: 10_000 }];
  const reps = world.quick ? 2 : 3;
  const results: Timings[] = [];
  for (const size of sizes) results.push(await timeSize(world, size, reps));
  if (results.length === 2) {
    growth("start → first provider request", results[0]!.toFirstRequest, results[1]!.toFirstRequest);
    growth("worker exit → terminal record", results[0]!.exitToEnd, results[1]!.exitToEnd);
  }
}

/** How a span grows from 1k to 10k files, for the job and for the raw steps. */
function growth(span: string, small: { job: number[]; hand: number[] }, big: { job: number[]; hand: number[] }): void {
  const job = median(big.job) / median(small.job);
  const hand = median(big.hand) / median(small.hand);
  record({ name: `big repo: ${span}, growth 1k → 10k files (vs the raw steps' growth)`, value: round(job), unit: "×", baseline: round(hand), ratio: round(job / hand), target: "reported", met: null });
}
