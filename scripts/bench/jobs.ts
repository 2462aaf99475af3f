// A job as a host starts it (the MCP start tool), watched from outside through its record and
// /proc: when it was started, when its worker exited, when its record turned terminal, and,
// when asked, the peak memory of its runner and of its worker tree.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { exited, processTable, tickMs, treeBytes, uptimeMs } from "./proc.js";
import { task } from "./by-hand.js";
import type { Server } from "./world.js";

const terminal = new Set(["done", "failed", "cancelled", "timed_out", "lost"]);

export interface WatchedJob {
  id: string;
  /** Epoch ms just before the start call. */
  startAt: number;
  /** Epoch ms the record says the job ended. */
  endAt: number;
  /** Epoch ms the record says the job left the queue (moved to preparing). */
  preparingAt?: number;
  /** Epoch ms the bench first saw the worker process gone (to within the watch interval). */
  workerExitAt?: number;
  /** From the worker process's start (its start_ticks in the record) to its exit, read off the kernel's clock. */
  workerLifetimeMs?: number;
  status: string;
  error?: string;
  /** The phase split the runner records (phase → ms), when it records one. */
  timings?: Record<string, number>;
  peakRunnerBytes?: number;
  peakWorkerBytes?: number;
}

export interface StartedJob {
  id: string;
  startAt: number;
  recordPath: string;
}

export async function startJob(server: Server, repo: string): Promise<StartedJob> {
  const startAt = Date.now();
  const { result } = await server.call("code_worker_start_implementation", { cwd: repo, task, task_label: "bench", execution_tier: "fast" });
  const id = String(result.job_id);
  return { id, startAt, recordPath: join(repo, ".git", "code-worker", "jobs", id, "job.json") };
}

interface Watch {
  workerExitAt?: number;
  workerLifetimeMs?: number;
  peakRunner: number;
  peakWorker: number;
  done?: WatchedJob;
}

/** Follows started jobs to their terminal records, every intervalMs; one /proc scan a tick serves them all. */
export async function watchJobs(jobs: StartedJob[], options: { intervalMs?: number; memory?: boolean; limitMs?: number } = {}): Promise<WatchedJob[]> {
  const limitMs = options.limitMs ?? 300_000;
  const deadline = Date.now() + limitMs;
  const watches = jobs.map((): Watch => ({ peakRunner: 0, peakWorker: 0 }));
  while (Date.now() < deadline) {
    const table = options.memory ? await processTable() : undefined;
    for (const [i, job] of jobs.entries()) {
      const watch = watches[i]!;
      if (!watch.done) await look(job, watch, table);
    }
    if (watches.every((watch) => watch.done)) return watches.map((watch) => watch.done!);
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 20));
  }
  const late = jobs.filter((_, i) => !watches[i]!.done).map((job) => job.recordPath);
  throw new Error(`jobs did not end within ${limitMs} ms; see the runner.log beside ${late.join(", ")}`);
}

/** One look at a job's record and processes; settles watch.done once the record is terminal. */
async function look(job: StartedJob, watch: Watch, table: Awaited<ReturnType<typeof processTable>> | undefined): Promise<void> {
  const record = await readRecord(job.recordPath);
  if (!record) return;
  const workerPid: number | undefined = record.worker?.pid;
  if (workerPid && watch.workerExitAt === undefined && (await exited(workerPid))) {
    watch.workerExitAt = Date.now();
    if (record.worker.start_ticks) watch.workerLifetimeMs = (await uptimeMs()) - record.worker.start_ticks * tickMs;
  }
  // The runner is its own node process; everything below it (bwrap, socat, Claude Code and its
  // tools) is the worker's: the record names the worker's pid only some time after it started.
  const runnerPid: number | undefined = record.runner?.pid;
  if (table && runnerPid && !terminal.has(record.status)) {
    const runner = table.get(runnerPid)?.rssBytes ?? 0;
    watch.peakRunner = Math.max(watch.peakRunner, runner);
    watch.peakWorker = Math.max(watch.peakWorker, treeBytes(table, runnerPid) - runner);
  }
  if (!terminal.has(record.status)) return;
  watch.done = {
    id: job.id,
    startAt: job.startAt,
    endAt: Date.parse(record.ended_at),
    ...(record.started_at ? { preparingAt: Date.parse(record.started_at) } : {}),
    workerExitAt: watch.workerExitAt,
    workerLifetimeMs: watch.workerLifetimeMs,
    status: record.status,
    error: record.error,
    timings: record.timings,
    ...(table ? { peakRunnerBytes: watch.peakRunner, peakWorkerBytes: watch.peakWorker } : {}),
  };
}

async function readRecord(path: string): Promise<Record<string, any> | undefined> {
  try {
    return JSON.parse(await readFile(path, "utf8")) as Record<string, any>;
  } catch {
    return undefined; // not written yet
  }
}

export async function runJob(server: Server, repo: string): Promise<WatchedJob> {
  return (await watchJobs([await startJob(server, repo)]))[0]!;
}

/** A job that did not end done makes every figure about it meaningless: say why, once. */
export function assertDone(job: WatchedJob): WatchedJob {
  if (job.status !== "done") throw new Error(`bench job ${job.id} ended ${job.status}: ${job.error ?? "no error recorded"}`);
  return job;
}
