import { UserError } from "../../errors.js";
import type { JobRecord } from "../../store/record.js";
import { defineCommand } from "../command.js";
import { required } from "../values.js";

export const policyExplain = defineCommand({
  name: "policy explain",
  usage: "JOB",
  about: "which rules and checks decided a finished job's verdict",
  flags: {},
  maxArgs: 1,
  example: "code-worker policy explain orders-import-fix-k7m2",
  async run([id], _flags, { engine, out }) {
    const jobId = required(id, "JOB", policyExplain);
    const job = await engine().get(jobId);
    const verdict = job.verdict;
    if (!verdict)
      throw new UserError("invalid_state", `job ${jobId} has no verdict (it is ${job.status}); only jobs that reached review have one`, {
        job_id: jobId,
        status: job.status,
      });
    if (out.json) {
      out.print({
        job_id: job.id,
        verdict: verdict.verdict,
        sources: job.policy_sources,
        fired: verdict.fired,
        checks: job.checks?.results,
      });
      return 0;
    }
    for (const line of explanation(job, verdict)) console.log(line);
    return 0;
  },
});

function explanation(job: JobRecord, verdict: NonNullable<JobRecord["verdict"]>): string[] {
  const lines = [`${job.id}: ${verdict.verdict} by ${job.policy_sources}`];
  if (!verdict.fired.length) lines.push("  no rule or check fired");
  for (const rule of verdict.fired) {
    lines.push(
      `  ${rule.verdict.padEnd(6)} ${rule.type === "check" ? `checks.${rule.rule}` : `rules.${rule.rule}`} (${rule.type}): ${rule.reason}`,
    );
    for (const path of rule.paths.slice(0, 5)) lines.push(`           ${path}`);
    if (rule.paths.length > 5) lines.push(`           … ${rule.paths.length - 5} more`);
  }
  for (const check of job.checks?.results ?? []) {
    const detail =
      check.outcome === "skipped" ? "" : ` in ${check.duration_s}s${check.exit_code !== undefined ? `, exit ${check.exit_code}` : ""}`;
    lines.push(`  check ${check.name}: ${check.outcome}${detail}`);
  }
  return lines;
}
