// The compact views as tables: what fit cuts first, the counts it leaves, the byte budgets whatever
// a record holds, the next step a host is told, capText's cuts on character boundaries, and what
// several rounds add (the compact fields, the progress line, status's line per round).
import assert from "node:assert/strict";
import { test } from "node:test";
import type { CheckOutcome } from "../src/facts/change.js";
import type { JobRecord, JobState, RoundFacts, RoundKind } from "../src/store/record.js";
import type { UnreadableJob } from "../src/store/store.js";
import { capText } from "../src/text.js";
import {
  compactResult,
  fit,
  jobView,
  listLine,
  listLineBudget,
  progressLine,
  resultBudget,
  startView,
  type CompactResult,
} from "../src/views/compact.js";
import { describeJob, roundLine, roundLines } from "../src/views/human.js";
import { recordEpoch, sampleRecord } from "./records.js";

const t0 = recordEpoch;

function doneJob(extra: Partial<JobRecord> = {}): JobRecord {
  return sampleRecord({
    tier: { chosen: "fast", requested: "fast", model: "m", label: "flash" },
    status: "done",
    ended_at: new Date(t0 + 142_000).toISOString(),
    worker: { turns: 12, summary: "Fixed CSV header parsing; added a test." },
    changes: { files: 2, insertions: 42, deletions: 7, top: ["src/orders/import.ts +30 -5", "test/import.test.ts +12 -2"], more: 0 },
    checks: { passed: 2, failed: 0, failed_names: [], results: [] },
    verdict: { verdict: "approve", reasons: [], fired: [] },
    merge: { status: "clean", base: "aaaaaaa", host_head: "bbbbbbb", host_head_full: "b".repeat(40), branch_head: "c".repeat(40) },
    ...extra,
  });
}

const bytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value));
const long = (n: number, word: string, width = 60) => Array.from({ length: n }, (_, i) => `${word}-${i}-${"x".repeat(width)}`);

test("a small result is the design's shape, nothing cut", () => {
  assert.deepEqual(compactResult(doneJob(), t0 + 200_000), {
    job_id: "fix-sum-k7m2",
    task_label: "fix-sum",
    status: "done",
    execution_tier: "fast",
    model_label: "flash",
    elapsed_s: 142,
    branch: "code-worker/fix-sum-k7m2",
    changes: {
      files: 2,
      insertions: 42,
      deletions: 7,
      top: ["src/orders/import.ts +30 -5", "test/import.test.ts +12 -2"],
      more: undefined,
    },
    checks: { passed: 2, failed: 0, failed_names: [] },
    policy: { verdict: "approve", reasons: [] },
    merge: { status: "clean", base: "aaaaaaa", host_head: "bbbbbbb" },
    worker: { turns: 12, summary: "Fixed CSV header parsing; added a test." },
    next: "apply",
  });
});

test("fit cuts the file list first, counting what it left out, then the reasons, then the other lists", () => {
  const view = (): CompactResult => ({
    ...compactResult(doneJob(), t0),
    changes: { files: 40, insertions: 1, deletions: 1, top: long(12, "file"), more: 28 },
    policy: { verdict: "review", reasons: long(5, "reason") },
    checks: { passed: 0, failed: 9, failed_names: long(9, "check") },
    merge: { status: "conflicts", conflicts: { paths: long(5, "path"), count: 17 }, base: "aaaaaaa" },
  });
  assert.equal(bytes(view()), 2687);
  // Each budget is the size once the lists before it are down to one entry: the next list stays whole.
  const cases: [number, { top: number; more: number; reasons: number; policyMore?: number; failed: number; conflicts: number }][] = [
    [100_000, { top: 12, more: 28, reasons: 5, failed: 9, conflicts: 5 }],
    [1915, { top: 1, more: 39, reasons: 5, failed: 9, conflicts: 5 }],
    [1636, { top: 1, more: 39, reasons: 1, policyMore: 4, failed: 9, conflicts: 5 }],
    [1068, { top: 1, more: 39, reasons: 1, policyMore: 4, failed: 1, conflicts: 5 }],
    [788, { top: 1, more: 39, reasons: 1, policyMore: 4, failed: 1, conflicts: 1 }],
  ];
  for (const [budget, expected] of cases) {
    const cut = fit(view(), budget);
    const got = {
      top: cut.changes!.top.length,
      more: cut.changes!.more!,
      reasons: cut.policy!.reasons.length,
      ...(cut.policy!.more ? { policyMore: cut.policy!.more } : {}),
      failed: cut.checks!.failed_names.length,
      conflicts: cut.merge!.conflicts!.paths.length,
    };
    assert.deepEqual(got, expected, `budget ${budget}`);
    assert.ok(bytes(cut) <= budget, `budget ${budget}: ${bytes(cut)} bytes`);
    assert.equal(cut.changes!.top.length + cut.changes!.more!, 40, "every file is shown or counted");
    assert.equal(cut.merge!.conflicts!.count, 17, "the conflict count stays the whole count");
  }
});

