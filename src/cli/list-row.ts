// A job as `list --json` gives it: an object per row with the same facts as the human line, and
// the repository the job belongs to.
import { elapsedS } from "../control/liveness.js";
import { isUnreadable, type ListedJob } from "../store/store.js";

export type ListRow =
  | { job_id: string; status: "unreadable"; problem: string }
  | {
      job_id: string;
      /** The job's outcome: for a job gc cleaned, the state it had before (cleaned is then true). */
      status: string;
      cleaned?: true;
      tier: string;
      elapsed_s: number;
      changes?: { files: number; insertions: number; deletions: number };
      verdict?: string;
      merge?: string;
      repo: string;
    };

export function listRow(job: ListedJob, nowMs: number): ListRow {
  if (isUnreadable(job)) return { job_id: job.id, status: "unreadable", problem: job.problem };
  const { files, insertions, deletions } = job.changes ?? {};
  return {
    job_id: job.id,
    status: job.collected_from ?? job.status,
    ...(job.collected_at ? { cleaned: true as const } : {}),
    tier: job.tier.chosen,
    elapsed_s: elapsedS(job, nowMs),
    ...(files !== undefined ? { changes: { files, insertions: insertions!, deletions: deletions! } } : {}),
    ...(job.verdict ? { verdict: job.verdict.verdict } : {}),
    ...(job.merge && !job.collected_at ? { merge: job.merge.status } : {}),
    repo: job.repo.root,
  };
}
