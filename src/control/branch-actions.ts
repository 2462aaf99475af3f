// After a job has ended: its merge status kept true against the host's moving HEAD, and the host's
// two answers, apply (bring the change into the checkout) or discard (drop worktree and branch).
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { UserError } from "../errors.js";
import { applyJob, discardJob, type ApplyMode } from "../git/apply.js";
import { mergeStatus, type MergeInputs } from "../git/merge.js";
import { headsFromFiles } from "../git/loose-refs.js";
import { resolveAll } from "../git/raw.js";
import { removeWorktree } from "../git/worktree.js";
import { oneLine } from "../text.js";
import { assertTransition, isTerminal, now, type JobRecord } from "../store/record.js";
import { HomeLayout } from "../store/home.js";
import type { JobStore } from "../store/store.js";

/** Computes the merge status, or reuses the recorded one while neither the host's HEAD nor the branch moved. */
export async function freshMerge(store: JobStore, job: JobRecord): Promise<JobRecord> {
  const [inputs] = await currentInputs([job]);
  return inputs ? refreshMerge(store, job, inputs) : job;
}

/**
 * freshMerge for many jobs, as list needs it: one git process per checkout tells which jobs' host
 * HEAD or branch moved, and only those pay for a merge-tree. A job whose status cannot be computed
 * keeps the recorded one rather than failing the whole list.
 */
export async function freshMerges(store: JobStore, jobs: JobRecord[]): Promise<JobRecord[]> {
  const inputs = await currentInputs(jobs);
  const fresh: JobRecord[] = [];
  for (const [i, job] of jobs.entries()) fresh.push(inputs[i] ? await refreshMerge(store, job, inputs[i]).catch(() => job) : job);
  return fresh;
}

/** Each job's host HEAD and branch head, read in one git process per checkout; undefined for a job with nothing to merge. */
async function currentInputs(jobs: JobRecord[]): Promise<(MergeInputs | undefined)[]> {
  const found: (MergeInputs | undefined)[] = jobs.map(() => undefined);
  const byRoot = new Map<string, number[]>();
  jobs.forEach((job, i) => {
    if (job.status === "done" && job.head_commit) byRoot.set(job.repo.root, [...(byRoot.get(job.repo.root) ?? []), i]);
  });
  for (const [root, indexes] of byRoot) {
    const heads =
      (await headsFromFilesOf(
        jobs[indexes[0]!]!,
        indexes.map((i) => jobs[i]!.branch),
      )) ??
      (await resolveAll(root, ["HEAD^{commit}", ...indexes.map((i) => `refs/heads/${jobs[i]!.branch}^{commit}`)]).catch(() => undefined));
    if (!heads) continue; // the checkout is gone: nothing to merge into
    indexes.forEach((jobIndex, k) => {
      const branchHead = heads[k + 1];
      if (branchHead) found[jobIndex] = { hostHead: heads[0], branchHead }; // no branch (deleted by hand): nothing to merge
    });
  }
  return found;
}

/** The same answer as resolveAll's, from the files alone, for a checkout whose git dir is its own `.git`. */
async function headsFromFilesOf(job: JobRecord, branches: string[]): Promise<(string | undefined)[] | undefined> {
  if (job.repo.common_dir !== join(job.repo.root, ".git")) return undefined;
  const found = await headsFromFiles(job.repo.common_dir, branches);
  return found && [found.head, ...found.branches];
}

async function refreshMerge(store: JobStore, job: JobRecord, inputs: MergeInputs): Promise<JobRecord> {
  if (job.merge && job.merge.host_head_full === (inputs.hostHead ?? "") && job.merge.branch_head === inputs.branchHead) return job;
  const merge = {
    ...(await mergeStatus(job.repo.root, job.branch, job.base.commit, { ...inputs, commonDir: job.repo.common_dir })),
    branch_head: inputs.branchHead,
  };
  const updated = { ...job, merge };
  await store.write(updated);
  return updated;
}

export interface ApplyOptions {
  mode?: ApplyMode;
  /** A person has looked at a change the policy sent to review and accepts it. */
  acceptReview?: boolean;
}

