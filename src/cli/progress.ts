// The lines a follower (wait, start --wait) prints: one per change, and one whenever a stretch
// passes with none, so a person never stares at a long silence wondering if anything is alive.
import { liveness } from "../control/liveness.js";
import type { JobRecord } from "../store/record.js";
import { progressLine } from "../views/compact.js";

/** The check running now, from the activity the runner records while checking (`check unit`). */
function runningCheck(job: JobRecord): string | undefined {
  return job.status === "checking" ? /^check (.+)$/.exec(job.worker?.last_activity ?? "")?.[1] : undefined;
}

/** A change the follower saw: `checking · unit` while a check runs, else the job's progress line. */
export function changeLine(job: JobRecord, nowMs: number): string {
  const check = runningCheck(job);
  return check ? `checking · ${check}` : progressLine(job, nowMs);
}

/**
 * A stretch of `silentS` seconds with no change: `quiet · 60s · thinking` while the worker is
 * silent (normal: the model thinks, or a long command runs), `quiet · 90s · checking unit` in a
 * long check, and `stalled · …` when the runner itself stopped beating.
 */
export function quietLine(job: JobRecord, nowMs: number, runnerAlive: boolean, silentS: number): string {
  const live = liveness(job, nowMs, runnerAlive);
  if (live.state === "stalled") return `stalled · no heartbeat for ${live.heartbeat_age_s}s · code-worker status ${job.id}`;
  const check = runningCheck(job);
  const doing = job.status === "working" ? "thinking" : check ? `checking ${check}` : job.status;
  const age = job.status === "working" ? Math.max(live.last_event_age_s ?? 0, silentS) : silentS;
  return `quiet · ${age}s · ${doing}`;
}
