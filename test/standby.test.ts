// The MCP server's runner started ahead: the next job runs in it, a new one takes its place, it
// leaves with the server, and a spare that died is replaced by a runner started for the job.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { fixSumScript } from "../src/demo/sample.js";
import { commandLine, descendants, isAlive } from "../src/os/processes.js";
import { JobStore } from "../src/store/store.js";
import type { JobRecord } from "../src/store/record.js";
import { eventually, fixture, type Fixture } from "./helpers.js";
import { connect, view, type Connection } from "./mcp-client.js";

/** The server's spare runners: its children waiting for a job. */
function spares(mcp: Connection): number[] {
  return descendants(mcp.transport.pid!).filter((pid) => commandLine(pid)?.includes("--standby"));
}

async function runDone(f: Fixture, mcp: Connection): Promise<{ job: Record<string, any>; record: JobRecord; log: string }> {
  const { job_id } = view(await mcp.call("code_worker_start_implementation", { cwd: f.repo, task: "Fix sum.", execution_tier: "fast" }));
  const job = view(await mcp.call("code_worker_wait_for_job", { job_id, timeout_s: 120 }));
  assert.equal(job.status, "done", job.error);
  const store = new JobStore(`${f.repo}/.git/code-worker`);
  return { job, record: await store.read(job_id), log: readFileSync(store.file(job_id, "runner.log"), "utf8") };
}

test("the server's runner started ahead runs the next job, is replaced, and leaves with the server", async (t) => {
  const f = await fixture(t, { scripts: { "test-fast": fixSumScript(0) } });
  const mcp = await connect(t, f.env);
  const [spare] = await eventually("the server to start a spare runner", () => (spares(mcp).length === 1 ? spares(mcp) : undefined));

  const { record, log } = await runDone(f, mcp);
  assert.equal(record.runner?.pid, spare, "the job ran in the spare");
  assert.match(log, new RegExp(`runner ${spare} starting job ${record.id} \\(started ahead\\)`));
  assert.match(log, new RegExp(`runner ${spare} finished job ${record.id}`), "the spare's own lines reach the job's runner.log");
  await eventually("the spare to exit after its job", () => (isAlive(spare!) ? undefined : true), 10_000);

  const [next] = await eventually("a new spare in its place", () => (spares(mcp).length === 1 ? spares(mcp) : undefined));
  assert.notEqual(next, spare);
  process.kill(mcp.transport.pid!, "SIGKILL");
  await eventually("the spare to leave with its server", () => (isAlive(next!) ? undefined : true), 10_000);
});

test("a spare that died before its job is replaced by a runner started for the job", async (t) => {
  const f = await fixture(t, { scripts: { "test-fast": fixSumScript(0) } });
  const mcp = await connect(t, f.env);
  const [spare] = await eventually("a spare runner", () => (spares(mcp).length === 1 ? spares(mcp) : undefined));
  process.kill(spare!, "SIGKILL");
  await eventually("the spare to be gone", () => (isAlive(spare!) ? undefined : true));

  const { record, log } = await runDone(f, mcp);
  assert.notEqual(record.runner?.pid, spare);
  assert.match(log, new RegExp(`runner ${record.runner?.pid} starting job ${record.id}\n`), "a runner started for the job");
});

test("CODE_WORKER_STANDBY_RUNNER=off: the server starts a runner for each job and keeps none waiting", async (t) => {
  const f = await fixture(t, { scripts: { "test-fast": fixSumScript(0) }, env: { CODE_WORKER_STANDBY_RUNNER: "off" } });
  const mcp = await connect(t, f.env);
  const { record, log } = await runDone(f, mcp);
  assert.doesNotMatch(log, /started ahead/);
  assert.match(log, new RegExp(`runner ${record.runner?.pid} starting job ${record.id}\n`));
  assert.deepEqual(spares(mcp), []);
});
