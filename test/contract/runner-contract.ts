// The suite every runner backend must pass (docs/runner-contract.md): the job claimed and kept
// alive by heartbeat, the branch and the record in today's schema, the logs, cancel keeping the
// partial work, a dead runner seen as dead; merge status and apply done by the host's engine.
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { simpleGit } from "simple-git";
import { bash, fixSum, fixSumScript, readSum, sampleTask, say } from "../../src/demo/sample.js";
import { Engine } from "../../src/control/engine.js";
import type { RunnerBackend } from "../../src/control/runner-backend.js";
import { isAlive } from "../../src/os/processes.js";
import { phases, heartbeatMs, type JobRecord } from "../../src/store/record.js";
import { JobStore } from "../../src/store/store.js";
import { eventually, fixture, type Fixture } from "../helpers.js";

export interface BackendUnderTest {
  /** The backend, for runners that inherit this environment. */
  backend(env: NodeJS.ProcessEnv): RunnerBackend;
  /** Ends the job's runner without warning, as a crashed machine would. */
  kill(claim: NonNullable<JobRecord["runner"]>): void;
}

export function runnerContract(name: string, under: BackendUnderTest): void {
  // One backend per fixture: a backend may hold processes of its own (a runner started ahead).
  const backends = new WeakMap<Fixture, RunnerBackend>();
  const backendOf = (f: Fixture) => backends.get(f) ?? backends.set(f, under.backend(f.env)).get(f)!;
  const engineOf = (f: Fixture) => new Engine(f.engine.config, f.env, backendOf(f));

  test(`${name}: a job is claimed, beats while it works, and returns its branch, record and logs`, async (t) => {
    const f = await fixture(t, { scripts: { "test-fast": fixSumScript(200) } });
    const engine = engineOf(f);
    const started = await engine.start({ cwd: f.repo, task: sampleTask, taskLabel: "contract", tier: "fast" });
    assert.ok(started.runner, "start returns once the runner has claimed the job");
    const beats = new Set<string>();
    const job = await engine.wait(started.id, 120, (record) => record.runner && beats.add(record.runner.heartbeat_at));
    assert.equal(job.status, "done", job.error);
    assert.ok(beats.size >= 2, `the heartbeat moved while the job ran (${beats.size} beats over ${heartbeatMs} ms apart)`);
    assert.equal(backendOf(f).alive(job.runner!), false, "a finished runner is not alive");

    // The branch: one commit on the base, holding the change the record describes.
    const git = simpleGit(f.repo);
    assert.equal(await git.revparse([job.branch]), job.head_commit);
    assert.equal(await git.revparse([`${job.branch}~1`]), job.base.commit);
    assert.deepEqual(job.changes, { files: 1, insertions: 1, deletions: 1, top: ["src/sum.js +1 -1"], more: 0 });
    // The record: every fact the control plane renders, and the phases it took.
    assert.deepEqual(
      Object.keys(job.timings ?? {}),
      [...phases].filter((phase) => phase in (job.timings ?? {})),
    );
    for (const phase of ["runner_start", "policy", "worktree", "worker", "commit", "checks", "verdict", "merge"] as const)
      assert.equal(typeof job.timings?.[phase], "number", phase);
    assert.deepEqual(
      { passed: job.checks?.passed, failed: job.checks?.failed, verdict: job.verdict?.verdict, merge: job.merge?.status },
      { passed: 1, failed: 0, verdict: "approve", merge: "clean" },
    );
    // The logs: the worker's events, the runner's log and each check's.
    const store = JobStore.forCommonDir(job.repo.common_dir);
    assert.match(readFileSync(store.file(job.id, "events.jsonl"), "utf8"), /"type":"result"/);
    assert.ok(existsSync(store.file(job.id, "runner.log")));
    for (const check of job.checks?.results ?? []) assert.ok(existsSync(join(store.checksDir(job.id), `${check.name}.log`)), check.name);

    // Merge status and apply stay on the host: the engine applies what the runner returned.
    const applied = await engine.apply(job.id, { mode: "commit" });
    assert.equal(applied.status, "applied");
    assert.match(await git.show(["HEAD:src/sum.js"]), /let i = 0;/);
  });

  test(`${name}: a cancel reaches the runner, which ends the job cancelled with its partial work on the branch`, async (t) => {
    const f = await fixture(t, {
      scripts: { "test-fast": { turns: [readSum, fixSum, bash("true; sleep 1310")], fallback: say("Done.") } },
    });
    const engine = engineOf(f);
    const started = await engine.start({ cwd: f.repo, task: "Fix sum, then wait.", tier: "fast" });
    await eventually("the long command to start", async () =>
      (await engine.get(started.id)).worker?.last_activity?.startsWith("Bash") ? true : undefined,
    );
    const job = await engine.cancel(started.id, "obsolete");
    assert.equal(job.status, "cancelled");
    assert.equal(job.changes?.files, 1);
    assert.match(await simpleGit(f.repo).show([`${job.branch}:src/sum.js`]), /let i = 0;/);
    await eventually("the runner to be gone", () => (backendOf(f).alive(job.runner!) ? undefined : true), 10_000);
  });

  test(`${name}: a runner that dies is seen dead, its job lost and its worker ended`, async (t) => {
    const f = await fixture(t, { scripts: { "test-fast": { turns: [readSum, { hang: true }] } } });
    const engine = engineOf(f);
    const started = await engine.start({ cwd: f.repo, task: "Look at sum.", tier: "fast" });
    const working = await eventually("the worker to wait on the provider", async () => {
      const job = await engine.get(started.id);
      return job.worker?.turns === 1 && job.worker.pid ? job : undefined;
    });
    under.kill(working.runner!);
    const lost = await eventually("the job to be reported lost", async () => {
      const job = await engine.get(started.id);
      return job.status === "lost" ? job : undefined;
    });
    assert.match(lost.error ?? "", /^the runner \(pid \d+\) died while working; start the job again/);
    await eventually("the worker to end", () => (isAlive(working.worker!.pid!, working.worker!.start_ticks) ? undefined : true), 10_000);
  });
}
