// Jobs that end early: cancelled mid-command, a runner killed outright, limits that stop a worker.
import assert from "node:assert/strict";
import { readFile, rename } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { simpleGit } from "simple-git";
import { bash, fixSum, readSum, samplePolicy, say } from "../src/demo/sample.js";
import { loadConfig } from "../src/config.js";
import { Engine } from "../src/control/engine.js";
import { isAlive } from "../src/os/processes.js";
import { oneLine } from "../src/text.js";
import { eventually, fixture, processesWith } from "./helpers.js";

test("cancel during a long Bash call ends every process and keeps the partial work", async (t) => {
  // The background sleep escapes its shell, as a worker's stray server would.
  const f = await fixture(t, {
    scripts: { "test-fast": { turns: [readSum, fixSum, bash("(sleep 1307 &); sleep 1308", "Wait a long time")], fallback: say("Done.") } },
  });
  const started = await f.engine.start({ cwd: f.repo, task: "Fix sum, then wait.", tier: "fast" });
  await eventually("the long command to start", async () => {
    const job = await f.engine.get(started.id);
    return job.worker?.last_activity?.startsWith("Bash") && processesWith("sleep 1308").length ? job : undefined;
  });
  const running = await f.engine.get(started.id);

  const job = await f.engine.cancel(started.id, "obsolete", "the host found another way");
  assert.equal(job.status, "cancelled");
  assert.deepEqual(job.cancel && { reason: job.cancel.reason, note: job.cancel.note }, {
    reason: "obsolete",
    note: "the host found another way",
  });
  assert.match(job.error ?? "", /^cancelled \(obsolete\): the host found another way; partial work is on branch code-worker\//);
  await eventually(
    "every process of the job to end",
    () => (processesWith("sleep 130").length === 0 && !isAlive(running.runner!.pid) && !isAlive(running.worker!.pid!) ? true : undefined),
    10_000,
  );

  assert.equal(job.changes?.files, 1);
  assert.match(await simpleGit(f.repo).show([`${job.branch}:src/sum.js`]), /let i = 0;/);
  assert.match(await simpleGit(f.repo).raw(["log", "-1", "--format=%s", job.branch]), /partial work \(cancelled\)/);
});

test("a runner killed with SIGKILL is reported lost, and its orphaned worker is stopped", async (t) => {
  const f = await fixture(t, { scripts: { "test-fast": { turns: [readSum, { hang: true }] } } });
  const started = await f.engine.start({ cwd: f.repo, task: "Look at sum.", tier: "fast" });
  const working = await eventually("the worker to wait on the provider", async () => {
    const job = await f.engine.get(started.id);
    return job.worker?.turns === 1 && job.worker.pid ? job : undefined;
  });
  process.kill(working.runner!.pid, "SIGKILL");
  const job = await eventually("the job to be reported lost", async () => {
    const record = await f.engine.get(started.id);
    return record.status === "lost" ? record : undefined;
  });
  const logLine = (await readFile(join(f.repo, ".git", "code-worker", "jobs", job.id, "runner.log"), "utf8")).trim().split("\n").at(-1);
  assert.equal(
    job.error,
    `the runner (pid ${working.runner!.pid}) died while working; start the job again (partial work is in ${job.worktree}); its last log line: ${oneLine(logLine!, 200)}`,
  );
  await eventually(
    "the orphaned worker to end",
    () => (isAlive(working.worker!.pid!, working.worker!.start_ticks) ? undefined : true),
    10_000,
  );
});

test("a worker past its time limit is stopped and the job timed out, partial work kept", async (t) => {
  const f = await fixture(t, { scripts: { "test-fast": { turns: [readSum, fixSum, bash("true; sleep 1309")], fallback: say("Done.") } } });
  const started = await f.engine.start({ cwd: f.repo, task: "Fix sum slowly.", tier: "fast", timeoutS: 10 });
  const job = await f.engine.wait(started.id, 60);
  assert.equal(job.status, "timed_out", job.error);
  assert.match(job.error ?? "", /ran past its 10s limit \(timeout_s, CODE_WORKER_JOB_TIMEOUT_S\); partial work is on branch/);
  assert.equal(job.changes?.files, 1);
  assert.deepEqual(processesWith("sleep 1309"), []);
});

test("a provider that goes silent mid-answer fails the job once the stall limit passes", async (t) => {
  const f = await fixture(t, {
    scripts: {
      "test-fast": {
        turns: [
          {
            stall: true,
            content: [
              { type: "text", text: "Thinking" },
              { type: "text", text: "more" },
            ],
          },
        ],
      },
    },
    env: { CODE_WORKER_STALL_S: "5" },
  });
  const started = await f.engine.start({ cwd: f.repo, task: "Look at sum.", tier: "fast" });
  const job = await f.engine.wait(started.id, 60);
  assert.equal(job.status, "failed");
  assert.equal(job.error, "the provider went silent in the middle of an answer for 5s (CODE_WORKER_STALL_S)");
  // The runner writes its last line just after the terminal record.
  await eventually(
    "the runner's last line",
    async () =>
      /finished job/.test(await readFile(join(f.repo, ".git", "code-worker", "jobs", job.id, "runner.log"), "utf8")) ? true : undefined,
    5000,
  );
});

test("cancel while a check runs stops the check and ends the job cancelled", async (t) => {
  const policy = samplePolicy(["Read", "Glob", "Grep", "Edit", "Write", "Bash"]).replace('run: "node --test"', 'run: "sleep 1317"');
  const f = await fixture(t, { scripts: { "test-fast": { turns: [readSum, fixSum, say("Fixed.")] } }, policy });
  const started = await f.engine.start({ cwd: f.repo, task: "Fix sum.", tier: "fast" });
  await eventually("the check to run", async () =>
    (await f.engine.get(started.id)).status === "checking" && processesWith("sleep 1317").length ? true : undefined,
  );
  const job = await f.engine.cancel(started.id, "user_requested");
  assert.equal(job.status, "cancelled");
  assert.equal(job.changes?.files, 1);
  await eventually("the check's process to end", () => (processesWith("sleep 1317").length ? undefined : true), 15_000);
});

test("a provider that never answers, one that trickles and one that asks to wait too long each fail saying so", async (t) => {
  const f = await fixture(t, {
    scripts: {
      "test-fast": { turns: [{ hang: true }] },
      "test-think": { turns: [{ trickleMs: 500 }] },
      "*": { turns: [{ status: 429, headers: { "retry-after": "600" } }], fallback: { status: 429, headers: { "retry-after": "600" } } },
    },
    env: { CODE_WORKER_STALL_S: "5", CODE_WORKER_MAX_JOBS: "3" },
  });
  const rateLimited = { ...f.env, CODE_WORKER_FAST_MODEL: "test-other" };
  const other = new Engine(loadConfig(rateLimited), rateLimited);
  const [hang, trickle, limited] = await Promise.all([
    f.engine.start({ cwd: f.repo, task: "Look.", tier: "fast" }),
    f.engine.start({ cwd: f.repo, task: "Look.", tier: "think" }),
    other.start({ cwd: f.repo, task: "Look.", tier: "fast" }),
  ]);
  const ended = await Promise.all([hang, trickle, limited].map((job) => f.engine.wait(job.id, 60)));
  assert.deepEqual(
    ended.map((job) => [job.status, job.error]),
    [
      ["failed", "the provider sent nothing after a request for 5s (CODE_WORKER_STALL_S)"],
      [
        "failed",
        `the provider trickled (${ended[1]!.error?.match(/\((\d+) bytes/)?.[1]} bytes of one answer) for 5s (CODE_WORKER_STALL_S)`,
      ],
      ["failed", ended[2]!.error],
    ],
  );
  // Which of two true lines ends the rate-limited job depends on whether Claude Code gives up
  // before the stall limit does, which a loaded machine can turn either way.
  assert.match(
    ended[2]!.error ?? "",
    /^the provider is rate limiting \(429\) and asks to wait 600s(; the worker gave up after 1 request|, longer than 5s \(CODE_WORKER_STALL_S\)); start the job again later$/,
  );
  assert.ok(Number(ended[1]!.error?.match(/\((\d+) bytes/)?.[1]) < 1024);
});

test("a runner whose repository is moved away stops its worker instead of working blind", async (t) => {
  const f = await fixture(t, { scripts: { "test-fast": { turns: [readSum, fixSum, bash("true; sleep 1323")], fallback: say("Done.") } } });
  const started = await f.engine.start({ cwd: f.repo, task: "Fix sum.", tier: "fast" });
  await eventually("the worker's long command", () => (processesWith("sleep 1323").length ? true : undefined));
  await rename(f.repo, `${f.repo}-moved`);
  await eventually(
    "the runner and its worker to stop",
    () => (!isAlive(started.runner!.pid) && processesWith("sleep 1323").length === 0 ? true : undefined),
    20_000,
  );
});
