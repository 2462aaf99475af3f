// The compact shapes a host reads. Each has a byte budget: whatever the worker did, a view is cut
// to fit (lists first, then text) and says how much it left out.
import { isTerminal, type JobRecord } from "../store/record.js";
import { liveness, nextPollS, type Liveness } from "../control/liveness.js";
import { isUnreadable, type ListedJob, type UnreadableJob } from "../store/store.js";
import { cutChars, oneLine } from "../text.js";

export const resultBudget = 1024;
export const listLineBudget = 160;

export type Next = "wait" | "apply" | "review" | "discard" | "inspect" | "none";

export interface CompactResult {
  job_id: string;
  task_label: string;
  status: JobRecord["status"];
  execution_tier: string;
  tier_auto?: true;
  model_label: string;
  elapsed_s: number;
  branch: string;
  sandbox?: "none";
  error?: string;
  changes?: { files: number; insertions: number; deletions: number; top: string[]; more?: number };
  checks?: { passed: number; failed: number; skipped?: number; failed_names: string[] };
  policy?: { verdict: "approve" | "review" | "reject"; reasons: string[]; more?: number; unused?: string };
  merge?: { status: string; conflicts?: { paths: string[]; count: number }; base: string; host_head?: string };
  worker?: { turns: number; summary?: string };
  /** The last round's n and how many ran, when more than one did. */
  round?: number;
  rounds?: number;
  /** Checks that failed in an earlier round and pass in the last. */
  fixed?: string[];
  /** The tiers the rounds ran on, when more than one; escalated when the auto tier moved up. */
  tiers?: string[];
  escalated?: true;
  next: Next;
}

export interface ActiveView {
  job_id: string;
  task_label: string;
  status: JobRecord["status"];
  execution_tier: string;
  model_label: string;
  liveness: Liveness;
  /** The round running, when it is not the first. */
  round?: number;
  next_poll_s?: number;
}

/** A job whose record cannot be read: all that is known, and the line that says what to do. */
export interface UnreadableView {
  job_id: string;
  status: "unreadable";
  error: string;
}

/** What get_job returns: liveness while the job runs, the compact result once it has ended. */
export function jobView(job: JobRecord, nowMs: number, runnerAlive: boolean): ActiveView | CompactResult;
export function jobView(job: ListedJob, nowMs: number, runnerAlive: boolean): ActiveView | CompactResult | UnreadableView;
export function jobView(job: ListedJob, nowMs: number, runnerAlive: boolean): ActiveView | CompactResult | UnreadableView {
  if (isUnreadable(job)) return unreadableView(job);
  if (isTerminal(job.status)) return compactResult(job, nowMs);
  return {
    job_id: job.id,
    task_label: job.task_label,
    status: job.status,
    execution_tier: job.tier.chosen,
    model_label: job.tier.label,
    liveness: trimLiveness(liveness(job, nowMs, runnerAlive)),
    ...laterRound(job),
    next_poll_s: nextPollS(job, nowMs),
  };
}

export function unreadableView(job: UnreadableJob): UnreadableView {
  return { job_id: job.id, status: job.status, error: oneLine(job.error, 500) };
}

export function compactResult(job: JobRecord, nowMs: number): CompactResult {
  const view: CompactResult = {
    job_id: job.id,
    task_label: job.task_label,
    status: job.status,
    execution_tier: job.tier.chosen,
    ...(job.tier.requested === "auto" ? { tier_auto: true as const } : {}),
    model_label: job.tier.label,
    elapsed_s: liveness(job, nowMs, false).elapsed_s,
    branch: job.branch,
    ...(job.settings.sandbox ? {} : { sandbox: "none" as const }),
    ...(job.error ? { error: oneLine(job.error, 300) } : {}),
    ...(job.changes ? { changes: { ...job.changes, top: [...job.changes.top], more: job.changes.more || undefined } } : {}),
    ...(job.checks
      ? {
          checks: {
            passed: job.checks.passed,
            failed: job.checks.failed,
            ...(job.checks.skipped ? { skipped: job.checks.skipped } : {}),
            failed_names: [...job.checks.failed_names],
          },
        }
      : {}),
    ...(job.verdict
      ? {
          policy: {
            verdict: job.verdict.verdict,
            reasons: [...job.verdict.reasons],
            ...(job.verdict.more ? { more: job.verdict.more } : {}),
            ...(job.policy_unused ? { unused: `${job.policy_unused} (uncommitted)` } : {}),
          },
        }
      : {}),
    ...mergeView(job),
    ...(job.worker ? { worker: { turns: job.worker.turns, summary: job.worker.summary && oneLine(job.worker.summary, 240) } } : {}),
    ...roundsView(job),
    next: nextStep(job),
  };
  return fit(view, resultBudget);
}