test("past the lists, the summary and then the error are shortened, to a sentence start at the least", () => {
  const job = doneJob({ status: "failed", error: `the checks failed: ${"e".repeat(400)}`, worker: { turns: 1, summary: "s".repeat(400) } });
  const view = compactResult(job, t0);
  assert.equal(view.error!.length, 300, "oneLine already cut the error to 300");
  const cut = fit(structuredClone(view), 600);
  assert.ok(bytes(cut) <= 600, `${bytes(cut)} bytes`);
  // The summary goes down by 30% a step while it is over 40 characters: 240, 169, 119, 84, 59, 42, 30.
  assert.equal(cut.worker!.summary, `${"s".repeat(29)}…`);
  assert.ok(cut.error!.startsWith("the checks failed: e") && cut.error!.endsWith("…") && cut.error!.length < 300, cut.error);
  const tiny = fit(structuredClone(view), 10);
  assert.deepEqual([tiny.worker!.summary!.length, tiny.error!.length], [30, 37], "an impossible budget still leaves a sentence start");
});

// Lists of long entries are cut to one entry, then that entry is shortened: four lists of
// 70-character entries beside a 37-character id would overflow 1 KB with their entries whole.
test("every result fits 1 KB and every list line 160 bytes, however big the record", () => {
  const huge = doneJob({
    id: `${"l".repeat(32)}-k7m2`,
    task_label: "l".repeat(32),
    branch: `code-worker/${"l".repeat(32)}-k7m2`,
    error: "é".repeat(5000),
    worker: { turns: 999, summary: "🙂".repeat(5000) },
    changes: { files: 10_000, insertions: 1e9, deletions: 1e9, top: long(5, "📁", 60), more: 9995 },
    checks: { passed: 0, failed: 50, failed_names: long(50, "check", 60), results: [] },
    verdict: { verdict: "reject", reasons: long(5, "reason", 60), more: 20, fired: [] },
    policy_unused: ".code-worker/policy.yaml",
    merge: {
      status: "conflicts",
      conflicts: { paths: long(5, "path", 60), count: 400 },
      base: "aaaaaaa",
      host_head: "bbbbbbb",
      host_head_full: "",
      branch_head: "",
    },
  });
  for (const status of ["done", "failed", "cancelled", "timed_out", "lost", "applied", "discarded"] as const) {
    const job = { ...huge, status };
    assert.ok(bytes(compactResult(job, t0)) <= resultBudget, `${status}: ${bytes(compactResult(job, t0))} bytes`);
    assert.ok(Buffer.byteLength(listLine(job, t0)) <= listLineBudget, status);
  }
  // The store cuts a problem to 60 characters.
  const unreadable: UnreadableJob = {
    id: `${"l".repeat(32)}-k7m2`,
    status: "unreadable",
    problem: `${"p".repeat(59)}…`,
    error: "x ".repeat(2000),
    created_at: new Date(t0).toISOString(),
  };
  assert.ok(Buffer.byteLength(listLine(unreadable, t0)) <= listLineBudget);
  assert.ok(bytes(jobView(unreadable, t0, false)) <= 600);
  const running = {
    ...huge,
    status: "working" as const,
    error: undefined,
    ended_at: undefined,
    runner: { pid: 1, heartbeat_at: new Date(t0).toISOString() },
  };
  assert.ok(bytes(jobView(running, t0, true)) <= 400);
  assert.ok(bytes(startView(running, t0)) <= 400);
});

