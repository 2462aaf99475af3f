// The local runner backend: a detached node process per job, in its own process group, stdio to
// runner.log, unref'd so it outlives the server (or CLI) that started it. Alive means the pid is
// still the process that claimed the job (its start time in ticks matches).
import { spawn } from "node:child_process";
import { closeSync, openSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { isAlive, killTree, signal } from "../os/processes.js";
import type { JobRecord } from "../store/record.js";
import type { JobStore } from "../store/store.js";
import type { RunnerBackend } from "./runner-backend.js";

const runnerMain = fileURLToPath(new URL("../runner/main.js", import.meta.url));

/** The local backend, for runners started with this environment. */
export function localBackend(env: NodeJS.ProcessEnv): RunnerBackend {
  return { ...localRunner, launch: (store, job) => launchLocal(store, job, env) };
}

export const localRunner: RunnerBackend = {
  name: "local",
  launch: (store, job) => launchLocal(store, job, process.env),
  alive: (claim) => isAlive(claim.pid, claim.start_ticks),
  stop: (claim) => signal(-claim.pid, "SIGTERM"), // the runner leads its own process group
  reap: (job) => {
    const orphan = job.worker;
    if (orphan?.pid && isAlive(orphan.pid, orphan.start_ticks)) killTree(orphan.pid);
  },
};

function launchLocal(store: JobStore, job: JobRecord, env: NodeJS.ProcessEnv): void {
  const log = openSync(store.file(job.id, "runner.log"), "a", 0o600);
  try {
    const child = spawn(process.execPath, [runnerMain, store.root, job.id], { detached: true, stdio: ["ignore", log, log], env });
    child.on("error", () => undefined); // a failed spawn shows up as a runner that never claimed the job
    child.unref();
  } finally {
    closeSync(log);
  }
}
