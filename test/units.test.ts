// The pure parts: configuration, ids, tiers, the stream fold and the byte budgets of the views.
import assert from "node:assert/strict";
import { test } from "node:test";
import { loadConfig } from "../src/config.js";
import { assertJobId, newJobId, taskLabel } from "../src/store/ids.js";
import { nextPollS } from "../src/control/liveness.js";
import type { JobRecord } from "../src/store/record.js";
import { redactor } from "../src/secret/redact.js";
import { autoThinkChars, chooseTier } from "../src/control/tier.js";
import { compactResult, jobView, listLine, listLineBudget, progressLine, resultBudget } from "../src/views/compact.js";
import { providerBase } from "../src/worker/command.js";
import { StreamFold } from "../src/worker/stream.js";
import { sampleRecord } from "./records.js";

test("configuration errors name the variable to change", () => {
  const cases: [Record<string, string>, RegExp][] = [
    [{ CODE_WORKER_HOME: "relative" }, /^CODE_WORKER_HOME must be an absolute path/],
    [{ CODE_WORKER_API_KEY_FILE: "key.txt" }, /^CODE_WORKER_API_KEY_FILE must be an absolute path/],
    [{ CODE_WORKER_BASE_URL: "not a url" }, /^CODE_WORKER_BASE_URL is not a URL/],
    [{ CODE_WORKER_BASE_URL: "ftp://x" }, /^CODE_WORKER_BASE_URL must start with http/],
    [{ CODE_WORKER_BASE_URL: "https://user:pw@x" }, /^CODE_WORKER_BASE_URL must not carry credentials/],
    [{ CODE_WORKER_MAX_JOBS: "0" }, /^CODE_WORKER_MAX_JOBS must be a whole number from 1 to 64, got "0"$/],
    [{ CODE_WORKER_JOB_TIMEOUT_S: "ten" }, /^CODE_WORKER_JOB_TIMEOUT_S must be a whole number/],
    [{ CODE_WORKER_SANDBOX: "maybe" }, /^CODE_WORKER_SANDBOX must be "on" or "off"/],
    [{ CODE_WORKER_STANDBY_RUNNER: "yes" }, /^CODE_WORKER_STANDBY_RUNNER must be "on" or "off", got "yes"$/],
    [{ CLAUDE_BIN: "claude" }, /^CLAUDE_BIN must be an absolute path/],
  ];
  for (const [env, message] of cases) assert.throws(() => loadConfig(env), { message });
  const config = loadConfig({ CODE_WORKER_HOME: "/h", CODE_WORKER_API_KEY: "k", CODE_WORKER_FAST_MODEL: "m" });
  assert.deepEqual(config.keySource, { kind: "env", variable: "CODE_WORKER_API_KEY" });
  assert.equal(config.maxJobs, 2);
  assert.equal(config.jobTimeoutS, 3600);
});

test("the provider base is reached at <base>/v1/messages whether or not it ends in /v1", () => {
  assert.equal(providerBase("https://api.example.com/v1"), "https://api.example.com");
  assert.equal(providerBase("https://api.example.com/v1/"), "https://api.example.com");
  assert.equal(providerBase("https://api.example.com/anthropic"), "https://api.example.com/anthropic");
});

test("job ids and labels are strict slugs, checked before they touch a path", () => {
  assert.equal(taskLabel("Fix the CSV import of orders, please"), "fix-csv-import-orders");
  assert.equal(taskLabel("x", "Orders Import Fix!"), "orders-import-fix");
  assert.equal(taskLabel("???"), "job");
  assert.throws(() => taskLabel("x", "!!!"), { message: /has no letters or digits/ });
  assert.match(newJobId("orders"), /^orders-[a-z0-9]{4}$/);
  assert.equal(taskLabel("x", "a".repeat(80)).length, 32);
  for (const bad of ["../x-abcd", "x", "X-ABCD", "a/b-abcd", "-x-abcd", ""])
    assert.throws(() => assertJobId(bad), { message: /is not a job id/ });
});

test("auto picks think for long or judgement-heavy tasks; a tier without a model names its variable", () => {
  const config = loadConfig({
    CODE_WORKER_HOME: "/h",
    CODE_WORKER_FAST_MODEL: "small",
    CODE_WORKER_THINK_MODEL: "big",
    CODE_WORKER_THINK_LABEL: "Big",
  });
  assert.deepEqual(chooseTier("auto", "Fix a typo in the README", config), {
    chosen: "fast",
    requested: "auto",
    model: "small",
    label: "small",
  });
  assert.equal(chooseTier("auto", "Investigate the race condition in the cache", config).chosen, "think");
  assert.equal(chooseTier("auto", "x".repeat(autoThinkChars + 1), config).label, "Big");
  const fastOnly = loadConfig({ CODE_WORKER_HOME: "/h", CODE_WORKER_FAST_MODEL: "small" });
  assert.throws(() => chooseTier("auto", "Refactor the parser", fastOnly), {
    message: 'execution_tier "think" needs a model (auto chose it for this task): set CODE_WORKER_THINK_MODEL or ask for the other tier',
  });
});

