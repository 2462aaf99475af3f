// The worker's final report held against the facts: a command it says passed that a check ran and
// saw fail, a file it says it changed that the diff does not touch, or no report at all. Each is a
// review reason, so the host reads the facts next to the claim. Pure.
import { posix } from "node:path";
import type { CheckOutcome } from "../facts/change.js";
import { printable, reasonLine, type FiredRule } from "../policy/evaluate.js";
import { oneLine } from "../text.js";
import type { WorkerReport } from "../worker/report.js";

export interface ClaimFacts {
  checks: CheckOutcome[];
  /** Each check's command as the policy spells it (an argv joined by spaces). */
  checkCommands: Record<string, string>;
  /** Every path the change from the base touches, the old side of a rename included. */
  changedPaths: string[];
}

const rule = "worker-report";
const notPassed: Partial<Record<CheckOutcome["outcome"], string>> = { fail: "failed", timeout: "timed out", error: "could not run" };

export function claimReasons(report: WorkerReport | undefined, problem: string | undefined, facts: ClaimFacts): FiredRule[] {
  if (!report) return [fired(`worker gave no final report (${problem ?? "none was recorded"})`)];
  return [...commandClaims(report, facts), ...fileClaims(report, facts)];
}

/** One reason per check that failed although a command the worker says passed is that check. */
function commandClaims(report: WorkerReport, facts: ClaimFacts): FiredRule[] {
  const passed = report.commands.filter((claim) => claim.outcome === "pass");
  return facts.checks.flatMap((check) => {
    const verb = notPassed[check.outcome];
    const command = facts.checkCommands[check.name];
    const claim = verb && passed.find((c) => c.command.trim() === check.name || (command !== undefined && runsCommand(c.command, command)));
    return claim ? [fired(`worker says \`${shown(claim.command)}\` passed; check ${check.name} ${verb}`)] : [];
  });
}

/**
 * The claimed command line runs the check's command: equal once spaces are folded, or one of its
 * steps is (`cd app && npm test`, `npm test 2>&1 | tail -20`).
 */
function runsCommand(claimed: string, command: string): boolean {
  const fold = (text: string) => text.replace(/\s+/g, " ").trim();
  const wanted = fold(command);
  if (fold(claimed) === wanted) return true;
  return claimed.split(/&&|\|\||[;|\n]/).some((step) => fold(step.replace(/\s\d?>&\d\s*$/, "")) === wanted);
}

/** The files the worker says it changed that the diff does not touch, as one reason. */
function fileClaims(report: WorkerReport, facts: ClaimFacts): FiredRule[] {
  const touched = facts.changedPaths.map((path) => posix.normalize(path));
  const untouched = [...new Set(report.files_changed.map((path) => posix.normalize(path.trim())))].filter(
    // A worker may name a file by its absolute path in the worktree, which this pure check does not know.
    (claimed) => claimed && !touched.some((path) => claimed === path || claimed.endsWith(`/${path}`)),
  );
  if (!untouched.length) return [];
  if (untouched.length === 1) return [fired(`worker says it changed ${shown(untouched[0]!)}; the diff does not touch it`, untouched)];
  return [fired(`worker says it changed ${untouched.length} files the diff does not touch`, untouched, untouched.map(printable))];
}

function fired(text: string, paths: string[] = [], items: string[] = []): FiredRule {
  return { rule, type: "claims", verdict: "review", reason: reasonLine(rule, undefined, { text, items, paths }), paths };
}

function shown(text: string): string {
  return printable(oneLine(text, 60));
}
