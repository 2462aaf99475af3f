// After a job: merge status against the host's moving HEAD, apply in each mode, discard, gc.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { execa } from "execa";
import { simpleGit } from "simple-git";
import { bash, fixSumScript, readSum, sampleTask, say } from "../src/demo/sample.js";
import { compactResult } from "../src/views/compact.js";
import { fixture, treeDigest } from "./helpers.js";

async function doneJob(t: Parameters<typeof fixture>[0]) {
  const f = await fixture(t, { scripts: { "test-fast": fixSumScript() } });
  const started = await f.engine.start({ cwd: f.repo, task: sampleTask, taskLabel: "fix-sum", tier: "fast" });
  const job = await f.engine.wait(started.id, 120);
  assert.equal(job.status, "done", job.error);
  assert.equal(job.verdict?.verdict, "approve");
  return { f, job };
}

test("the host moved on: merge stays clean against the new HEAD, and apply makes one commit", async (t) => {
  const { f, job } = await doneJob(t);
  const git = simpleGit(f.repo);
  await writeFile(join(f.repo, "README.md"), "# sample\n");
  await git.add("README.md").commit("Add a README");
  await writeFile(join(f.repo, "notes.txt"), "host's own uncommitted notes\n");
  const head = await git.revparse(["HEAD"]);

  const fresh = compactResult(await f.engine.get(job.id), Date.now());
  assert.deepEqual(fresh.merge, { status: "clean", base: job.base.commit.slice(0, 7), host_head: head.slice(0, 7) });
  assert.equal(fresh.next, "apply");

  const applied = await f.engine.apply(job.id);
  assert.equal(applied.status, "applied");
  assert.equal(await git.revparse(["HEAD~1"]), head);
  const message = await git.raw(["log", "-1", "--format=%B"]);
  assert.match(message, /^fix-sum: Fixed the off-by-one/);
  assert.match(message, new RegExp(`Code-Worker-Job: ${job.id}`));
  assert.match(message, /Code-Worker-Verdict: approve/);
  assert.match(await readFile(join(f.repo, "src", "sum.js"), "utf8"), /let i = 0;/);
  assert.equal(await readFile(join(f.repo, "notes.txt"), "utf8"), "host's own uncommitted notes\n");
  assert.equal((await git.status()).isClean(), false, "the notes are still uncommitted");
  assert.ok(!existsSync(job.worktree));
  assert.ok((await git.branchLocal()).all.includes(job.branch), "the branch stays until gc");
  const view = compactResult(applied, Date.now());
  assert.equal(view.merge?.status, "applied");
  assert.equal(view.next, "none");
  // The job's own commit on its branch carries the verdict too, for people reading it with git.
  assert.match(await git.raw(["log", "-1", "--format=%B", job.branch]), /Code-Worker-Verdict: approve/);
  assert.equal(
    await git.raw(["log", "-1", "--format=%(trailers:only,unfold)", job.branch]),
    `Code-Worker-Job: ${job.id}\nCode-Worker-Model: ${job.tier.label}\nCode-Worker-Verdict: approve\n\n`,
    "one trailer block, as git reads it",
  );
});

test("the host changed the same lines: conflicts are named and apply changes nothing", async (t) => {
  const { f, job } = await doneJob(t);
  const git = simpleGit(f.repo);
  const sum = join(f.repo, "src", "sum.js");
  await writeFile(sum, (await readFile(sum, "utf8")).replace("let i = 1;", "let i = 1; // host's own fix attempt"));
  await git.add(".").commit("Host edits the same line");
  const hostOwn = (path: string) => /^\.git\/(objects|code-worker|logs)(\/|$)/.test(path);
  const before = treeDigest(f.repo, hostOwn);

  const view = compactResult(await f.engine.get(job.id), Date.now());
  assert.deepEqual(view.merge?.conflicts, { paths: ["src/sum.js"], count: 1 });
  assert.equal(view.merge?.status, "conflicts");
  assert.equal(view.next, "inspect");
  const data = { host_head: await git.revparse(["HEAD"]), branch: job.branch, paths: ["src/sum.js"] };
  await assert.rejects(f.engine.apply(job.id), { message: /src\/sum\.js/, code: "conflict", data });
  assert.deepEqual(treeDigest(f.repo, hostOwn), before);
  assert.equal((await f.engine.get(job.id)).status, "done");
});

