// More jobs than CODE_WORKER_MAX_JOBS: the rest wait as queued and start by themselves.
import assert from "node:assert/strict";
import { test } from "node:test";
import { fixSumScript, sampleTask } from "../src/demo/sample.js";
import type { JobState } from "../src/store/record.js";
import { fixture } from "./helpers.js";

test("with CODE_WORKER_MAX_JOBS=1 three jobs run one at a time, in order, and all finish", async (t) => {
  const f = await fixture(t, { scripts: { "test-fast": fixSumScript(50) }, env: { CODE_WORKER_MAX_JOBS: "1" } });
  const ids: string[] = [];
  for (const label of ["first", "second", "third"])
    ids.push((await f.engine.start({ cwd: f.repo, task: sampleTask, taskLabel: label, tier: "fast" })).id);

  const seen: JobState[][] = [];
  const busy = new Set<JobState>(["preparing", "working", "checking", "reviewing"]);
  for (;;) {
    const states = await Promise.all(ids.map(async (id) => (await f.engine.get(id)).status));
    seen.push(states);
    assert.ok(states.filter((s) => busy.has(s)).length <= 1, `two jobs at once: ${states}`);
    if (states.every((s) => s === "done" || s === "failed")) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.deepEqual(seen.at(-1), ["done", "done", "done"]);
  assert.ok(
    seen.some((states) => busy.has(states[0]!) && states[1] === "queued" && states[2] === "queued"),
    "the later jobs waited as queued",
  );
  const jobs = await Promise.all(ids.map((id) => f.engine.get(id)));
  assert.ok(
    jobs[0]!.ended_at! <= jobs[1]!.started_at! && jobs[1]!.ended_at! <= jobs[2]!.started_at!,
    "they ran in the order they were started",
  );
});
