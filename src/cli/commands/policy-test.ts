import { resolve } from "node:path";
import { loadConfig } from "../../config.js";
import { defineCommand } from "../command.js";
import { exitCodes } from "../exit-codes.js";
import { cwdFlag } from "../flags.js";
import { runTrial, type Trial, type TrialStep } from "../policy-trial.js";

/**
 * Runs the committed policy's worktree setup and checks on a throwaway worktree of HEAD, in a
 * job's sandbox, with no worker: each step's outcome and log tail, and a line for what the sandbox
 * lacked. Exit 0 when every step passed, 1 when one did not or Ctrl-C stopped it.
 */
export const policyTest = defineCommand({
  name: "policy test",
  usage: "[--checks] [--setup] [--cwd DIR]",
  about: "run the committed policy's setup and checks on a throwaway\nworktree of HEAD, in a job's sandbox, with no worker",
  flags: {
    checks: { type: "boolean", about: "run the checks (worktree.copy and .link still placed, setup steps not run)" },
    setup: { type: "boolean", about: "run worktree setup only, no checks" },
    cwd: cwdFlag,
  },
  maxArgs: 0,
  example: "code-worker policy test --checks",
  async run(_args, flags, { out }) {
    const both = !flags.checks && !flags.setup;
    const setup = both || flags.setup === true;
    const checks = both || flags.checks === true;
    const abort = new AbortController();
    const stop = () => abort.abort();
    process.once("SIGINT", stop);
    let trial: Trial;
    try {
      trial = await runTrial({
        cwd: resolve(flags.cwd ?? process.cwd()),
        setup,
        checks,
        config: loadConfig(),
        signal: abort.signal,
      });
    } finally {
      process.removeListener("SIGINT", stop);
    }
    const count = (test: (step: TrialStep) => boolean) => trial.steps.filter(test).length;
    const tally = {
      passed: count((step) => step.outcome === "pass"),
      failed: count((step) => step.outcome !== "pass" && step.outcome !== "not_run"),
      not_run: count((step) => step.outcome === "not_run"),
    };
    const asked = [checks && "checks", setup && "worktree.setup steps"].filter(Boolean).join(" or ");
    if (out.json) out.print({ ...trial, ...tally });
    else console.log(trialLines(trial, asked, tally, abort.signal.aborted).join("\n"));
    return abort.signal.aborted || tally.failed + tally.not_run ? exitCodes.failed : exitCodes.ok;
  },
});

function trialLines(trial: Trial, asked: string, tally: { passed: number; failed: number; not_run: number }, stopped: boolean): string[] {
  const lines = [`policy test: HEAD ${trial.commit.slice(0, 7)}, ${trial.policy}, sandbox ${trial.sandbox ? "on" : "off"}`];
  if (trial.uncommitted) lines.push(`  (${trial.uncommitted} in your checkout differs from HEAD's and was not used: commit it to test it)`);
  lines.push(...trial.hints.map((hint) => `  ! ${hint}`));
  for (const step of trial.steps) {
    lines.push(stepLine(step, stopped), ...step.tail.map((line) => `  │ ${line}`), ...step.hints.map((hint) => `  ! ${hint}`));
  }
  const gone = "the throwaway worktree is removed";
  if (stopped) lines.push(`stopped; ${gone}`);
  else if (!trial.steps.length) lines.push(`nothing ran: the policy has no ${asked}`);
  else lines.push(`${tally.passed} passed, ${tally.failed} failed${tally.not_run ? `, ${tally.not_run} not run` : ""}; ${gone}`);
  return lines;
}

/** `check unit: fail (exit 1) after 0.4s · npm test`. */
function stepLine(step: TrialStep, stopped: boolean): string {
  const after = `${step.duration_s}s`;
  const how =
    step.outcome === "pass"
      ? `pass in ${after}`
      : step.outcome === "fail"
        ? `fail (exit ${step.exit_code}) after ${after}`
        : step.outcome === "timeout"
          ? `timeout after ${after}`
          : step.outcome === "error"
            ? "could not start"
            : `not run (${stopped ? "stopped" : "a setup step failed"})`;
  const when = step.when_changed ? ` · in a job, only when ${step.when_changed.join(", ")} changed` : "";
  return `${step.kind} ${step.name}: ${how} · ${step.run}${when}`;
}
