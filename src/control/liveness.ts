// Liveness, computed on read from the record: never stored, so it cannot go stale.
import { heartbeatMs, isTerminal, type JobRecord } from "../store/record.js";

export type LivenessState = "running" | "quiet" | "stalled" | "exited" | "dead";

export interface Liveness {
  state: LivenessState;
  heartbeat_age_s?: number;
  last_event_age_s?: number;
  last_activity?: string;
  turns: number;
  elapsed_s: number;
}

/** A heartbeat older than this means the runner is alive but not making progress. */
export const staleHeartbeatMs = 6 * heartbeatMs;
/** No worker event for this long is "quiet": normal for long thinking or a long command. */
export const quietMs = 60_000;

export function liveness(job: JobRecord, nowMs: number, runnerAlive: boolean): Liveness {
  const facts = {
    heartbeat_age_s: ageS(job.runner?.heartbeat_at, nowMs),
    last_event_age_s: ageS(job.worker?.last_event_at, nowMs),
    last_activity: job.worker?.last_activity,
    turns: job.worker?.turns ?? 0,
    elapsed_s: elapsedS(job, nowMs),
  };
  if (isTerminal(job.status)) return { ...facts, state: job.status === "lost" ? "dead" : "exited" };
  if (!runnerAlive) return { ...facts, state: "dead" };
  if ((facts.heartbeat_age_s ?? 0) * 1000 > staleHeartbeatMs) return { ...facts, state: "stalled" };
  const silentMs = (facts.last_event_age_s ?? 0) * 1000;
  return { ...facts, state: job.status === "working" && silentMs > quietMs ? "quiet" : "running" };
}

export function elapsedS(job: JobRecord, nowMs: number): number {
  const end = job.ended_at ? Date.parse(job.ended_at) : nowMs;
  return Math.max(0, Math.round((end - Date.parse(job.created_at)) / 1000));
}

function ageS(at: string | undefined, nowMs: number): number | undefined {
  return at === undefined ? undefined : Math.max(0, Math.round((nowMs - Date.parse(at)) / 1000));
}

/** Polling interval for hosts: short while a job is young, sparse once it has run a while. */
export function nextPollS(job: JobRecord, nowMs: number): number | undefined {
  if (isTerminal(job.status)) return undefined;
  const age = elapsedS(job, nowMs);
  if (age < 30) return 5;
  if (age < 120) return 15;
  if (age < 600) return 30;
  return 60;
}
