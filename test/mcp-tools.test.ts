// Every tool through a real MCP client over stdio: the surface, a whole job, errors, byte budgets.
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { simpleGit } from "simple-git";
import { bash, fixSumScript, readSum, sampleTask, say } from "../src/demo/sample.js";
import { resultBudget } from "../src/views/compact.js";
import { fixture, processesWith } from "./helpers.js";
import { connect, errorText, hostBytes, view } from "./mcp-client.js";

/** The whole tools/list response a host loads into its context; the README states this budget. */
const toolsListBudget = 10_240;

test("tools/list is small, every tool says what it is for first, and annotations are honest", async (t) => {
  const f = await fixture(t, { scripts: { "*": { turns: [say("Done.")] } } });
  const mcp = await connect(t, f.env);
  const { tools } = await mcp.client.listTools();
  const bytes = Buffer.byteLength(JSON.stringify({ tools }));
  assert.ok(bytes <= toolsListBudget, `tools/list is ${bytes} bytes`);
  const byName = Object.fromEntries(tools.map((tool) => [tool.name, tool]));
  assert.deepEqual(Object.keys(byName).sort(), [
    "code_worker_apply_job",
    "code_worker_cancel_job",
    "code_worker_discard_job",
    "code_worker_get_details",
    "code_worker_get_job",
    "code_worker_list_jobs",
    "code_worker_run_patch",
    "code_worker_start_implementation",
    "code_worker_wait_for_job",
  ]);
  for (const tool of tools) {
    assert.ok(tool.outputSchema, `${tool.name} declares an output schema`);
    assert.equal(tool.inputSchema.additionalProperties, false, `${tool.name} advertises that it refuses unknown arguments`);
    assert.ok((tool.description ?? "").split(". ")[0]!.length <= 200, `${tool.name}'s first sentence is short`);
  }
  for (const name of ["code_worker_get_job", "code_worker_wait_for_job", "code_worker_list_jobs", "code_worker_get_details"]) {
    assert.equal(byName[name]!.annotations?.readOnlyHint, true, name);
  }
  assert.equal(byName.code_worker_cancel_job!.annotations?.destructiveHint, true);
  assert.equal(byName.code_worker_discard_job!.annotations?.destructiveHint, true);
  assert.equal(byName.code_worker_apply_job!.annotations?.readOnlyHint, false);
  assert.equal(byName.code_worker_apply_job!.annotations?.destructiveHint, true);
  assert.equal(byName.code_worker_start_implementation!.annotations?.readOnlyHint, false);
});

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
  const waited = await mcp.call("code_worker_wait_for_job", { job_id: started.job_id, timeout_s: 120 }, { onprogress: (p) => progress.push(p.message ?? "") });
  const result = view(waited);
  assert.equal(result.status, "done", result.error);
  assert.deepEqual(result.changes, { files: 1, insertions: 1, deletions: 1, top: ["src/sum.js +1 -1"] });
  assert.equal(result.next, "apply");
  assert.deepEqual(result.checks, { passed: 1, failed: 0, failed_names: [] });
  assert.deepEqual(result.policy, { verdict: "approve", reasons: [] });
  assert.ok(hostBytes(waited) <= resultBudget);
  assert.ok(progress.some((line) => /^working · /.test(line)), `progress: ${progress.join(" | ")}`);

  const diff = view(await mcp.call("code_worker_get_details", { job_id: started.job_id, what: "diff" }));
  assert.match(diff.text, /^-  for \(let i = 1;/m);
  assert.match(diff.text, /^\+  for \(let i = 0;/m);
  const events = view(await mcp.call("code_worker_get_details", { job_id: started.job_id, what: "events" }));
  assert.match(events.text, /→ Edit src\/sum\.js/);
  const checkLog = view(await mcp.call("code_worker_get_details", { job_id: started.job_id, what: "check_log", path: "test" }));
  assert.match(checkLog.text, /# pass 1/);
  assert.match(errorText(await mcp.call("code_worker_get_details", { job_id: started.job_id, what: "check_log", path: "lint" })), /^no check "lint" ran for this job; these did: test$/);
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
  assert.match(errorText(await mcp.call("code_worker_apply_job", { job_id: started.job_id })), /is already applied/);
  assert.match(errorText(await mcp.call("code_worker_discard_job", { job_id: started.job_id })), /is applied; its branch goes with code-worker gc/);
  assert.equal(mcp.stderr().includes("internal error"), false);
});

test("expected failures are one-line isError results and the server keeps serving", async (t) => {
  const f = await fixture(t, { scripts: { "*": { turns: [say("Done.")] } }, env: { CODE_WORKER_THINK_MODEL: "" } });
  const mcp = await connect(t, f.env);
  const start = (args: Record<string, unknown>) => mcp.call("code_worker_start_implementation", { cwd: f.repo, task: "Fix sum.", ...args });
  assert.equal(errorText(await start({ cwd: "repo" })), 'cwd must be an absolute path, got "repo"');
  assert.match(errorText(await start({ cwd: f.root })), /is not inside a git repository \(run git init there, or pass the repository's path\)$/);
  assert.match(errorText(await start({ execution_tier: "fastest" })), /execution_tier/);
  assert.equal(errorText(await start({ execution_tier: "think" })), 'execution_tier "think" needs a model: set CODE_WORKER_THINK_MODEL or ask for the other tier');
  assert.equal(errorText(await mcp.call("code_worker_get_job", { job_id: "nosuch-abcd" })), 'unknown job "nosuch-abcd" (list jobs to see their ids)');
  assert.match(errorText(await mcp.call("code_worker_get_job", { job_id: "../../etc/passwd" })), /is not a job id/);
  assert.match(errorText(await mcp.call("code_worker_cancel_job", { job_id: "nosuch-abcd", reason: "because" })), /reason/);
  for (const result of [await start({ cwd: "repo" }), await mcp.call("code_worker_get_job", { job_id: "nosuch-abcd" })]) {
    assert.ok(!errorText(result).includes("\n") && !errorText(result).includes("    at "), "one line, no stack");
  }
  assert.ok(view(await mcp.call("code_worker_list_jobs", {})).jobs);
});

test("bad arguments get one line naming the field and its form, and the server keeps answering", async (t) => {
  const f = await fixture(t, { scripts: { "*": { turns: [say("Done.")] } } });
  const mcp = await connect(t, f.env);
  const cases: [string, Record<string, unknown>, string][] = [
    ["code_worker_wait_for_job", { job_id: "fix-sum-k7m2", timeout: 30 }, 'unknown argument "timeout" (this tool takes job_id, timeout_s)'],
    ["code_worker_get_job", { job_id: "fix-sum-k7m2", ["x".repeat(100)]: 1, y: 2 }, `unknown argument "${"x".repeat(40)}…" and 1 more (this tool takes job_id)`],
    ["code_worker_start_implementation", { cwd: f.repo, task: "Fix\0 sum." }, "task must be a string without NUL bytes, got one at character 3"],
    ["code_worker_start_implementation", { cwd: f.repo, task: "Fix sum.", task_label: "a\0b" }, "task_label must be a string without NUL bytes, got one at character 1"],
    ["code_worker_get_details", { job_id: "fix-sum-k7m2", what: "diff", path: "src/\0" }, "path must be a string without NUL bytes, got one at character 4"],
    ["code_worker_get_job", { job_id: "a".repeat(10_240) }, `job_id must be a string of at most 64 characters, got "${"a".repeat(40)}…"`],
    ["code_worker_get_job", {}, "job_id must be a string of at most 64 characters, got nothing"],
    ["code_worker_wait_for_job", { job_id: "fix-sum-k7m2", timeout_s: "60" }, 'timeout_s must be a whole number from 1 to 240, got "60"'],
    ["code_worker_wait_for_job", { job_id: "fix-sum-k7m2", timeout_s: 2.5 }, "timeout_s must be a whole number from 1 to 240, got 2.5"],
    ["code_worker_start_implementation", { cwd: f.repo, task: "Fix sum.", timeout_s: 5 }, "timeout_s must be a whole number from 10 to 86400, got 5"],
    ["code_worker_cancel_job", { job_id: "fix-sum-k7m2", reason: "because" }, 'reason must be one of user_requested, obsolete, unsafe, got "because"'],
    ["code_worker_apply_job", { job_id: "fix-sum-k7m2", accept_review: "yes" }, 'accept_review must be true or false, got "yes"'],
    ["code_worker_list_jobs", { limit: [1, 2] }, "limit must be a whole number from 1 to 50, got [1,2]"],
    // Within the schema's bound, so the engine refuses it; its echo is cut all the same.
    ["code_worker_get_job", { job_id: "b".repeat(60) }, `"${"b".repeat(40)}…" is not a job id (they look like orders-import-fix-k7m2)`],
  ];
  for (const [tool, args, line] of cases) {
    const text = errorText(await mcp.call(tool, args));
    assert.equal(text, line, `${tool} ${JSON.stringify(args).slice(0, 80)}`);
    assert.ok(Buffer.byteLength(text) < 200, `${text.length} bytes`);
  }
  assert.deepEqual(view(await mcp.call("code_worker_list_jobs", {})).jobs, []);
  assert.equal(mcp.stderr().includes("internal error"), false);
});

test("a server started with a bad configuration still answers, naming the variable", async (t) => {
  const f = await fixture(t, { scripts: { "*": { turns: [say("Done.")] } } });
  const mcp = await connect(t, { ...f.env, CODE_WORKER_MAX_JOBS: "lots" });
  const message = 'CODE_WORKER_MAX_JOBS must be a whole number from 1 to 64, got "lots"';
  assert.equal(errorText(await mcp.call("code_worker_list_jobs", {})), message);
  assert.equal(errorText(await mcp.call("code_worker_start_implementation", { cwd: f.repo, task: "x" })), message);
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
      },
    },
  });
  await writeFile(join(f.repo, "big.txt"), "line of text\n".repeat(40_000));
  await simpleGit(f.repo).add("big.txt").commit("Add a big file");
  const mcp = await connect(t, f.env);
  const { job_id } = view(await mcp.call("code_worker_start_implementation", { cwd: f.repo, task: "Read big.txt and run the tests.", execution_tier: "fast" }));
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
  const f = await fixture(t, { scripts: { "test-fast": { turns: [readSum, bash("true; sleep 6"), say("Slow but done.")] }, "*": fixSumScript() } });
  const mcp = await connect(t, f.env);
  const slow = view(await mcp.call("code_worker_run_patch", { cwd: f.repo, task: "Look slowly.", deadline_s: 5 }));
  assert.ok(["working", "preparing"].includes(slow.status), slow.status);
  assert.ok(slow.liveness && slow.next_poll_s);
  const finished = view(await mcp.call("code_worker_wait_for_job", { job_id: slow.job_id, timeout_s: 60 }));
  assert.equal(finished.status, "done");
  assert.equal(finished.next, "discard");
});
