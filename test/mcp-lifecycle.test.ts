// The server holds no job state: killed mid-job and restarted, it sees the job finish. A host that
// gives up on a call leaves neither the server nor the job broken.
import assert from "node:assert/strict";
import { test } from "node:test";
import { bash, fixSum, fixSumScript, readSum, say } from "../src/demo/sample.js";
import { isAlive } from "../src/os/processes.js";
import { fixture } from "./helpers.js";
import { connect, view } from "./mcp-client.js";

test("a server killed mid-job and restarted sees the job finish", async (t) => {
  const f = await fixture(t, { scripts: { "test-fast": fixSumScript(250) } });
  const first = await connect(t, f.env);
  const { job_id } = view(await first.call("code_worker_start_implementation", { cwd: f.repo, task: "Fix sum.", execution_tier: "fast" }));
  const pid = first.transport.pid!;
  process.kill(pid, "SIGKILL");
  await first.client.close();
  assert.equal(isAlive(pid), false);

  const second = await connect(t, f.env);
  const job = view(await second.call("code_worker_wait_for_job", { job_id, timeout_s: 120 }));
  assert.equal(job.status, "done", job.error);
  assert.equal(job.changes.files, 1);
});

test("a host that cancels a wait call gets control back; the server and the job carry on", async (t) => {
  const f = await fixture(t, {
    scripts: { "test-fast": { turns: [readSum, bash("true; sleep 4"), say("Done waiting.")], fallback: say("Nothing more to fix.") } },
  });
  const mcp = await connect(t, f.env);
  const { job_id } = view(await mcp.call("code_worker_start_implementation", { cwd: f.repo, task: "Wait a bit.", execution_tier: "fast" }));
  const abort = new AbortController();
  setTimeout(() => abort.abort(), 500);
  await assert.rejects(mcp.call("code_worker_wait_for_job", { job_id, timeout_s: 200 }, { signal: abort.signal }), {
    message: /AbortError/,
  });
  const during = view(await mcp.call("code_worker_get_job", { job_id }));
  assert.ok(["preparing", "working", "done"].includes(during.status), during.status);
  const done = view(await mcp.call("code_worker_wait_for_job", { job_id, timeout_s: 60 }));
  assert.equal(done.status, "done");
});

test("cancel_job stops a running job, keeps its partial work and returns the final view", async (t) => {
  const f = await fixture(t, { scripts: { "test-fast": { turns: [readSum, fixSum, bash("true; sleep 1311")], fallback: say("Done.") } } });
  const mcp = await connect(t, f.env);
  const { job_id } = view(
    await mcp.call("code_worker_start_implementation", { cwd: f.repo, task: "Fix sum, then wait.", execution_tier: "fast" }),
  );
  for (;;) {
    const job = view(await mcp.call("code_worker_get_job", { job_id }));
    if (job.liveness?.last_activity?.includes("sleep 1311")) break;
    assert.ok(job.status !== "done" && job.status !== "failed", job.status);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const cancelled = view(await mcp.call("code_worker_cancel_job", { job_id, reason: "user_requested", note: "changed my mind" }));
  assert.equal(cancelled.status, "cancelled");
  assert.match(cancelled.error, /^cancelled \(user_requested\): changed my mind; partial work is on branch/);
  assert.equal(cancelled.changes.files, 1);
  assert.equal(cancelled.next, "inspect");
  const again = view(await mcp.call("code_worker_cancel_job", { job_id, reason: "user_requested" }));
  assert.equal(again.status, "cancelled");
});
