// What one job's worker is told and allowed by Claude Code's permission rules. Where it can reach
// is the OS confinement's to decide (runtime.ts); these rules shape what it tries.
import type { JobRecord } from "../store/record.js";

export const defaultMaxTurns = 60;

/** Without a policy list: read anything, write in the worktree, run commands. */
export const allowRules = ["Read", "Glob", "Grep", "Edit(./**)", "Bash"];

/**
 * The policy's allow list, or ours. A bare Edit or Write is narrowed to the worktree (which
 * matters with the sandbox off); Claude Code's Edit rules cover every file-writing tool, Write's
 * own are not consulted for paths.
 */
export function workerAllowRules(policyAllow: string[] | undefined): string[] {
  if (!policyAllow) return allowRules;
  return [...new Set(policyAllow.map((rule) => (rule === "Edit" || rule === "Write" ? "Edit(./**)" : rule)))];
}
export const denyRules = ["Bash(git push:*)", "Bash(git remote:*)", "Bash(git config:*)", "WebFetch", "WebSearch"];

/** The system prompt's addition: where the worker is, what it may do, and how its work is judged. */
export function instructions(job: Readonly<JobRecord>, checks: Record<string, { run: string | string[] }>): string {
  const names = Object.entries(checks).map(
    ([name, check]) => `${name} (${typeof check.run === "string" ? check.run : check.run.join(" ")})`,
  );
  return [
    `You are a code-worker job in a git worktree (branch ${job.branch}).`,
    "Make the change the task asks for, in files under the current directory only.",
    names.length
      ? `When you finish, these checks run on your change and decide whether it is accepted: ${names.join("; ")}. Run them yourself first when you can.`
      : "Run the project's tests or checks when there are any.",
    "Do not commit, push, switch branches or change git configuration: code-worker commits your changes when you finish.",
    "End with one or two sentences saying what you changed and how you checked it.",
  ].join(" ");
}
