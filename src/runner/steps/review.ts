// Step 6: the verdict over the committed change and the checks, written into the commit's
// trailers too, and the merge status against the host's HEAD as it is now.
import type { ChangedFile, CheckOutcome } from "../../facts/change.js";
import { setTrailers } from "../../git/commit.js";
import { checkoutHeadsFromFiles } from "../../git/loose-refs.js";
import { mergeStatus } from "../../git/merge.js";
import { evaluatePolicy, summarize } from "../../policy/evaluate.js";
import type { WorkerReport } from "../../worker/report.js";
import { claimReasons } from "../claims.js";
import type { EffectivePolicy } from "../../policy/layering.js";
import type { JobRecord } from "../../store/record.js";
import type { Withheld } from "../../facts/change.js";
import { withWithheldJudged } from "../withhold.js";
import type { Prepared } from "./prepare.js";

export interface ReviewInput {
  job: Readonly<JobRecord>;
  policy: EffectivePolicy;
  prepared: Prepared;
  head: string;
  files: ChangedFile[];
  checks: CheckOutcome[];
  withheld: Withheld[];
  /** The worker's final report, held against the facts. */
  report?: WorkerReport;
  reportProblem?: string;
}

export type Reviewed = Required<Pick<JobRecord, "verdict" | "head_commit">>;

export async function review({
  job,
  policy,
  prepared,
  head,
  files,
  checks,
  withheld,
  report,
  reportProblem,
}: ReviewInput): Promise<Reviewed> {
  const judged = evaluatePolicy(policy, files, checks);
  const checkCommands = Object.fromEntries(
    Object.entries(policy.checks).map(([name, check]) => [name, typeof check.run === "string" ? check.run : check.run.join(" ")]),
  );
  const changedPaths = files.flatMap((file) => (file.oldPath ? [file.path, file.oldPath] : [file.path]));
  const claimed = [...judged.fired, ...claimReasons(report, reportProblem, { checks, checkCommands, changedPaths })];
  const { verdict, fired } = withWithheldJudged(summarize(claimed), claimed, withheld);
  if (head === job.base.commit) return { verdict: { ...verdict, fired }, head_commit: head };
  const last = { commonDir: job.repo.common_dir, branch: job.branch, commit: head };
  const reworded = await setTrailers(prepared.place, last, { "Code-Worker-Verdict": verdict.verdict }, prepared.committer);
  return { verdict: { ...verdict, fired }, head_commit: reworded };
}

/** Step 7: whether the branch merges into the host's HEAD, computed without touching a checkout. */
export async function mergeFacts(job: Readonly<JobRecord>, head: string): Promise<Required<Pick<JobRecord, "merge">>> {
  const heads = await checkoutHeadsFromFiles(job.repo.root, job.repo.common_dir, [job.branch]);
  const branchHead = heads?.branches[0];
  const merge = await mergeStatus(
    job.repo.root,
    job.branch,
    job.base.commit,
    branchHead ? { hostHead: heads.head, branchHead, commonDir: job.repo.common_dir } : undefined,
  );
  return { merge: { ...merge, branch_head: head } };
}
