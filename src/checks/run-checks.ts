// The policy's checks, in order, in the job's worktree after the worker finished: each with its
// own time limit and log; a check whose when_changed paths the change does not touch is skipped.
import type { ChangedFile, CheckOutcome } from "../facts/change.js";
import { checksToRun } from "../policy/evaluate.js";
import type { EffectivePolicy } from "../policy/layering.js";
import { runPolicyCommand, type CommandPlace } from "./run-command.js";

export interface ChecksContext extends Omit<CommandPlace, "network"> {
  onCheck(name: string): void;
}

export async function runChecks(policy: EffectivePolicy, files: ChangedFile[], ctx: ChecksContext): Promise<CheckOutcome[]> {
  const due = new Map(checksToRun(policy, files).map((check) => [check.name, check]));
  const outcomes: CheckOutcome[] = [];
  for (const name of Object.keys(policy.checks)) {
    const check = due.get(name);
    if (!check || ctx.signal.aborted) {
      outcomes.push({ name, outcome: "skipped" });
      continue;
    }
    ctx.onCheck(name);
    const result = await runPolicyCommand(name, check, { ...ctx, network: false });
    outcomes.push({ name, outcome: result.outcome, exit_code: result.exit_code, duration_s: result.duration_s });
  }
  return outcomes;
}

/** What the compact result carries: counts, and the names of what failed. */
export function checkCounts(outcomes: CheckOutcome[]): { passed: number; failed: number; skipped?: number; failed_names: string[] } {
  const failed = outcomes.filter((o) => o.outcome === "fail" || o.outcome === "timeout" || o.outcome === "error");
  const skipped = outcomes.filter((o) => o.outcome === "skipped").length;
  return {
    passed: outcomes.filter((o) => o.outcome === "pass").length,
    failed: failed.length,
    ...(skipped ? { skipped } : {}),
    failed_names: failed.map((o) => (o.outcome === "timeout" ? `${o.name} (timeout)` : o.name)),
  };
}
