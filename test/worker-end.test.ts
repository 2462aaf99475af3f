// How a worker's end is judged: a result followed by a process that will not exit is a finished
// worker, not a stalled provider; a worker killed from outside is named by its signal, and nothing
// of its sandbox outlives it.
import assert from "node:assert/strict";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { fixSum, readSum } from "../src/demo/sample.js";
import { commandLine, descendants } from "../src/os/processes.js";
import { exitDescription } from "../src/worker/stream.js";
import { eventually, fixture, processesWith } from "./helpers.js";

test("a worker that lingers after its result is stopped and judged by the result", async (t) => {
  const f = await fixture(t, { scripts: { "*": { turns: [] } }, env: { CODE_WORKER_STALL_S: "5" } });
  // A stand-in for Claude Code that answers, then stays: the binary's own lingering is not reproducible on demand.
  await mkdir(join(f.root, "bin"), { mode: 0o755 });
  const lingerer = join(f.root, "bin", "lingering-claude");
  const result = { type: "result", subtype: "success", is_error: false, num_turns: 1, result: "Nothing to change.", session_id: "s1" };
  await writeFile(
    lingerer,
    `#!/bin/sh\ncat > /dev/null\necho '${JSON.stringify({ type: "system", subtype: "init", session_id: "s1" })}'\necho '${JSON.stringify(result)}'\nexec sleep 1319\n`,
    { mode: 0o755 },
  );
  const env = { ...f.env, CLAUDE_BIN: lingerer };
  const { Engine } = await import("../src/control/engine.js");
  const { loadConfig } = await import("../src/config.js");
  const engine = new Engine(loadConfig(env), env);
  const started = Date.now();
  const job = await engine.wait((await engine.start({ cwd: f.repo, task: "Look.", tier: "fast" })).id, 60);
  assert.equal(job.status, "done", job.error);
  assert.equal(job.worker?.summary, "Nothing to change.");
  assert.ok(Date.now() - started < 5000 + 10_000, "ended long before the stall limit would have mattered");
  assert.deepEqual(processesWith("sleep 1319"), []);
});

test("a worker killed from outside is named by its signal, and its sandbox's helpers end with it", async (t) => {
  const f = await fixture(t, {
    scripts: {
      "test-fast": { turns: [readSum, fixSum, { content: [{ type: "tool_use", name: "Bash", input: { command: "true; sleep 1321" } }] }] },
    },
  });
  const started = await f.engine.start({ cwd: f.repo, task: "Fix sum.", tier: "fast" });
  await eventually("the worker's long command", () => (processesWith("sleep 1321").length ? true : undefined));
  // Only this job's worker: other tests run beside this one.
  const own = descendants(started.runner!.pid).filter((pid) => commandLine(pid)?.includes("--output-format"));
  assert.ok(own.length > 0);
  for (const pid of own) process.kill(pid, "SIGKILL");
  const job = await f.engine.wait(started.id, 60);
  assert.equal(job.status, "failed");
  assert.match(job.error ?? "", /^the worker stopped without a result: killed by SIGKILL/);
  await eventually(
    "every process of the job to end",
    () => (processesWith("sleep 1321").length || processesWith(`run/${job.id}/relay`).length ? undefined : true),
    10_000,
  );
});

test("exits are described by signal when there is one", () => {
  assert.equal(exitDescription({ code: 137 }), "killed by SIGKILL (exit code 137)");
  assert.equal(exitDescription({ signal: "SIGTERM" }), "killed by SIGTERM");
  assert.equal(exitDescription({ code: 1 }), "exit code 1");
  assert.equal(exitDescription({}), "ended without an exit code");
});