test("the next step a host is told, by status, verdict and merge", () => {
  const merge = (status: "clean" | "conflicts" | "empty") => ({
    status,
    base: "aaaaaaa",
    host_head: "bbbbbbb",
    host_head_full: "",
    branch_head: "",
  });
  const cases: [string, Partial<JobRecord>, CompactResult["next"]][] = [
    ["approved and clean", {}, "apply"],
    ["review and clean", { verdict: { verdict: "review", reasons: ["x"], fired: [] } }, "review"],
    ["rejected", { verdict: { verdict: "reject", reasons: ["x"], fired: [] } }, "discard"],
    ["no files changed", { changes: { files: 0, insertions: 0, deletions: 0, top: [], more: 0 } }, "discard"],
    ["already in the host's HEAD", { merge: merge("empty") }, "discard"],
    ["conflicts", { merge: merge("conflicts") }, "inspect"],
    ["failed", { status: "failed", error: "x" }, "inspect"],
    ["cancelled", { status: "cancelled", error: "x" }, "inspect"],
    ["lost", { status: "lost", error: "x" }, "inspect"],
    ["applied", { status: "applied", applied: { mode: "commit", host_head: "ddddddd", at: "" } }, "none"],
    ["discarded", { status: "discarded" }, "none"],
  ];
  for (const [name, extra, next] of cases) assert.equal(compactResult(doneJob(extra), t0).next, next, name);
  assert.deepEqual(compactResult(doneJob({ status: "applied", applied: { mode: "commit", host_head: "ddddddd", at: "" } }), t0).merge, {
    status: "applied",
    base: "aaaaaaa",
    host_head: "ddddddd",
  });
});

test("capText keeps whole characters from the start or the end and says how many bytes it cut", () => {
  const cases: [string, number, "start" | "end", { text: string; truncated_bytes?: number }][] = [
    ["short", 10, "end", { text: "short" }],
    ["0123456789", 4, "start", { text: "0123", truncated_bytes: 6 }],
    ["0123456789", 4, "end", { text: "6789", truncated_bytes: 6 }],
    ["ééé", 3, "start", { text: "é", truncated_bytes: 3 }],
    ["ééé", 3, "end", { text: "é", truncated_bytes: 3 }],
    ["a🙂b", 3, "start", { text: "a", truncated_bytes: 3 }],
  ];
  for (const [text, max, keep, expected] of cases) assert.deepEqual(capText(text, max, keep), expected, `${text} ${max} ${keep}`);
});

const roundFacts = (n: number, kind: RoundKind, tier: "fast" | "think", failed: string[], extra: Partial<RoundFacts> = {}): RoundFacts => ({
  n,
  kind,
  tier,
  model_label: tier === "fast" ? "flash" : "deep",
  session: n === 1 ? "new" : "resumed",
  started_at: new Date(t0).toISOString(),
  checks: { passed: 2 - failed.length, failed: failed.length, failed_names: failed },
  verdict: failed.length ? "review" : "approve",
  ...extra,
});
const outcomes = (pass: string[], other: [string, CheckOutcome["outcome"]][] = []): JobRecord["checks"] => ({
  passed: pass.length,
  failed: other.filter(([, outcome]) => outcome !== "skipped").length,
  failed_names: other.filter(([, outcome]) => outcome !== "skipped").map(([name]) => name),
  results: [...pass.map((name) => ({ name, outcome: "pass" as const })), ...other.map(([name, outcome]) => ({ name, outcome }))],
});

