// Step 4: whatever the worker changed is committed on the job branch, finished or not: nothing is
// thrown away unasked, but a file over the size limit or holding the key is withheld (it never
// becomes an object), and what setup placed in the worktree is never part of the change.
import { commitAll, pendingPaths } from "../../git/commit.js";
import { changeSummary } from "../../git/diffstat.js";
import { changeInventory } from "../../git/inventory.js";
import type { ChangedFile } from "../../facts/change.js";
import { branchHead } from "../../git/loose-refs.js";
import type { EffectivePolicy } from "../../policy/layering.js";
import type { SecretScanner } from "../../secret/redact.js";
import type { JobRecord } from "../../store/record.js";
import { oneLine } from "../../text.js";
import type { StopCause } from "../stopper.js";
import { filesToWithhold } from "../withhold.js";
import type { Prepared } from "./prepare.js";

export type Committed = Required<Pick<JobRecord, "head_commit" | "changes">> & Pick<JobRecord, "withheld">;

/** The commit's facts for the record, and the inventory of base..head the checks and the policy read. */
export interface CommitStep {
  committed: Committed;
  inventory: ChangedFile[];
}

export interface CommitInput {
  job: Readonly<JobRecord>;
  policy: EffectivePolicy;
  prepared: Prepared;
  scanner: SecretScanner;
  /** The worker's final message, if it gave one. */
  summary?: string;
  /** Why the work is partial: the stop, or "failed" for a worker that ended without a result. */
  partial?: StopCause["kind"] | "failed";
}

export async function commitWork({ job, policy, prepared, scanner, summary, partial }: CommitInput): Promise<CommitStep> {
  const subject = partial
    ? `${job.task_label}: partial work (${partial === "cancel" ? "cancelled" : partial})`
    : `${job.task_label}: ${oneLine(summary?.split("\n")[0] || job.task_title, 60)}`;
  await prepared.indexRefreshed();
  const pending = await pendingPaths(prepared.place);
  const withheld = await filesToWithhold(prepared.place, policy, scanner, prepared.placed, pending);
  const message = {
    subject: scanner.redact(subject),
    body: summary && scanner.redact(summary),
    trailers: { "Code-Worker-Job": job.id, "Code-Worker-Model": job.tier.label },
  };
  await commitAll(prepared.place, message, prepared.committer, [...prepared.placed, ...withheld.map((file) => file.path)], pending);
  const head = await jobHead(job);
  const inventory = await changeInventory(job.repo.root, job.base.commit, head);
  return {
    committed: { head_commit: head, changes: changeSummary(inventory), ...(withheld.length ? { withheld } : {}) },
    inventory,
  };
}

/** The job branch's commit, after a commit step or a verdict moved it. */
export async function jobHead(job: Readonly<JobRecord>): Promise<string> {
  const head = await branchHead(job.repo.root, job.repo.common_dir, job.branch);
  if (!head) throw new Error(`the job branch ${job.branch} is gone from ${job.repo.root}`);
  return head;
}
