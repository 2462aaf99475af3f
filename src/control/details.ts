// On-demand detail of one job, each kind capped: the diff (whole or one path), a check's log
// tail, the worker's activity tail, the worker's whole final message, each of one round (default
// the last; the diff is the whole change unless a round is asked for). The host asks; nothing here
// is sent unasked.
import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { UserError } from "../errors.js";
import { git } from "../git/repo.js";
import { capText } from "../text.js";
import { currentRound } from "../views/compact.js";
import { activityLine } from "../worker/stream.js";
import { tailLines } from "../store/event-log.js";
import type { JobRecord } from "../store/record.js";
import type { JobStore } from "../store/store.js";

export const detailKinds = ["diff", "check_log", "events", "worker_summary"] as const;
export type DetailKind = (typeof detailKinds)[number];
export const defaultDetailBytes = 8192;
export const maxDetailBytes = 65_536;

export interface Detail {
  job_id: string;
  what: DetailKind;
  round?: number;
  path?: string;
  text: string;
  bytes: number;
  truncated_bytes?: number;
}

/** The round asked for, default the last; one that does not exist is refused with the range that does. */
export function roundOf(job: JobRecord, requested: number | undefined): number {
  const last = currentRound(job);
  if (requested === undefined) return last;
  if (!Number.isInteger(requested) || requested < 1 || requested > last) {
    throw new UserError(
      "not_found",
      `job ${job.id} has no round ${requested}; ${last === 1 ? "it has only round 1" : `its rounds are 1 to ${last}`}`,
      { job_id: job.id, round: requested, rounds: last },
    );
  }
  return requested;
}

export async function jobDetail(
  store: JobStore,
  job: JobRecord,
  what: DetailKind,
  path: string | undefined,
  maxBytes = defaultDetailBytes,
  round?: number,
): Promise<Detail> {
  const n = roundOf(job, round);
  const { text, keep } = await fullText(store, job, what, path, n, round !== undefined);
  const capped = capText(text, maxBytes, keep);
  return {
    job_id: job.id,
    what,
    ...(currentRound(job) > 1 ? { round: n } : {}),
    ...(path ? { path } : {}),
    text: capped.text,
    bytes: Buffer.byteLength(capped.text),
    ...(capped.truncated_bytes ? { truncated_bytes: capped.truncated_bytes } : {}),
  };
}

async function fullText(
  store: JobStore,
  job: JobRecord,
  what: DetailKind,
  path: string | undefined,
  round: number,
  asked: boolean,
): Promise<{ text: string; keep: "start" | "end" }> {
  switch (what) {
    case "diff":
      return { text: await diff(job, path, asked ? round : undefined), keep: "start" };
    case "check_log":
      return { text: await checkLog(store, job, path, round), keep: "end" };
    case "events": {
      const lines = eventLines(store, job, round, 400).flatMap((line) => activityLine(line, job.worktree)?.split("\n") ?? []);
      return { text: lines.join("\n") || "(no worker activity recorded yet)", keep: "end" };
    }
    case "worker_summary": {
      // The record's summary is the last round's.
      const fallback = round === currentRound(job) ? job.worker?.summary : undefined;
      return { text: finalMessage(eventLines(store, job, round, 20)) ?? fallback ?? "(the worker has not finished)", keep: "start" };
    }
  }
}

/** The newest raw event lines of one round. */
export function eventLines(store: JobStore, job: JobRecord, round: number, count: number): string[] {
  return tailLines(store.roundFile(job.id, round, "events.jsonl"), store.roundFile(job.id, round, "events.1.jsonl"), count);
}

/** The whole change from the base, or, when a round is asked for, that round's own commits. */
async function diff(job: JobRecord, path: string | undefined, round: number | undefined): Promise<string> {
  if (job.withheld?.some((file) => file.why === "secret")) {
    throw new UserError(
      "rejected",
      `job ${job.id}'s change held the provider key (or an encoding of it), so its diff is not served; discard the job`,
      { job_id: job.id },
    );
  }
  const [from, to] = round === undefined ? [job.base.commit, job.head_commit] : roundSpan(job, round);
  if (!to) return round === undefined ? "(no commit yet: the job has not reached its commit step)" : `(round ${round} made no commit)`;
  if (path !== undefined && (path.startsWith("-") || path.includes("\0")))
    throw new UserError("invalid_input", `path "${path}" is not a repository path`, { field: "path" });
  const text = await git(job.repo.root).raw([
    "diff",
    "--no-color",
    "--no-ext-diff",
    "--no-textconv",
    `${from}..${to}`,
    "--",
    ...(path ? [path] : []),
  ]);
  const who = round === undefined ? "the job" : `round ${round}`;
  return text || (path ? `(${who} did not change ${path})` : `(${who} changed nothing)`);
}

/** A round's commits run from the head the round before it left (the base for the first) to its own. */
function roundSpan(job: JobRecord, round: number): [string, string | undefined] {
  const rounds = job.rounds ?? [];
  if (!rounds.length) return [job.base.commit, job.head_commit]; // a record from before rounds: its one round
  const at = rounds.findIndex((facts) => facts.n === round);
  if (at === -1) return [job.base.commit, undefined]; // a follow-up still waiting for its runner
  const before = rounds.slice(0, at).findLast((facts) => facts.head_commit)?.head_commit ?? job.base.commit;
  return [before, rounds[at]!.head_commit];
}

async function checkLog(store: JobStore, job: JobRecord, name: string | undefined, round: number): Promise<string> {
  const logs = await readdir(store.checksDir(job.id, round)).catch(() => [] as string[]);
  const names = logs.filter((file) => file.endsWith(".log")).map((file) => file.slice(0, -4));
  const where = currentRound(job) > 1 ? `in round ${round}` : "for this job";
  if (!names.length) return `(no checks have run ${where})`;
  if (!name)
    throw new UserError("invalid_input", `say which check with path: one of ${names.join(", ")}`, { field: "path", checks: names });
  if (!names.includes(name))
    throw new UserError("not_found", `no check "${name}" ran ${where}; these did: ${names.join(", ")}`, { check: name, checks: names });
  const log = store.checkLog(job.id, name, round);
  return existsSync(log) ? readFile(log, "utf8") : "";
}

/** The worker's last message, whole, from its result event. */
function finalMessage(lines: string[]): string | undefined {
  for (const line of lines.reverse()) {
    try {
      const event = JSON.parse(line) as { type?: string; result?: unknown; structured_output?: { summary?: unknown } };
      // With a final report, `result` is the report's JSON; its summary is the message.
      const summary = event.structured_output?.summary;
      if (event.type === "result" && typeof summary === "string") return summary.trim();
      if (event.type === "result" && typeof event.result === "string") return event.result.trim();
    } catch {
      // not an event
    }
  }
  return undefined;
}