test("rounds in the result: the last round and the count, what went from failing to passing, the tiers that ran", () => {
  const pick = (view: CompactResult) => ({
    round: view.round,
    rounds: view.rounds,
    fixed: view.fixed,
    tiers: view.tiers,
    escalated: view.escalated,
  });
  const none = { round: undefined, rounds: undefined, fixed: undefined, tiers: undefined, escalated: undefined };
  const cases: [string, Partial<JobRecord>, ReturnType<typeof pick>][] = [
    ["a record from before rounds", {}, none],
    ["one round", { rounds: [roundFacts(1, "first", "fast", [])] }, none],
    [
      "a fix round fixed unit",
      { rounds: [roundFacts(1, "first", "fast", ["unit"]), roundFacts(2, "fix", "fast", [])], checks: outcomes(["lint", "unit"]) },
      { ...none, round: 2, rounds: 2, fixed: ["unit"] },
    ],
    [
      "fast failed twice, think fixed both",
      {
        rounds: [
          roundFacts(1, "first", "fast", ["unit", "lint"]),
          roundFacts(2, "fix", "fast", ["unit"]),
          roundFacts(3, "escalate", "think", []),
        ],
        checks: outcomes(["lint", "unit"]),
      },
      { round: 3, rounds: 3, fixed: ["lint", "unit"], tiers: ["fast", "think"], escalated: true },
    ],
    [
      "the host continued on think: two tiers, no escalation",
      { rounds: [roundFacts(1, "first", "fast", []), roundFacts(2, "continue", "think", [])], checks: outcomes(["lint", "unit"]) },
      { ...none, round: 2, rounds: 2, tiers: ["fast", "think"] },
    ],
    [
      "still failing after the fix",
      {
        rounds: [roundFacts(1, "first", "fast", ["unit"]), roundFacts(2, "fix", "fast", ["unit"])],
        checks: outcomes(["lint"], [["unit", "fail"]]),
      },
      { ...none, round: 2, rounds: 2 },
    ],
    [
      "skipped in the last round is not fixed",
      {
        rounds: [roundFacts(1, "first", "fast", ["unit"]), roundFacts(2, "fix", "fast", [])],
        checks: outcomes(["lint"], [["unit", "skipped"]]),
      },
      { ...none, round: 2, rounds: 2 },
    ],
    [
      "the last round ended before its checks: nothing is claimed fixed",
      {
        status: "cancelled",
        error: "x",
        rounds: [
          roundFacts(1, "first", "fast", ["unit"]),
          roundFacts(2, "continue", "fast", [], { checks: undefined, verdict: undefined, ended: "cancelled" }),
        ],
        checks: outcomes(["lint", "unit"]),
      },
      { ...none, round: 2, rounds: 2 },
    ],
  ];
  for (const [name, extra, expected] of cases) assert.deepEqual(pick(compactResult(doneJob(extra), t0)), expected, name);
});

test("a job of many rounds still fits: start and result well under 1.5 KB, the fixed list cut before the texts", () => {
  const names = long(40, "check", 40);
  const job = doneJob({
    id: `${"l".repeat(32)}-k7m2`,
    branch: `code-worker/${"l".repeat(32)}-k7m2`,
    worker: { turns: 999, summary: "🙂".repeat(5000) },
    changes: { files: 10_000, insertions: 1e9, deletions: 1e9, top: long(5, "📁", 60), more: 9995 },
    checks: outcomes(names),
    verdict: { verdict: "review", reasons: long(5, "reason", 60), more: 20, fired: [] },
    rounds: [roundFacts(1, "first", "fast", names), roundFacts(2, "fix", "fast", names), roundFacts(3, "escalate", "think", [])],
    tier: { chosen: "think", requested: "auto", model: "m", label: "deep" },
  });
  const view = compactResult(job, t0);
  assert.ok(bytes(view) <= resultBudget, `${bytes(view)} bytes`);
  assert.deepEqual([view.round, view.rounds, view.tiers, view.escalated, view.fixed!.length], [3, 3, ["fast", "think"], true, 1]);
  assert.ok(view.worker!.summary!.length >= 30, "the summary keeps a sentence start");
  const started = startView(
    { ...job, status: "queued", pending_round: { n: 4, tier: "think", model: "m", label: "deep", requested_at: "" } },
    t0,
  );
  assert.equal(started.round, 4);
  assert.ok(bytes(started) + bytes(view) < 1300, `${bytes(started) + bytes(view)} bytes`);
});

