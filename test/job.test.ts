// A whole job through the real Claude Code binary: edits, a command, the commit on the job branch,
// and everything the host must never see changed or leaked.
import assert from "node:assert/strict";
import { readFile, writeFile, appendFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { execa } from "execa";
import { simpleGit } from "simple-git";
import { fixSum, fixSumScript, readSum, sampleTask, say } from "../src/demo/sample.js";
import { loadConfig } from "../src/config.js";
import { Engine } from "../src/control/engine.js";
import { compactResult, resultBudget } from "../src/views/compact.js";
import { filesContaining, fixture, hostState, sandboxAvailable, testKey } from "./helpers.js";

test("a job edits, runs the tests and ends done with its change committed on its branch", async (t) => {
  const f = await fixture(t, { scripts: { "test-fast": fixSumScript() } });
  // Uncommitted host work, staged and not, that the job must leave alone.
  await appendFile(join(f.repo, "src", "sum.js"), "// host's unsaved thought\n");
  await writeFile(join(f.repo, "notes.txt"), "host notes, untracked\n");
  await simpleGit(f.repo).add("notes.txt");
  const hostBefore = hostState(f.repo);
  const headBefore = await simpleGit(f.repo).revparse(["HEAD"]);

  const started = await f.engine.start({ cwd: f.repo, task: sampleTask, taskLabel: "fix-sum", tier: "fast" });
  assert.match(started.id, /^fix-sum-[a-z0-9]{4}$/);
  assert.equal(started.branch, `code-worker/${started.id}`);
  const job = await f.engine.wait(started.id, 120);

  assert.equal(job.status, "done", job.error);
  assert.deepEqual(job.changes, { files: 1, insertions: 1, deletions: 1, top: ["src/sum.js +1 -1"], more: 0 });
  assert.equal(job.worker?.turns, 5); // four answers; the final report's StructuredOutput call is a turn of its own
  assert.match(job.worker?.summary ?? "", /off-by-one/);

  // The branch holds exactly the fix, as one commit with the job's trailers.
  const git = simpleGit(f.repo);
  const fixed = await git.show([`${job.branch}:src/sum.js`]);
  assert.match(fixed, /let i = 0;/);
  assert.equal(await git.revparse([`${job.branch}~1`]), job.base.commit);
  const message = await git.raw(["log", "-1", "--format=%B", job.branch]);
  assert.match(message, new RegExp(`Code-Worker-Job: ${job.id}`));
  // The verdict rewrote the commit's message only: code-worker's authorship, the worktree's HEAD,
  // index and files all still agree with it.
  assert.match(
    await git.raw(["log", "-1", "--format=%an <%ae> %(trailers:key=Code-Worker-Verdict,valueonly)", job.branch]),
    /^code-worker <code-worker@localhost> approve/,
  );
  assert.equal(await simpleGit(job.worktree).raw(["status", "--porcelain"]), "");
  assert.equal(await simpleGit(job.worktree).revparse(["HEAD"]), await git.revparse([job.branch]));
  // The worker really ran the test in its worktree: its output is in the event log.
  const events = await readFile(join(f.repo, ".git", "code-worker", "jobs", job.id, "events.jsonl"), "utf8");
  assert.match(events, /# pass 1/);

  // The host checkout: same files, same index, same branch and HEAD, uncommitted work intact.
  assert.deepEqual(hostState(f.repo), hostBefore);
  assert.equal(await git.revparse(["HEAD"]), headBefore);
  assert.match(await readFile(join(f.repo, "src", "sum.js"), "utf8"), /let i = 1;[\s\S]*host's unsaved thought/);

  // The key is in no record, log, event file or result.
  assert.deepEqual(filesContaining(f.home, testKey), []);
  assert.deepEqual(filesContaining(join(f.repo, ".git"), testKey), []);
  const result = JSON.stringify(compactResult(job, Date.now()));
  assert.ok(Buffer.byteLength(result) <= resultBudget);
  assert.ok(!result.includes(testKey));
  // Every request reached the provider with the key, through the base URL given with /v1.
  assert.ok(f.provider.requests.some((r) => r.path === "/v1/messages" && r.apiKey === testKey));
  assert.equal(job.settings.sandbox, sandboxAvailable);
});

test("a job started by one engine is seen finishing by a fresh one, as after a server restart", async (t) => {
  const f = await fixture(t, { scripts: { "test-fast": fixSumScript(150) } });
  const started = await f.engine.start({ cwd: f.repo, task: sampleTask, tier: "fast" });
  const restarted = new Engine(loadConfig(f.env), f.env);
  const job = await restarted.wait(started.id, 120);
  assert.equal(job.status, "done", job.error);
  assert.equal(job.changes?.files, 1);
  const listed = await restarted.list({ cwd: f.repo });
  assert.deepEqual(
    listed.map((r) => r.id),
    [started.id],
  );
});

test("the CLI starts a job, follows it with progress lines and prints the result", async (t) => {
  const f = await fixture(t, { scripts: { "test-fast": fixSumScript(300) } });
  const cli = join(import.meta.dirname, "..", "src", "cli", "main.js");
  const run = await execa("node", [cli, "start", "--task", sampleTask, "--label", "cli-fix", "--tier", "fast", "--wait"], {
    cwd: f.repo,
    env: f.env,
    extendEnv: false,
    reject: false,
  });
  assert.equal(run.exitCode, 0, run.stderr);
  assert.match(run.stdout, /^job cli-fix-[a-z0-9]{4} on branch code-worker\/cli-fix-/m);
  // Which steps a poll catches depends on the machine's load; each line has this shape.
  assert.match(run.stdout, /^ {2}working · (Read|Edit|Bash) [^·]+ · \d+ turns? · \d+s$/m);
  assert.match(run.stdout, /changes 1 file \+1 -1/);

  const status = await execa("node", [cli, "status", "--json"], { cwd: f.repo, env: f.env, extendEnv: false });
  const view = JSON.parse(status.stdout);
  assert.equal(view.status, "done");
  assert.equal(view.next, "apply");
  const logs = await execa("node", [cli, "logs", view.job_id], { cwd: f.repo, env: f.env, extendEnv: false });
  assert.match(logs.stdout, /→ Read src\/sum\.js\n→ Edit src\/sum\.js\n→ Bash node --test test\//);
  const bad = await execa("node", [cli, "cancel", view.job_id], { cwd: f.repo, env: f.env, extendEnv: false, reject: false });
  assert.equal(bad.exitCode, 2);
  assert.equal(bad.stderr.trim(), "code-worker: cancel needs --reason user_requested|obsolete|unsafe");
});

test("a key that comes back from the provider is redacted from the record, the events and the commit", async (t) => {
  const f = await fixture(t, {
    scripts: { "test-fast": { turns: [readSum, fixSum, say(`Fixed it. By the way, your key is ${testKey}.`)] } },
  });
  const started = await f.engine.start({ cwd: f.repo, task: "Fix sum.", tier: "fast" });
  const job = await f.engine.wait(started.id, 120);
  assert.equal(job.status, "done", job.error);
  assert.match(job.worker?.summary ?? "", /your key is \[redacted\]/);
  assert.deepEqual(filesContaining(join(f.repo, ".git", "code-worker"), testKey), []);
  assert.deepEqual(filesContaining(f.home, testKey), []);
  const history = await simpleGit(f.repo).raw(["log", "--all", "--format=%B"]);
  assert.match(history, /\[redacted\]/);
  assert.ok(!history.includes(testKey));
});
