// The worker's report held against the facts, as a table: what the worker says, what the checks and
// the diff say, and the review reasons that come of it.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { CheckOutcome } from "../src/facts/change.js";
import { claimReasons, type ClaimFacts } from "../src/runner/claims.js";
import type { WorkerReport } from "../src/worker/report.js";

const checks = (outcomes: Record<string, CheckOutcome["outcome"]>): CheckOutcome[] =>
  Object.entries(outcomes).map(([name, outcome]) => ({ name, outcome }));
const facts = (over: Partial<ClaimFacts> = {}): ClaimFacts => ({
  checks: checks({ unit: "fail", lint: "pass" }),
  checkCommands: { unit: "npm test", lint: "npx eslint ." },
  changedPaths: ["src/a.ts", "test/a.test.ts"],
  ...over,
});
const report = (commands: [string, "pass" | "fail" | "not_run"][], files: string[] = ["src/a.ts"]): WorkerReport => ({
  summary: "Fixed it.",
  commands: commands.map(([command, outcome]) => ({ command, outcome })),
  files_changed: files,
});

test("a claim that disagrees with a check or the diff is a review reason that says both sides", () => {
  const cases: [string, WorkerReport | undefined, string | undefined, ClaimFacts, string[]][] = [
    [
      "claims agree with the facts",
      report([
        ["npx eslint .", "pass"],
        ["npm test", "fail"],
      ]),
      undefined,
      facts(),
      [],
    ],
    [
      "a passing claim for a failed check, by its command",
      report([["npm test", "pass"]]),
      undefined,
      facts(),
      ["worker-report: worker says `npm test` passed; check unit failed"],
    ],
    [
      "by the check's name",
      report([["unit", "pass"]]),
      undefined,
      facts(),
      ["worker-report: worker says `unit` passed; check unit failed"],
    ],
    [
      "spaces folded",
      report([["  npm   test ", "pass"]]),
      undefined,
      facts(),
      ["worker-report: worker says `npm test` passed; check unit failed"],
    ],
    [
      "as one step of a longer line",
      report([["cd app && npm test 2>&1 | tail -20", "pass"]]),
      undefined,
      facts(),
      ["worker-report: worker says `cd app && npm test 2>&1 | tail -20` passed; check unit failed"],
    ],
    ["a narrower command is another run", report([["npm test -- --grep sum", "pass"]]), undefined, facts(), []],
    [
      "a timed-out check",
      report([["npm test", "pass"]]),
      undefined,
      facts({ checks: checks({ unit: "timeout" }) }),
      ["worker-report: worker says `npm test` passed; check unit timed out"],
    ],
    [
      "a check that could not run",
      report([["npm test", "pass"]]),
      undefined,
      facts({ checks: checks({ unit: "error" }) }),
      ["worker-report: worker says `npm test` passed; check unit could not run"],
    ],
    ["a skipped check contradicts nothing", report([["npm test", "pass"]]), undefined, facts({ checks: checks({ unit: "skipped" }) }), []],
    [
      "not run or failed is no claim of passing",
      report([
        ["npm test", "not_run"],
        ["npm test", "fail"],
      ]),
      undefined,
      facts(),
      [],
    ],
    [
      "the same command claimed twice: one reason",
      report([
        ["npm test", "pass"],
        ["npm test", "pass"],
      ]),
      undefined,
      facts(),
      ["worker-report: worker says `npm test` passed; check unit failed"],
    ],
    [
      "a file the diff does not touch",
      report([], ["src/a.ts", "src/b.ts"]),
      undefined,
      facts(),
      ["worker-report: worker says it changed src/b.ts; the diff does not touch it"],
    ],
    [
      "paths named absolutely or with ./ still match",
      report([], ["/work/jobs/x/src/a.ts", "./test/a.test.ts", "src/../src/a.ts"]),
      undefined,
      facts(),
      [],
    ],
    [
      "several untouched files: one reason with the first two",
      report([], ["b.ts", "c.ts", "d.ts"]),
      undefined,
      facts(),
      ["worker-report: worker says it changed 3 files the diff does not touch: b.ts, c.ts +1 more"],
    ],
    [
      "both kinds at once",
      report([["npm test", "pass"]], ["b.ts"]),
      undefined,
      facts(),
      [
        "worker-report: worker says `npm test` passed; check unit failed",
        "worker-report: worker says it changed b.ts; the diff does not touch it",
      ],
    ],
    [
      "no report",
      undefined,
      "it ended without calling StructuredOutput",
      facts(),
      ["worker-report: worker gave no final report (it ended without calling StructuredOutput)"],
    ],
    [
      "a malformed one",
      undefined,
      "malformed: summary: Invalid input: expected string, received number",
      facts(),
      ["worker-report: worker gave no final report (malformed: summary: Invalid input: expected string, received number)"],
    ],
    ["neither report nor problem", undefined, undefined, facts(), ["worker-report: worker gave no final report (none was recorded)"]],
  ];
  for (const [name, given, problem, known, reasons] of cases) {
    const fired = claimReasons(given, problem, known);
    assert.deepEqual(
      fired.map((f) => f.reason),
      reasons,
      name,
    );
    for (const f of fired) assert.deepEqual([f.rule, f.type, f.verdict], ["worker-report", "claims", "review"], name);
  }
});

test("reasons stay one line of at most 120 characters whatever the worker wrote, and name the paths they are about", () => {
  const hostile = report([[`npm test\n${"x".repeat(300)}`, "pass"]], [`evil\npath${"y".repeat(200)}.ts`]);
  const fired = claimReasons(hostile, undefined, facts({ checkCommands: { unit: `npm test\n${"x".repeat(300)}` } }));
  assert.equal(fired.length, 2);
  for (const { reason } of fired) {
    assert.ok([...reason].length <= 120, reason);
    assert.doesNotMatch(reason, /[\u0000-\u001f]/);
  }
  assert.deepEqual(fired[1]!.paths, [`evil\npath${"y".repeat(200)}.ts`]);
  assert.deepEqual(claimReasons(undefined, "x".repeat(500), facts())[0]!.reason.length, 120);
});
