// Which round comes next, and what the worker is told in it. Pure: the runner's loop asks here after
// each verdict, and the tables in test/unit-rounds.test.ts hold every decision.
import type { Tier } from "../config.js";
import type { CheckOutcome } from "../facts/change.js";
import type { FiredRule } from "../policy/evaluate.js";
import { roundsCost, type RoundFacts, type RoundKind } from "../store/record.js";
import { cutChars } from "../text.js";

export interface RoundLimits {
  max_rounds: number;
  fix_rounds: number;
  max_cost_usd?: number;
}

/** The round the runner starts by itself after a verdict, if any. */
export interface NextRound {
  kind: Extract<RoundKind, "fix" | "escalate">;
  tier: Tier;
}

export interface AfterRound {
  rounds: readonly RoundFacts[];
  limits: RoundLimits;
  checks: readonly CheckOutcome[];
  fired: readonly FiredRule[];
  /** Set for an auto job that started on fast and has a think model to move to. */
  canEscalate: boolean;
}

export function failingChecks(checks: readonly CheckOutcome[]): CheckOutcome[] {
  return checks.filter((check) => check.outcome === "fail" || check.outcome === "timeout" || check.outcome === "error");
}

/**
 * Only failing checks start a round: never a reject from a path, a secret or the floor, which no
 * rewrite of the code is asked to argue with. Fix rounds first, on the same tier; then, for an
 * auto job still failing on fast, one round on think; all within the policy's round and cost caps.
 */
export function nextRound({ rounds, limits, checks, fired, canEscalate }: AfterRound): NextRound | undefined {
  if (!failingChecks(checks).length) return undefined;
  if (fired.some((rule) => rule.verdict === "reject" && rule.type !== "check")) return undefined;
  if (rounds.length >= limits.max_rounds) return undefined;
  if (limits.max_cost_usd !== undefined && roundsCost(rounds) >= limits.max_cost_usd) return undefined;
  const last = rounds.at(-1);
  if (!last) return undefined;
  const sinceAsked = rounds.length - 1 - rounds.findLastIndex((round) => round.kind === "first" || round.kind === "continue");
  if (sinceAsked < limits.fix_rounds) return { kind: "fix", tier: last.tier };
  if (canEscalate && last.tier === "fast" && !rounds.some((round) => round.tier === "think")) return { kind: "escalate", tier: "think" };
  return undefined;
}

const tailBytes = 2048;
const shownChecks = 3;

/** What a fix or escalation round is told: which checks failed and the end of each log. */
export function fixPrompt(failing: readonly { name: string; exit_code?: number; outcome: string; tail: string }[]): string {
  const parts = failing.slice(0, shownChecks).map((check) => {
    const how = check.outcome === "timeout" ? "timed out" : check.exit_code === undefined ? check.outcome : `exit ${check.exit_code}`;
    return `Check ${check.name} failed (${how}). The end of its log:\n${tailOf(check.tail)}`;
  });
  const more = failing.length > shownChecks ? `\n(${failing.length - shownChecks} more failing checks not shown.)` : "";
  return (
    [
      "The checks failed on your change. Fix the code so they pass; do not weaken, skip or delete the checks or their tests.",
      ...parts,
    ].join("\n\n") + more
  );
}

/** A round whose session could not be resumed starts afresh with what the earlier ones left. */
export function freshPrompt(context: { task: string; lastSummary?: string; diff: string; instruction: string }): string {
  return [
    "You are continuing a coding job in this worktree; your earlier session is gone, so here is where it stands.",
    `The original task:\n${cutChars(context.task, 8000)}`,
    context.lastSummary ? `What the last round reported:\n${cutChars(context.lastSummary, 2000)}` : "",
    `The change so far (git diff from the base):\n${context.diff || "(no change yet)"}`,
    `Now:\n${context.instruction}`,
  ]
    .filter(Boolean)
    .join("\n\n");
}

function tailOf(log: string): string {
  const bytes = Buffer.from(log, "utf8");
  if (bytes.length <= tailBytes) return log.trimEnd() || "(empty)";
  return `…${bytes
    .subarray(bytes.length - tailBytes)
    .toString("utf8")
    .replace(/^\uFFFD+/, "")
    .trimEnd()}`;
}