/** What the rounds add to a result: nothing for a one-round job. */
function roundsView(job: JobRecord): Pick<CompactResult, "round" | "rounds" | "fixed" | "tiers" | "escalated"> {
  const rounds = job.rounds ?? [];
  if (rounds.length < 2) return {};
  const fixed = fixedChecks(job);
  const tiers = [...new Set(rounds.map((round) => round.tier))];
  return {
    round: rounds.at(-1)!.n,
    rounds: rounds.length,
    ...(fixed.length ? { fixed } : {}),
    ...(tiers.length > 1 ? { tiers } : {}),
    ...(rounds.some((round) => round.kind === "escalate") ? { escalated: true as const } : {}),
  };
}

/** Check names that failed in some earlier round and pass in the last (which must have run its checks). */
export function fixedChecks(job: JobRecord): string[] {
  const rounds = job.rounds ?? [];
  if (!rounds.at(-1)?.checks) return [];
  const failedBefore = new Set(rounds.slice(0, -1).flatMap((round) => round.checks?.failed_names ?? []));
  return (job.checks?.results ?? []).filter((check) => check.outcome === "pass" && failedBefore.has(check.name)).map((check) => check.name);
}

function mergeView(job: JobRecord): Pick<CompactResult, "merge"> {
  const base = job.base.commit.slice(0, 7);
  if (job.status === "applied") return { merge: { status: "applied", base, host_head: job.applied?.host_head } };
  if (job.status === "discarded") return { merge: { status: "discarded", base } };
  if (!job.merge) return {};
  const { status, conflicts, host_head } = job.merge;
  return {
    merge: { status, ...(conflicts ? { conflicts: { paths: [...conflicts.paths], count: conflicts.count } } : {}), base, host_head },
  };
}

/** What the host should do: apply an approved change that merges, look at what needs a person, drop the rest. */
function nextStep(job: JobRecord): Next {
  if (!isTerminal(job.status)) return "wait";
  if (job.status === "applied" || job.status === "discarded") return "none";
  if (job.status !== "done") return "inspect";
  // An empty merge is a change the host's HEAD already has (or none at all): apply would refuse it.
  if (!job.changes?.files || job.verdict?.verdict === "reject" || job.merge?.status === "empty") return "discard";
  if (job.merge?.status === "conflicts") return "inspect";
  return job.verdict?.verdict === "approve" ? "apply" : "review";
}

function trimLiveness(live: Liveness): Liveness {
  return live.last_activity ? { ...live, last_activity: oneLine(live.last_activity, 80) } : live;
}

