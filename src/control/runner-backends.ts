// The backends a job's claim can name. A record written by a backend this control plane does not
// know is followed as a local one would be: by its claim's process.
import type { JobRecord } from "../store/record.js";
import { localRunner } from "./local-runner.js";
import type { RunnerBackend } from "./runner-backend.js";

const backends: Record<string, RunnerBackend> = { [localRunner.name]: localRunner };

/** The backend that runs, or ran, a job: the one its claim names, else the local one. */
export function backendOf(job: Pick<JobRecord, "runner">): RunnerBackend {
  return backends[job.runner?.backend ?? localRunner.name] ?? localRunner;
}
