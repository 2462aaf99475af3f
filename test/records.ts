// A job record as a value, for the tests that render or judge one without running anything.
import type { JobRecord } from "../src/store/record.js";

export const recordEpoch = Date.parse("2026-01-01T00:00:00.000Z");

/** A queued fast job of the sample repository; `extra` sets whatever the test is about. */
export function sampleRecord(extra: Partial<JobRecord> = {}): JobRecord {
  const id = extra.id ?? "fix-sum-k7m2";
  return {
    version: 1,
    id,
    task_label: "fix-sum",
    task_title: "Fix sum",
    repo: { root: "/r", common_dir: "/r/.git" },
    base: { ref: "HEAD", commit: "a".repeat(40) },
    branch: `code-worker/${id}`,
    worktree: `/h/worktrees/${id}`,
    tier: { chosen: "fast", requested: "fast", model: "m", label: "M" },
    settings: { timeout_s: 3600, stall_s: 120, sandbox: true, max_jobs: 2, home: "/h" },
    status: "queued",
    created_at: new Date(recordEpoch).toISOString(),
    ...extra,
  };
}
