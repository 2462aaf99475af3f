// On-demand detail of one job, each kind capped: the diff (whole or one path), a check's log
// tail, the worker's activity tail, the worker's whole final message. The host asks; nothing here
// is sent unasked.
import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { UserError } from "../errors.js";
import { git } from "../git/repo.js";
import { capText } from "../views/compact.js";
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
  path?: string;
  text: string;
  bytes: number;
  truncated_bytes?: number;
}

export async function jobDetail(store: JobStore, job: JobRecord, what: DetailKind, path: string | undefined, maxBytes = defaultDetailBytes): Promise<Detail> {
  const { text, keep } = await fullText(store, job, what, path);
  const capped = capText(text, maxBytes, keep);
  return { job_id: job.id, what, ...(path ? { path } : {}), text: capped.text, bytes: Buffer.byteLength(capped.text), ...(capped.truncated_bytes ? { truncated_bytes: capped.truncated_bytes } : {}) };
}

async function fullText(store: JobStore, job: JobRecord, what: DetailKind, path: string | undefined): Promise<{ text: string; keep: "start" | "end" }> {
  switch (what) {
    case "diff":
      return { text: await diff(job, path), keep: "start" };
    case "check_log":
      return { text: await checkLog(store, job, path), keep: "end" };
    case "events": {
      const raw = tailLines(store.file(job.id, "events.jsonl"), store.file(job.id, "events.1.jsonl"), 400);
      const lines = raw.flatMap((line) => activityLine(line, job.worktree)?.split("\n") ?? []);
      return { text: lines.join("\n") || "(no worker activity recorded yet)", keep: "end" };
    }
    case "worker_summary":
      return { text: (await finalMessage(store, job)) ?? job.worker?.summary ?? "(the worker has not finished)", keep: "start" };
  }
}

async function diff(job: JobRecord, path: string | undefined): Promise<string> {
  if (job.withheld?.some((file) => file.why === "secret")) {
    throw new UserError(`job ${job.id}'s change held the provider key (or an encoding of it), so its diff is not served; discard the job`);
  }
  if (!job.head_commit) return "(no commit yet: the job has not reached its commit step)";
  if (path !== undefined && (path.startsWith("-") || path.includes("\0"))) throw new UserError(`path "${path}" is not a repository path`);
  const text = await git(job.repo.root).raw(["diff", "--no-color", "--no-ext-diff", "--no-textconv", `${job.base.commit}..${job.head_commit}`, "--", ...(path ? [path] : [])]);
  return text || (path ? `(the job did not change ${path})` : "(the job changed nothing)");
}

async function checkLog(store: JobStore, job: JobRecord, name: string | undefined): Promise<string> {
  const logs = await readdir(store.checksDir(job.id)).catch(() => [] as string[]);
  const names = logs.filter((file) => file.endsWith(".log")).map((file) => file.slice(0, -4));
  if (!names.length) return "(no checks have run for this job)";
  if (!name) throw new UserError(`say which check with path: one of ${names.join(", ")}`);
  if (!names.includes(name)) throw new UserError(`no check "${name}" ran for this job; these did: ${names.join(", ")}`);
  const log = store.checkLog(job.id, name);
  return existsSync(log) ? readFile(log, "utf8") : "";
}

/** The worker's last message, whole, from its result event. */
async function finalMessage(store: JobStore, job: JobRecord): Promise<string | undefined> {
  const lines = tailLines(store.file(job.id, "events.jsonl"), store.file(job.id, "events.1.jsonl"), 20);
  for (const line of lines.reverse()) {
    try {
      const event = JSON.parse(line) as { type?: string; result?: unknown };
      if (event.type === "result" && typeof event.result === "string") return event.result.trim();
    } catch {
      // not an event
    }
  }
  return undefined;
}
