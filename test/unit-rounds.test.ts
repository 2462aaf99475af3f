// Which round the runner starts after a verdict, as a table, and what a fix round is told.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { CheckOutcome } from "../src/facts/change.js";
import type { FiredRule } from "../src/policy/evaluate.js";
import { fixPrompt, freshPrompt, nextRound, type AfterRound } from "../src/runner/rounds.js";
import type { RoundFacts } from "../src/store/record.js";

const round = (kind: RoundFacts["kind"], tier: RoundFacts["tier"] = "fast", cost_usd?: number): RoundFacts => ({
  n: 0,
  kind,
  tier,
  model_label: tier,
  session: "new",
  started_at: "",
  ...(cost_usd === undefined ? {} : { cost_usd }),
});
const failing: CheckOutcome[] = [{ name: "unit", outcome: "fail", exit_code: 1 }];
const passing: CheckOutcome[] = [{ name: "unit", outcome: "pass", exit_code: 0 }];
const checkReject: FiredRule = { rule: "unit", type: "check", verdict: "reject", reason: "unit: failed", paths: [] };
const pathReject: FiredRule = {
  rule: "forbidden-paths",
  type: "forbidden-paths",
  verdict: "reject",
  reason: "forbidden-paths: x.pem",
  paths: ["x.pem"],
};
const limits = { max_rounds: 5, fix_rounds: 1 };
const base: AfterRound = { rounds: [round("first")], limits, checks: failing, fired: [checkReject], canEscalate: false };

test("the next round after each verdict", () => {
  const rows: [string, Partial<AfterRound>, ReturnType<typeof nextRound>][] = [
    ["checks pass", { checks: passing, fired: [] }, undefined],
    ["a check failed", {}, { kind: "fix", tier: "fast" }],
    ["a check timed out", { checks: [{ name: "unit", outcome: "timeout" }] }, { kind: "fix", tier: "fast" }],
    ["a skipped check is no failure", { checks: [{ name: "unit", outcome: "skipped" }] }, undefined],
    ["a path reject beside the failing check", { fired: [checkReject, pathReject] }, undefined],
    [
      "a review from a path does not stop the fix",
      { fired: [checkReject, { ...pathReject, verdict: "review" }] },
      { kind: "fix", tier: "fast" },
    ],
    ["the fix round used", { rounds: [round("first"), round("fix")] }, undefined],
    ["fix_rounds 2", { rounds: [round("first"), round("fix")], limits: { ...limits, fix_rounds: 2 } }, { kind: "fix", tier: "fast" }],
    ["fix_rounds 0", { limits: { ...limits, fix_rounds: 0 } }, undefined],
    ["a follow-up earns its own fix round", { rounds: [round("first"), round("fix"), round("continue")] }, { kind: "fix", tier: "fast" }],
    ["auto after the fast fix round", { rounds: [round("first"), round("fix")], canEscalate: true }, { kind: "escalate", tier: "think" }],
    ["auto with no fix rounds", { limits: { ...limits, fix_rounds: 0 }, canEscalate: true }, { kind: "escalate", tier: "think" }],
    ["escalated once only", { rounds: [round("first"), round("fix"), round("escalate", "think")], canEscalate: true }, undefined],
    ["a think job does not escalate", { rounds: [round("first", "think"), round("fix", "think")], canEscalate: true }, undefined],
    [
      "max_rounds reached",
      { rounds: [round("first"), round("fix")], limits: { max_rounds: 2, fix_rounds: 5 }, canEscalate: true },
      undefined,
    ],
    ["max_cost_usd reached", { rounds: [round("first", "fast", 0.6)], limits: { ...limits, max_cost_usd: 0.5 } }, undefined],
    [
      "under max_cost_usd",
      { rounds: [round("first", "fast", 0.4)], limits: { ...limits, max_cost_usd: 0.5 } },
      { kind: "fix", tier: "fast" },
    ],
  ];
  for (const [name, change, expected] of rows) assert.deepEqual(nextRound({ ...base, ...change }), expected, name);
});

test("a fix round is told each failing check and its log's tail, at most three", () => {
  const prompt = fixPrompt([
    { name: "unit", outcome: "fail", exit_code: 1, tail: `${"x".repeat(5000)}\nnot ok 1 - sum\n` },
    { name: "lint", outcome: "timeout", tail: "" },
    { name: "a", outcome: "error", tail: "e" },
    { name: "b", outcome: "fail", exit_code: 2, tail: "b" },
  ]);
  assert.match(
    prompt,
    /^The checks failed on your change\. Fix the code so they pass; do not weaken, skip or delete the checks or their tests\./,
  );
  assert.match(prompt, /Check unit failed \(exit 1\)\. The end of its log:\n…x+\nnot ok 1 - sum$/m);
  assert.match(prompt, /Check lint failed \(timed out\)\. The end of its log:\n\(empty\)/);
  assert.ok(!prompt.includes("Check b"), "a fourth check is only counted");
  assert.match(prompt, /\(1 more failing checks not shown\.\)$/);
  assert.ok(Buffer.byteLength(prompt) < 3 * 2048 + 600);
});

test("a fresh session is told the task, the last summary, the diff and the instruction, in that order", () => {
  const prompt = freshPrompt({ task: "Fix sum.", lastSummary: "Fixed it.", diff: "diff --git a/x b/x", instruction: "Add a README." });
  const at = [
    "The original task:\nFix sum.",
    "What the last round reported:\nFixed it.",
    "The change so far (git diff from the base):\ndiff --git",
    "Now:\nAdd a README.",
  ].map((part) => prompt.indexOf(part));
  assert.ok(
    at.every((index, i) => index > 0 && (i === 0 || index > at[i - 1]!)),
    String(at),
  );
  assert.match(freshPrompt({ task: "t", diff: "", instruction: "i" }), /\(no change yet\)/);
});
