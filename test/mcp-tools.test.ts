// Every tool through a real MCP client over stdio, where a real process matters: whole jobs, the
// byte budgets of what they return, and a configuration read at start-up. tools/list and input
// errors are in unit-mcp-tools.test.ts, over the in-memory transport.
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { simpleGit } from "simple-git";
import { bash, fixSumScript, readSum, sampleTask, say } from "../src/demo/sample.js";
import { resultBudget } from "../src/views/compact.js";
import { fixture, processesWith } from "./helpers.js";
import { connect, errorOf, errorText, hostBytes, view } from "./mcp-client.js";

test("a whole job through the tools: start, get, wait with progress, details, list", async (t) => {
  const f = await fixture(t, { scripts: { "test-fast": fixSumScript(100) } });
  const mcp = await connect(t, f.env);
  const start = await mcp.call("code_worker_start_implementation", { cwd: f.repo, task: sampleTask, task_label: "fix-sum" });
  const started = view(start);
  assert.match(started.job_id, /^fix-sum-[a-z0-9]{4}$/);
  assert.equal(started.execution_tier, "fast");
  assert.equal(started.tier_auto, true);
  assert.equal(started.model_label, "fast-label");
  assert.equal(started.next_poll_s, 5);
  assert.ok(hostBytes(start) < 400, `start returned ${hostBytes(start)} bytes`);
  assert.match((start.content[0] as { text: string }).text, /^fix-sum-\w{4} (queued|preparing|working) on code-worker\/fix-sum-/);

  const running = view(await mcp.call("code_worker_get_job", { job_id: started.job_id }));
  assert.ok(running.liveness || running.status === "done");

  const progress: string[] = [];
  const waited = await mcp.call(
    "code_worker_wait_for_job",
    { job_id: started.job_id, timeout_s: 120 },
    { onprogress: (p) => progress.push(p.message ?? "") },
  );
  const result = view(waited);
  assert.equal(result.status, "done", result.error);
  assert.deepEqual(result.changes, { files: 1, insertions: 1, deletions: 1, top: ["src/sum.js +1 -1"] });
  assert.equal(result.next, "apply");
  assert.deepEqual(result.checks, { passed: 1, failed: 0, failed_names: [] });
  assert.deepEqual(result.policy, { verdict: "approve", reasons: [] });
  assert.ok(hostBytes(waited) <= resultBudget);
  assert.ok(
    progress.some((line) => /^working · /.test(line)),
    `progress: ${progress.join(" | ")}`,
  );

  const diff = view(await mcp.call("code_worker_get_details", { job_id: started.job_id, what: "diff" }));
  assert.match(diff.text, /^-  for \(let i = 1;/m);
  assert.match(diff.text, /^\+  for \(let i = 0;/m);
  const events = view(await mcp.call("code_worker_get_details", { job_id: started.job_id, what: "events" }));
  assert.match(events.text, /→ Edit src\/sum\.js/);
  const checkLog = view(await mcp.call("code_worker_get_details", { job_id: started.job_id, what: "check_log", path: "test" }));
  assert.match(checkLog.text, /# pass 1/);
  const noCheck = await mcp.call("code_worker_get_details", { job_id: started.job_id, what: "check_log", path: "lint" });
  assert.match(errorText(noCheck), /^no check "lint" ran for this job; these did: test$/);
  assert.deepEqual(errorOf(noCheck), { code: "not_found", message: errorText(noCheck), check: "lint", checks: ["test"] });
  const summary = view(await mcp.call("code_worker_get_details", { job_id: started.job_id, what: "worker_summary" }));
  assert.match(summary.text, /^Fixed the off-by-one/);
  const noFile = view(await mcp.call("code_worker_get_details", { job_id: started.job_id, what: "diff", path: "README.md" }));
  assert.equal(noFile.text, "(the job did not change README.md)");

  const list = view(await mcp.call("code_worker_list_jobs", { cwd: f.repo }));
  assert.equal(list.jobs.length, 1);
  assert.match(list.jobs[0], new RegExp(`^${started.job_id} done fast \\d+s 1f \\+1 -1 approve$`));

  const applied = await mcp.call("code_worker_apply_job", { job_id: started.job_id });
  assert.equal(view(applied).status, "applied");
  assert.equal(view(applied).merge.status, "applied");
  assert.match(await simpleGit(f.repo).raw(["log", "-1", "--format=%B"]), new RegExp(`Code-Worker-Job: ${started.job_id}`));
  const again = await mcp.call("code_worker_apply_job", { job_id: started.job_id });
  assert.match(errorText(again), /is already applied/);
  const hostHead = (await simpleGit(f.repo).revparse(["HEAD"])).slice(0, 7);
  assert.deepEqual(errorOf(again), {
    code: "invalid_state",
    message: errorText(again),
    job_id: started.job_id,
    status: "applied",
    host_head: hostHead,
  });
  assert.match(
    errorText(await mcp.call("code_worker_discard_job", { job_id: started.job_id })),
    /is applied; its branch goes with code-worker gc/,
  );
  assert.equal(mcp.stderr().includes("internal error"), false);
});

test("a server started with a bad configuration still answers, naming the variable", async (t) => {
  const f = await fixture(t, { scripts: { "*": { turns: [say("Done.")] } } });
  const mcp = await connect(t, { ...f.env, CODE_WORKER_MAX_JOBS: "lots" });
  const message = 'CODE_WORKER_MAX_JOBS must be a whole number from 1 to 64, got "lots"';
  assert.equal(errorText(await mcp.call("code_worker_list_jobs", {})), message);
  assert.equal(errorText(await mcp.call("code_worker_start_implementation", { cwd: f.repo, task: "x" })), message);
  assert.deepEqual(errorOf(await mcp.call("code_worker_get_job", { job_id: "fix-sum-k7m2" })), {
    code: "configuration",
    message,
    variable: "CODE_WORKER_MAX_JOBS",
  });
  assert.match(mcp.stderr(), /configuration error: CODE_WORKER_MAX_JOBS/);
});

test("views stay within budget on a job whose worker read a large file and ran a noisy command", async (t) => {
  const f = await fixture(t, {
    scripts: {
      "test-fast": {
        turns: [
          { content: [{ type: "tool_use", name: "Read", input: { file_path: "big.txt" } }] },
          bash("seq 1 300000; node --test test/"),
          { content: [{ type: "tool_use", name: "Write", input: { file_path: "notes/long.md", content: "word ".repeat(40_000) } }] },
          say(`I read everything and ran the tests. ${"Details follow. ".repeat(400)}`),
        ],
        // The sum bug is still there, so the check fails and a fix round follows: it says as much.
        fallback: say(`I read everything and ran the tests. ${"Details follow. ".repeat(400)}`),
      },
    },
  });
  await writeFile(join(f.repo, "big.txt"), "line of text\n".repeat(40_000));
  await simpleGit(f.repo).add("big.txt").commit("Add a big file");
  const mcp = await connect(t, f.env);
  const { job_id } = view(
    await mcp.call("code_worker_start_implementation", { cwd: f.repo, task: "Read big.txt and run the tests.", execution_tier: "fast" }),
  );
  const done = await mcp.call("code_worker_wait_for_job", { job_id, timeout_s: 120 });
  assert.equal(view(done).status, "done", view(done).error);
  assert.ok(hostBytes(done) <= resultBudget, `result is ${hostBytes(done)} bytes`);
  assert.ok(hostBytes(await mcp.call("code_worker_get_job", { job_id })) <= resultBudget);
  for (const what of ["diff", "events", "worker_summary"]) {
    const detail = await mcp.call("code_worker_get_details", { job_id, what, max_bytes: 4096 });
    assert.ok(hostBytes(detail) <= 4096 + 200, `${what}: ${hostBytes(detail)} bytes`);
    if (what !== "events") assert.ok(view(detail).truncated_bytes > 0, `${what} says what it cut`);
  }
  assert.deepEqual(processesWith("seq 1 300000"), []);
});

test("run_patch returns the result of a quick job, and the running view past its deadline", async (t) => {
  const f = await fixture(t, {
    scripts: {
      "test-fast": { turns: [readSum, bash("true; sleep 6"), say("Slow but done.")], fallback: say("Nothing more to fix.") },
      "*": fixSumScript(),
    },
  });
  const mcp = await connect(t, f.env);
  const slow = view(await mcp.call("code_worker_run_patch", { cwd: f.repo, task: "Look slowly.", deadline_s: 5 }));
  assert.ok(["working", "preparing"].includes(slow.status), slow.status);
  assert.ok(slow.liveness && slow.next_poll_s);
  const finished = view(await mcp.call("code_worker_wait_for_job", { job_id: slow.job_id, timeout_s: 60 }));
  assert.equal(finished.status, "done");
  assert.equal(finished.next, "discard");
});