test("a later round shows in the start view, the running view and the progress line; a first round does not", () => {
  const running = (extra: Partial<JobRecord>) =>
    doneJob({
      status: "working",
      ended_at: undefined,
      runner: { pid: 1, heartbeat_at: new Date(t0).toISOString() },
      worker: { turns: 3 },
      ...extra,
    });
  const two = [roundFacts(1, "first", "fast", ["unit"]), roundFacts(2, "fix", "fast", [])];
  const queued = {
    status: "queued" as const,
    rounds: two,
    pending_round: { n: 3, tier: "fast" as const, model: "m", label: "flash", requested_at: "" },
  };
  assert.equal(startView(running({}), t0).round, undefined);
  assert.equal(startView(running(queued), t0).round, 3);
  assert.equal((jobView(running({ rounds: two }), t0, true) as { round?: number }).round, 2);
  assert.equal(progressLine(running({}), t0 + 4000), "working · 3 turns · 4s");
  assert.equal(progressLine(running({ rounds: two }), t0 + 4000), "working · round 2 · 3 turns · 4s");
  assert.equal(progressLine(doneJob({ rounds: two }), t0), "done · 2 rounds · 12 turns · 142s");
});

test("status and review show a line per round, once there is more than one", () => {
  const cases: [string, RoundFacts, JobState | undefined, string][] = [
    [
      "a fix that passed",
      roundFacts(2, "fix", "fast", [], { turns: 6 }),
      undefined,
      "round 2 · fix · fast · 2 passed 0 failed · approve · 6 turns",
    ],
    [
      "a first round that failed",
      roundFacts(1, "first", "fast", ["unit"], { turns: 1, cost_usd: 0.004 }),
      undefined,
      "round 1 · first · fast · 1 passed 1 failed (unit) · review · 1 turn · <$0.01",
    ],
    [
      "a fresh session on think",
      roundFacts(3, "escalate", "think", [], { session: "fresh", cost_usd: 0.125 }),
      undefined,
      "round 3 · escalate · think (fresh session) · 2 passed 0 failed · approve · $0.13",
    ],
    [
      "cancelled before its checks",
      roundFacts(2, "continue", "fast", [], { checks: undefined, verdict: undefined, ended: "cancelled" }),
      undefined,
      "round 2 · continue · fast · cancelled",
    ],
    [
      "still running",
      roundFacts(2, "continue", "fast", [], { checks: undefined, verdict: undefined }),
      "working",
      "round 2 · continue · fast · working",
    ],
  ];
  for (const [name, round, running, line] of cases) assert.equal(roundLine(round, running), line, name);
  assert.deepEqual(roundLines(doneJob({ rounds: [roundFacts(1, "first", "fast", [])] })), []);
  const fixed = doneJob({
    rounds: [roundFacts(1, "first", "fast", ["unit"]), roundFacts(2, "fix", "fast", [])],
    checks: outcomes(["lint", "unit"]),
  });
  assert.deepEqual(roundLines(fixed), [
    "  round 1 · first · fast · 1 passed 1 failed (unit) · review",
    "  round 2 · fix · fast · 2 passed 0 failed · approve",
    "  fixed   unit",
  ]);
  const waiting = doneJob({
    status: "queued",
    rounds: [roundFacts(1, "first", "fast", [])],
    pending_round: { n: 2, tier: "think", model: "m", label: "deep", requested_at: "" },
  });
  assert.deepEqual(roundLines(waiting), [
    "  round 1 · first · fast · 2 passed 0 failed · approve",
    "  round 2 · continue · think · queued",
  ]);
  assert.ok(describeJob(fixed, t0, false).includes("\n  round 2 · fix · fast · 2 passed 0 failed · approve\n"), "status shows the rounds");
});