/** Cuts the longest parts until the JSON fits: the file list, then the summary, then the error. */
export function fit(view: CompactResult, budget: number): CompactResult {
  const size = () => Buffer.byteLength(JSON.stringify(view));
  while (size() > budget && view.changes && view.changes.top.length > 1) {
    view.changes.top.pop();
    view.changes.more = (view.changes.more ?? 0) + 1;
  }
  while (size() > budget && view.policy && view.policy.reasons.length > 1) {
    view.policy.reasons.pop();
    view.policy.more = (view.policy.more ?? 0) + 1;
  }
  while (size() > budget && view.checks && view.checks.failed_names.length > 1) view.checks.failed_names.pop();
  while (size() > budget && view.merge?.conflicts && view.merge.conflicts.paths.length > 1) view.merge.conflicts.paths.pop();
  while (size() > budget && view.fixed && view.fixed.length > 1) view.fixed.pop();
  const shorten = (text: string | undefined, set: (t: string) => void, floor = 40) => {
    while (text && size() > budget && Array.from(text).length > floor) {
      text = cutChars(text, Math.floor(Array.from(text).length * 0.7) + 1);
      set(text);
    }
  };
  if (view.worker) {
    const worker = view.worker;
    shorten(worker.summary, (t) => (worker.summary = t));
  }
  shorten(view.error, (t) => (view.error = t));
  // Still over: the one entry each list kept is cut short too, then dropped (its count stays).
  const lists = [view.changes?.top, view.policy?.reasons, view.checks?.failed_names, view.merge?.conflicts?.paths, view.fixed].filter(
    (list) => list?.length,
  ) as string[][];
  for (const list of lists) list.forEach((entry, i) => shorten(entry, (t) => (list[i] = t), 24));
  for (const list of lists) {
    if (size() <= budget) break;
    list.length = 0;
  }
  return view;
}

/** One short line of facts per job, for lists. */
export function listLine(job: ListedJob, nowMs: number): string {
  if (isUnreadable(job)) return oneLine(`${job.id} unreadable job.json (${job.problem})`, listLineBudget);
  const live = liveness(job, nowMs, true);
  const changes = job.changes ? ` ${job.changes.files}f +${job.changes.insertions} -${job.changes.deletions}` : "";
  // A job gc cleaned keeps the outcome it had (failed, done and rejected), beside the fact.
  const outcome = job.collected_from ?? job.status;
  const verdict =
    outcome === "done" && job.verdict
      ? ` ${job.verdict.verdict}${job.merge && job.merge.status !== "clean" && !job.collected_at ? ` ${job.merge.status}` : ""}`
      : "";
  const cleaned = job.collected_at ? " cleaned" : "";
  return oneLine(`${job.id} ${outcome} ${job.tier.chosen} ${live.elapsed_s}s${changes}${verdict}${cleaned}`, listLineBudget);
}

/** What a person watching a job sees change: `working · Edit src/sum.js · 3 turns · 4s` (`working · round 2 · …` past the first). */
export function progressLine(job: JobRecord, nowMs: number): string {
  const live = liveness(job, nowMs, true);
  const parts: string[] = [job.status];
  const round = laterRound(job).round;
  if (round) parts.push(isTerminal(job.status) ? `${round} rounds` : `round ${round}`);
  if (!isTerminal(job.status) && live.last_activity) parts.push(oneLine(live.last_activity, 80));
  if (live.turns) parts.push(`${live.turns} turn${live.turns === 1 ? "" : "s"}`);
  parts.push(`${live.elapsed_s}s`);
  return parts.join(" · ");
}

export interface StartView {
  job_id: string;
  status: JobRecord["status"];
  execution_tier: string;
  tier_auto?: true;
  model_label: string;
  branch: string;
  sandbox?: "none";
  error?: string;
  round?: number;
  next_poll_s?: number;
}

/** What starting a job returns: enough to poll it, nothing more. */
export function startView(job: JobRecord, nowMs: number): StartView {
  return {
    job_id: job.id,
    status: job.status,
    execution_tier: job.tier.chosen,
    ...(job.tier.requested === "auto" ? { tier_auto: true as const } : {}),
    model_label: job.tier.label,
    branch: job.branch,
    ...(job.settings.sandbox ? {} : { sandbox: "none" as const }),
    ...(job.error ? { error: oneLine(job.error, 300) } : {}),
    ...laterRound(job),
    next_poll_s: nextPollS(job, nowMs),
  };
}

/** A job's newest round: the follow-up waiting for its runner, else the last that ran. */
export function currentRound(job: JobRecord): number {
  return job.pending_round?.n ?? job.rounds?.at(-1)?.n ?? 1;
}

function laterRound(job: JobRecord): { round?: number } {
  const n = currentRound(job);
  return n > 1 ? { round: n } : {};
}