test("an apply whose cleanup fails still records the job applied: the change is in the host", async (t) => {
  const { f, job } = await doneJob(t);
  const git = simpleGit(f.repo);
  const head = await git.revparse(["HEAD"]);
  // A directory git does not know as a worktree where the job's worktree was: git worktree remove refuses it.
  await rm(job.worktree, { recursive: true, force: true });
  await mkdir(job.worktree);

  const applied = await f.engine.apply(job.id);
  assert.equal(applied.status, "applied");
  assert.equal(await git.revparse(["HEAD~1"]), head);
  assert.equal(applied.applied?.host_head, (await git.revparse(["HEAD"])).slice(0, 7));
  const read = await f.engine.get(job.id);
  assert.equal(read.status, "applied");
  assert.deepEqual(read.applied, applied.applied);
  await assert.rejects(f.engine.apply(job.id), {
    message: `job ${job.id} is already applied (commit, host HEAD ${applied.applied?.host_head})`,
    code: "invalid_state",
    data: { job_id: job.id, status: "applied", host_head: applied.applied?.host_head },
  });
});

test("a change the policy sent to review is applied only with an explicit acceptance", async (t) => {
  const f = await fixture(t, {
    scripts: {
      "test-fast": {
        turns: [
          readSum,
          {
            content: [
              { type: "tool_use", name: "Edit", input: { file_path: "src/sum.js", old_string: "let i = 1;", new_string: "let i = 0;" } },
            ],
          },
          { content: [{ type: "tool_use", name: "Write", input: { file_path: "Dockerfile", content: "FROM node:20\n" } }] },
          say("Fixed, and added a Dockerfile."),
        ],
      },
    },
  });
  const started = await f.engine.start({ cwd: f.repo, task: sampleTask, tier: "fast" });
  const job = await f.engine.wait(started.id, 120);
  assert.equal(job.verdict?.verdict, "review");
  await assert.rejects(f.engine.apply(job.id), {
    message: /needs a person's review .*apply with accept_review/,
    code: "needs_review",
    data: { job_id: job.id, reasons: job.verdict.reasons },
  });
  const applied = await f.engine.apply(job.id, { acceptReview: true, mode: "working-tree" });
  assert.equal(applied.applied?.mode, "working-tree");
  assert.equal(applied.applied?.commit, undefined);
  const status = await simpleGit(f.repo).status();
  assert.deepEqual([...status.modified, ...status.not_added].sort(), ["Dockerfile", "src/sum.js"]);
});

test("discard leaves no worktree, no branch and no stray files; gc spares running and pending jobs", async (t) => {
  const f = await fixture(t, {
    scripts: {
      "test-fast": fixSumScript(),
      "test-think": { turns: [readSum, bash("true; sleep 1313")], fallback: say("Done.") },
    },
  });
  const git = simpleGit(f.repo);
  const pending = await f.engine.wait(
    (await f.engine.start({ cwd: f.repo, task: sampleTask, taskLabel: "pending", tier: "fast" })).id,
    120,
  );
  const dropped = await f.engine.wait(
    (await f.engine.start({ cwd: f.repo, task: sampleTask, taskLabel: "dropped", tier: "fast" })).id,
    120,
  );
  const running = await f.engine.start({ cwd: f.repo, task: "Look for a long time.", taskLabel: "running", tier: "think" });

  const discarded = await f.engine.discard(dropped.id);
  assert.equal(discarded.status, "discarded");
  assert.ok(!existsSync(dropped.worktree));
  assert.ok(!(await git.branchLocal()).all.includes(dropped.branch));
  assert.ok(!(await git.raw(["worktree", "list"])).includes(dropped.id));
  assert.ok(!existsSync(join(f.home, "run", dropped.id)));
  assert.equal(compactResult(discarded, Date.now()).merge?.status, "discarded");
  await assert.rejects(f.engine.discard(running.id), { message: /is still \w+; cancel it first/, code: "invalid_state" });

  const cleaned = await f.engine.gc(0);
  assert.deepEqual(
    cleaned.map((job) => job.id),
    [],
  );
  assert.ok(existsSync(pending.worktree), "an approved job not yet applied is never collected");
  assert.equal((await f.engine.get(running.id)).status === "discarded", false);

  const cli = join(import.meta.dirname, "..", "src", "cli", "main.js");
  const review = await execa("node", [cli, "review", pending.id], { env: f.env, extendEnv: false });
  assert.match(review.stdout, /policy  approve/);
  assert.match(review.stdout, /^\+  for \(let i = 0;/m);
  assert.match(review.stdout, new RegExp(`^apply:   code-worker apply ${pending.id} `, "m"));
  assert.match(review.stdout, new RegExp(`^discard: code-worker discard ${pending.id}$`, "m"));

  await f.engine.cancel(running.id, "obsolete");
  const collected = await f.engine.gc(0);
  assert.deepEqual(
    collected.map((job) => job.id),
    [running.id],
  );
  assert.ok(!(await git.branchLocal()).all.includes(running.branch));
});