export async function applyDoneJob(store: JobStore, job: JobRecord, options: ApplyOptions): Promise<JobRecord> {
  if (job.status === "applied")
    throw new UserError("invalid_state", `job ${job.id} is already applied (${job.applied?.mode}, host HEAD ${job.applied?.host_head})`, {
      job_id: job.id,
      status: job.status,
      host_head: job.applied?.host_head,
    });
  if (job.status !== "done")
    throw new UserError("invalid_state", `job ${job.id} is ${job.status}; only a done job can be applied`, {
      job_id: job.id,
      status: job.status,
    });
  const verdict = job.verdict?.verdict;
  if (verdict === "reject")
    throw new UserError(
      "rejected",
      `job ${job.id} was rejected by policy (${job.verdict!.reasons[0] ?? "see policy explain"}); discard it`,
      { job_id: job.id, reasons: job.verdict!.reasons },
    );
  if (verdict === "review" && !options.acceptReview) {
    const reasons = job.verdict!.reasons;
    throw new UserError(
      "needs_review",
      `job ${job.id} needs a person's review (${reasons[0] ?? "see policy explain"}); apply with accept_review after looking at it`,
      { job_id: job.id, reasons },
    );
  }
  assertTransition(job.id, job.status, "applied");
  const mode = options.mode ?? "commit";
  const summary = job.worker?.summary;
  // A job of several rounds: what each round did, so the commit says the whole change.
  const rounds = (job.rounds ?? []).filter((round) => round.summary);
  const body = rounds.length > 1 ? rounds.map((round) => `Round ${round.n} (${round.kind}): ${round.summary}`).join("\n") : summary;
  const result = await applyJob({
    hostRoot: job.repo.root,
    branch: job.branch,
    baseCommit: job.base.commit,
    mode,
    message: {
      subject: `${job.task_label}: ${oneLine(summary?.split("\n")[0] || job.task_title, 60)}`,
      body,
      trailers: {
        "Code-Worker-Job": job.id,
        "Code-Worker-Verdict": verdict ?? "none",
        ...(verdict === "review" ? { "Code-Worker-Reviewed": "accepted by the host" } : {}),
      },
    },
  });
  // The change is in the host now: record that before anything else can fail, so the job never reads as done.
  const applied: JobRecord = {
    ...job,
    status: "applied",
    applied: { mode, commit: result.commit, host_head: result.host_head, at: now() },
  };
  await store.write(applied);
  // Cleaning up is housekeeping: a worktree left behind goes with code-worker gc, and must not make a landed apply look failed.
  await removeWorktree(job.repo.root, job.worktree).catch(() => undefined);
  await rm(new HomeLayout(job.settings.home).runDir(job.id), { recursive: true, force: true }).catch(() => undefined);
  return applied;
}

/** Removes the worktree and the branch; the small record stays, as discarded. */
export async function discardEndedJob(store: JobStore, job: JobRecord): Promise<JobRecord> {
  if (job.status === "discarded") return job;
  if (!isTerminal(job.status))
    throw new UserError("invalid_state", `job ${job.id} is still ${job.status}; cancel it first`, { job_id: job.id, status: job.status });
  if (job.status === "applied")
    throw new UserError("invalid_state", `job ${job.id} is applied; its branch goes with code-worker gc`, {
      job_id: job.id,
      status: job.status,
    });
  assertTransition(job.id, job.status, "discarded");
  await discardJob(job.repo.root, job.worktree, job.branch);
  await rm(new HomeLayout(job.settings.home).runDir(job.id), { recursive: true, force: true });
  const discarded: JobRecord = { ...job, status: "discarded", discarded_at: now() };
  await store.write(discarded);
  return discarded;
}

/** Whether gc may clean this job: never a running one, nor a done one still waiting to be applied or reviewed. */
export function collectable(job: JobRecord, olderThanMs: number, nowMs: number): boolean {
  if (!isTerminal(job.status) || job.status === "discarded" || job.collected_at) return false;
  const waiting = job.status === "done" && job.changes?.files && job.verdict?.verdict !== "reject";
  if (waiting) return false;
  const endedAt = Date.parse(job.applied?.at ?? job.ended_at ?? job.created_at);
  return nowMs - endedAt >= olderThanMs;
}

/** An applied job keeps its record and loses its branch; any other collectable job is discarded, its outcome kept in collected_from. */
export async function collect(store: JobStore, job: JobRecord): Promise<JobRecord> {
  if (job.status !== "applied") {
    const discarded = await discardEndedJob(store, job);
    const collected = {
      ...discarded,
      collected_at: discarded.discarded_at,
      collected_from: isTerminal(job.status) ? job.status : undefined,
    };
    await store.write(collected);
    return collected;
  }
  await discardJob(job.repo.root, job.worktree, job.branch);
  const collected = { ...job, collected_at: now() };
  await store.write(collected);
  return collected;
}
