// The local runner backend: a detached node process per job, in its own process group, unref'd so
// it outlives the server (or CLI) that started it. Alive means the pid is still the process that
// claimed the job (its start time in ticks matches).
//
// A long-lived control plane (the MCP server) keeps one runner started ahead: a spare that has
// loaded its modules and its configuration and waits on a pipe for a job. A job hands itself to the
// spare when there is one, so it does not wait for a node process to start; the spare reads its job
// and logs to that job's runner.log. When the server goes away the pipe closes and the spare exits.
import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, openSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { isAlive, killTree, signal } from "../os/processes.js";
import type { JobRecord } from "../store/record.js";
import type { JobStore } from "../store/store.js";
import type { RunnerBackend } from "./runner-backend.js";

const runnerMain = fileURLToPath(new URL("../runner/main.js", import.meta.url));
/** The argument that makes a runner wait for its job on stdin (src/runner/main.ts reads it). */
const standbyFlag = "--standby";
/** How long after a job took the spare the next one starts, unless the job's runner is gone sooner. */
const refillAfterMs = 5000;

export interface LocalOptions {
  /** Keep one runner started ahead (CODE_WORKER_STANDBY_RUNNER): worth it only in a process that outlives its first job. */
  standby?: boolean;
}

/** The local backend, for runners started with this environment; `close` lets its spare go (jobs already handed run on). */
export function localBackend(env: NodeJS.ProcessEnv, options: LocalOptions = {}): RunnerBackend & { close(): void } {
  if (!options.standby) return { ...localRunner, launch: (store, job) => launchCold(store, job, env), close: () => undefined };
  const spares = sparePool(env);
  return { ...localRunner, launch: (store, job) => spares.hand(store, job, () => launchCold(store, job, env)), close: spares.close };
}

export const localRunner: RunnerBackend = {
  name: "local",
  launch: (store, job) => launchCold(store, job, process.env),
  alive: (claim) => isAlive(claim.pid, claim.start_ticks),
  stop: (claim) => signal(-claim.pid, "SIGTERM"), // the runner leads its own process group
  reap: (job) => {
    const orphan = job.worker;
    if (orphan?.pid && isAlive(orphan.pid, orphan.start_ticks)) killTree(orphan.pid);
  },
};

function launchCold(store: JobStore, job: JobRecord, env: NodeJS.ProcessEnv): void {
  const log = openSync(store.file(job.id, "runner.log"), "a", 0o600);
  try {
    const child = spawn(process.execPath, [runnerMain, store.root, job.id], { detached: true, stdio: ["ignore", log, log], env });
    child.on("error", () => undefined); // a failed spawn shows up as a runner that never claimed the job
    child.unref();
  } finally {
    closeSync(log);
  }
}

/**
 * One spare at a time. The next is started once the job's runner is past its start (refillAfterMs)
 * or gone, whichever is first: a node process loading its modules would slow the job's own start,
 * and jobs seldom come faster than that. A job that finds no spare gets a runner started for it.
 */
function sparePool(env: NodeJS.ProcessEnv): { hand(store: JobStore, job: JobRecord, cold: () => void): void; close(): void } {
  let closed = false;
  let spare: ChildProcess | undefined = startSpare(env);
  let timer: NodeJS.Timeout | undefined;
  const refill = () => {
    clearTimeout(timer);
    if (!closed) spare ??= startSpare(env);
  };
  return {
    hand(store, job, cold) {
      const taken = spare;
      spare = undefined;
      if (!taken) return cold(); // the next spare is on its way
      if (taken.exitCode !== null || taken.signalCode !== null || !taken.stdin?.writable) {
        refill();
        return cold();
      }
      timer = setTimeout(refill, refillAfterMs).unref();
      taken.once("exit", refill);
      // A broken pipe means the job never reached the spare, so no runner holds it yet.
      taken.stdin.once("error", cold);
      taken.stdin.end(`${JSON.stringify({ root: store.root, id: job.id })}\n`);
    },
    close() {
      closed = true;
      clearTimeout(timer);
      spare?.stdin?.end(); // end of input with no job: the spare exits
      spare = undefined;
    },
  };
}

function startSpare(env: NodeJS.ProcessEnv): ChildProcess {
  // Before it has a job a spare has no log to write to; one that fails to start is simply not used.
  const child = spawn(process.execPath, [runnerMain, standbyFlag], { detached: true, stdio: ["pipe", "ignore", "ignore"], env });
  child.on("error", () => undefined);
  child.stdin!.on("error", () => undefined);
  child.unref();
  // Neither the spare nor its pipe keeps this process alive.
  (child.stdin as unknown as { unref(): void }).unref();
  return child;
}
