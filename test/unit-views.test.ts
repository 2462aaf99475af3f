// The compact views as tables: what fit cuts first, the counts it leaves, the byte budgets whatever
// a record holds, the next step a host is told, and capText's cuts on character boundaries.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { JobRecord } from "../src/store/record.js";
import type { UnreadableJob } from "../src/store/store.js";
import { capText, compactResult, fit, jobView, listLine, listLineBudget, resultBudget, startView, type CompactResult } from "../src/views/compact.js";

const t0 = Date.parse("2026-01-01T00:00:00.000Z");

function doneJob(extra: Partial<JobRecord> = {}): JobRecord {
  return {
    version: 1,
    id: "fix-sum-k7m2",
    task_label: "fix-sum",
    task_title: "Fix sum",
    repo: { root: "/r", common_dir: "/r/.git" },
    base: { ref: "HEAD", commit: "a".repeat(40) },
    branch: "code-worker/fix-sum-k7m2",
    worktree: "/h/worktrees/fix-sum-k7m2",
    tier: { chosen: "fast", requested: "fast", model: "m", label: "flash" },
    settings: { timeout_s: 3600, stall_s: 120, sandbox: true, max_jobs: 2, home: "/h" },
    status: "done",
    created_at: new Date(t0).toISOString(),
    ended_at: new Date(t0 + 142_000).toISOString(),
    worker: { turns: 12, summary: "Fixed CSV header parsing; added a test." },
    changes: { files: 2, insertions: 42, deletions: 7, top: ["src/orders/import.ts +30 -5", "test/import.test.ts +12 -2"], more: 0 },
    checks: { passed: 2, failed: 0, failed_names: [], results: [] },
    verdict: { verdict: "approve", reasons: [], fired: [] },
    merge: { status: "clean", base: "aaaaaaa", host_head: "bbbbbbb", host_head_full: "b".repeat(40), branch_head: "c".repeat(40) },
    ...extra,
  };
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
    changes: { files: 2, insertions: 42, deletions: 7, top: ["src/orders/import.ts +30 -5", "test/import.test.ts +12 -2"], more: undefined },
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
    const got = { top: cut.changes!.top.length, more: cut.changes!.more!, reasons: cut.policy!.reasons.length, ...(cut.policy!.more ? { policyMore: cut.policy!.more } : {}), failed: cut.checks!.failed_names.length, conflicts: cut.merge!.conflicts!.paths.length };
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
    merge: { status: "conflicts", conflicts: { paths: long(5, "path", 60), count: 400 }, base: "aaaaaaa", host_head: "bbbbbbb", host_head_full: "", branch_head: "" },
  });
  for (const status of ["done", "failed", "cancelled", "timed_out", "lost", "applied", "discarded"] as const) {
    const job = { ...huge, status };
    assert.ok(bytes(compactResult(job, t0)) <= resultBudget, `${status}: ${bytes(compactResult(job, t0))} bytes`);
    assert.ok(Buffer.byteLength(listLine(job, t0)) <= listLineBudget, status);
  }
  // The store cuts a problem to 60 characters.
  const unreadable: UnreadableJob = { id: `${"l".repeat(32)}-k7m2`, status: "unreadable", problem: `${"p".repeat(59)}…`, error: "x ".repeat(2000), created_at: new Date(t0).toISOString() };
  assert.ok(Buffer.byteLength(listLine(unreadable, t0)) <= listLineBudget);
  assert.ok(bytes(jobView(unreadable, t0, false)) <= 600);
  const running = { ...huge, status: "working" as const, error: undefined, ended_at: undefined, runner: { pid: 1, heartbeat_at: new Date(t0).toISOString() } };
  assert.ok(bytes(jobView(running, t0, true)) <= 400);
  assert.ok(bytes(startView(running, t0)) <= 400);
});

test("the next step a host is told, by status, verdict and merge", () => {
  const merge = (status: "clean" | "conflicts" | "empty") => ({ status, base: "aaaaaaa", host_head: "bbbbbbb", host_head_full: "", branch_head: "" });
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
  assert.deepEqual(compactResult(doneJob({ status: "applied", applied: { mode: "commit", host_head: "ddddddd", at: "" } }), t0).merge, { status: "applied", base: "aaaaaaa", host_head: "ddddddd" });
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