test("a run is judged by its result event, not its exit code", () => {
  const fold = new StreamFold("/w");
  fold.push({ type: "system", subtype: "init", session_id: "s1" });
  const message = {
    id: "m1",
    usage: { input_tokens: 10, output_tokens: 2 },
    content: [{ type: "tool_use", name: "Edit", input: { file_path: "/w/src/a.ts" } }],
  };
  assert.equal(fold.push({ type: "assistant", message }), true);
  fold.push({ type: "assistant", message }); // one message arrives as several events
  assert.deepEqual([fold.progress.turns, fold.progress.lastActivity, fold.progress.toolsRunning], [1, "Edit src/a.ts", 2]);
  assert.deepEqual(fold.finish({ code: 0, stderr: "" }).failure, {
    kind: "no_result",
    message: "the worker stopped without a result: exit code 0",
  });

  const failed = new StreamFold("/w");
  failed.push({ type: "result", subtype: "success", is_error: true, result: "API Error: 401 Invalid API key", num_turns: 1 });
  assert.equal(failed.finish({ code: 0, stderr: "" }).failure?.kind, "auth");

  const crashed = new StreamFold("/w");
  assert.equal(
    crashed.finish({ code: 1, stderr: "trace\nerror: bubblewrap is required\nBun v1\n" }).failure?.message,
    "the worker stopped without a result: error: bubblewrap is required",
  );

  const done = new StreamFold("/w");
  done.push({ type: "result", subtype: "success", is_error: false, result: " Fixed it. ", num_turns: 3, total_cost_usd: 0.01 });
  assert.deepEqual([done.finish({ code: 1, stderr: "" }).ok, done.finish({ code: 1, stderr: "" }).summary], [true, "Fixed it."]);
});

test("the redactor replaces every copy of the key", () => {
  const redact = redactor("sk-secret-123456");
  assert.equal(redact("a sk-secret-123456 b sk-secret-123456"), "a [redacted] b [redacted]");
  assert.equal(redactor(undefined)("x"), "x");
});

function bigJob(): JobRecord {
  return sampleRecord({
    id: "big-job-abcd",
    task_label: "big-job",
    task_title: "Big",
    tier: { chosen: "think", requested: "auto", model: "m", label: "M" },
    settings: { timeout_s: 3600, stall_s: 600, sandbox: false, max_jobs: 2, home: "/h" },
    status: "failed",
    error: `the provider failed on 3 requests: ${"overloaded ".repeat(200)}`,
    ended_at: "2026-01-01T00:10:00.000Z",
    worker: { turns: 60, summary: "I changed a great many things. ".repeat(100), last_activity: `Bash ${"x".repeat(500)}` },
    changes: {
      files: 400,
      insertions: 90_000,
      deletions: 12_000,
      top: Array.from({ length: 5 }, (_, i) => `src/${"deep/".repeat(20)}file-${i}.ts +100 -3`),
      more: 395,
    },
  });
}

test("the compact result fits its budget whatever the worker did, and says what it left out", () => {
  const job = bigJob();
  const view = compactResult(job, Date.parse("2026-01-01T00:20:00.000Z"));
  const bytes = Buffer.byteLength(JSON.stringify(view));
  assert.ok(bytes <= resultBudget, `${bytes} bytes`);
  assert.equal(view.elapsed_s, 600);
  assert.equal(view.sandbox, "none");
  assert.equal(view.tier_auto, true);
  assert.equal(view.next, "inspect");
  assert.equal(view.changes!.top.length + view.changes!.more!, 400);
  assert.ok(Buffer.byteLength(listLine(job, Date.now())) <= listLineBudget);

  const running = {
    ...job,
    status: "working" as const,
    error: undefined,
    ended_at: undefined,
    runner: { pid: 1, heartbeat_at: "2026-01-01T00:09:59.000Z" },
  };
  const live = jobView(running, Date.parse("2026-01-01T00:10:00.000Z"), true);
  assert.ok(Buffer.byteLength(JSON.stringify(live)) <= 400);
  assert.equal(progressLine(running, Date.parse("2026-01-01T00:10:00.000Z")).split(" · ").length, 4);
});

test("a done job whose change the host's HEAD already has is to be discarded, not applied", () => {
  const merge = (status: "clean" | "conflicts" | "empty") => ({
    status,
    base: "a".repeat(7),
    host_head: "b".repeat(7),
    host_head_full: "b".repeat(40),
    branch_head: "c".repeat(40),
  });
  const done = (status: "clean" | "conflicts" | "empty"): JobRecord => ({
    ...bigJob(),
    status: "done",
    error: undefined,
    verdict: { verdict: "approve", reasons: [], fired: [] },
    merge: merge(status),
  });
  assert.deepEqual(
    (["clean", "conflicts", "empty"] as const).map((status) => compactResult(done(status), Date.now()).next),
    ["apply", "inspect", "discard"],
  );
  assert.equal(
    listLine(done("empty"), Date.parse("2026-01-01T00:10:00.000Z")),
    "big-job-abcd done think 600s 400f +90000 -12000 approve empty",
  );
});

test("hosts are told to poll less often as a job ages", () => {
  const job = { ...bigJob(), status: "working" as const, ended_at: undefined };
  const at = (s: number) => nextPollS(job, Date.parse(job.created_at) + s * 1000);
  assert.deepEqual([at(1), at(60), at(300), at(3000)], [5, 15, 30, 60]);
  assert.equal(nextPollS(bigJob(), Date.now()), undefined);
});
