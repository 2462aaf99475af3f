// What a person sees in a terminal: the same facts as the compact views, as short lines.
import { isTerminal, type JobRecord, type JobState, type RoundFacts } from "../store/record.js";
import { liveness } from "../control/liveness.js";
import { isUnreadable, type ListedJob } from "../store/store.js";
import { fixedChecks, progressLine } from "./compact.js";

export function describeJob(job: ListedJob, nowMs: number, runnerAlive: boolean): string {
  if (isUnreadable(job)) return `${job.id}  unreadable\n  error   ${job.error}`;
  const lines = [
    `${job.id}  ${progressLine(job, nowMs)}`,
    `  task    ${job.task_title}`,
    `  tier    ${job.tier.chosen}${job.tier.requested === "auto" ? " (auto)" : ""}, model ${job.tier.label}${job.settings.sandbox ? "" : ", no sandbox"}`,
  ];
  lines.push(`  branch  ${job.branch}`);
  lines.push(...roundLines(job));
  if (!isTerminal(job.status)) {
    const live = liveness(job, nowMs, runnerAlive);
    const ages = [
      live.heartbeat_age_s !== undefined && `heartbeat ${live.heartbeat_age_s}s ago`,
      live.last_event_age_s !== undefined && `last event ${live.last_event_age_s}s ago`,
    ].filter(Boolean);
    lines.push(`  runner  ${live.state}${ages.length ? ` (${ages.join(", ")})` : ""}`);
  }
  if (job.changes) {
    const c = job.changes;
    lines.push(`  changes ${c.files} file${c.files === 1 ? "" : "s"} +${c.insertions} -${c.deletions}`);
    for (const file of c.top) lines.push(`          ${file}`);
    if (c.more) lines.push(`          … ${c.more} more`);
  }
  if (job.checks) {
    const c = job.checks;
    lines.push(
      `  checks  ${c.passed} passed, ${c.failed} failed${c.skipped ? `, ${c.skipped} skipped` : ""}${c.failed_names.length ? `: ${c.failed_names.join(", ")}` : ""}`,
    );
  }
  if (job.verdict) {
    lines.push(`  policy  ${job.verdict.verdict}${job.policy_sources ? ` (${job.policy_sources})` : ""}`);
    if (job.policy_unused)
      lines.push(
        `          (${job.policy_unused} in your checkout differs from the base commit's and was not used: commit it to apply it)`,
      );
    for (const reason of job.verdict.reasons) lines.push(`          ${reason}`);
    if (job.verdict.more) lines.push(`          … ${job.verdict.more} more`);
  }
  if (job.merge && job.status === "done") {
    const conflicts = job.merge.conflicts
      ? `: ${job.merge.conflicts.paths.join(", ")}${job.merge.conflicts.count > job.merge.conflicts.paths.length ? ` and ${job.merge.conflicts.count - job.merge.conflicts.paths.length} more` : ""}`
      : "";
    lines.push(`  merge   ${job.merge.status} onto host HEAD ${job.merge.host_head}${conflicts}`);
  }
  if (job.applied)
    lines.push(`  applied ${job.applied.mode}${job.applied.commit ? ` as ${job.applied.commit}` : ""}, host HEAD ${job.applied.host_head}`);
  if (job.worker?.summary) lines.push(`  worker  ${job.worker.summary}`);
  if (job.cancel) lines.push(`  cancel  ${job.cancel.reason}${job.cancel.note ? `: ${job.cancel.note}` : ""}`);
  if (job.error) lines.push(`  error   ${job.error}`);
  return lines.join("\n");
}

/** A line per round once there is more than one, the follow-up still waiting for its runner last. */
export function roundLines(job: JobRecord): string[] {
  const rounds = job.rounds ?? [];
  if (rounds.length + (job.pending_round ? 1 : 0) < 2) return [];
  const lines = rounds.map(
    (round, i) =>
      `  ${roundLine(round, i === rounds.length - 1 && !job.pending_round && !isTerminal(job.status) ? job.status : undefined)}`,
  );
  if (job.pending_round) lines.push(`  round ${job.pending_round.n} · continue · ${job.pending_round.tier} · ${job.status}`);
  const fixed = fixedChecks(job);
  if (fixed.length) lines.push(`  fixed   ${fixed.join(", ")}`);
  return lines;
}

/** `round 2 · fix · fast · 2 passed 0 failed · approve · 6 turns`; a running round shows the job's state instead of a verdict. */
export function roundLine(round: RoundFacts, running?: JobState): string {
  const parts = [`round ${round.n}`, round.kind, `${round.tier}${round.session === "fresh" ? " (fresh session)" : ""}`];
  const checks = round.checks;
  if (checks)
    parts.push(
      `${checks.passed} passed ${checks.failed} failed${checks.failed_names.length ? ` (${checks.failed_names.join(", ")})` : ""}`,
    );
  const end = running ?? round.verdict ?? round.ended;
  if (end) parts.push(end);
  if (round.turns) parts.push(`${round.turns} turn${round.turns === 1 ? "" : "s"}`);
  if (round.cost_usd) parts.push(round.cost_usd < 0.01 ? "<$0.01" : `$${round.cost_usd.toFixed(2)}`);
  return parts.join(" · ");
}
