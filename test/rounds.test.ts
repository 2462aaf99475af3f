// A job as a conversation, through the real Claude Code binary: a fix round the runner starts
// itself, a host's follow-up, escalation from fast to think, claims checked against facts. The
// scripted provider answers each round from the conversation's content, so these hold whether a
// round resumes its session or starts afresh.
import assert from "node:assert/strict";
import { readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { simpleGit } from "simple-git";
import { fixSum, readSum, sampleTask, samplePolicy, say } from "../src/demo/sample.js";
import { loadConfig } from "../src/config.js";
import { Engine } from "../src/control/engine.js";
import type { ScriptTurn } from "../src/provider/scripted-provider.js";
import { HomeLayout } from "../src/store/home.js";
import { compactResult } from "../src/views/compact.js";
import { fixture } from "./helpers.js";

const fixMarker = "The checks failed on your change";
const notes = (text: string): ScriptTurn => ({
  content: [{ type: "tool_use", name: "Write", input: { file_path: "NOTES.md", content: `${text}\n` } }],
});
const readme = (text: string): ScriptTurn => ({
  content: [{ type: "tool_use", name: "Write", input: { file_path: "README.md", content: `${text}\n` } }],
});
const policyWith = (worker: string) =>
  samplePolicy(["Read", "Glob", "Grep", "Edit", "Write", "Bash"]).replace("worker:\n", `worker:\n${worker}`);

test("a round that leaves a check failing is followed by a fix round that fixes it; a follow-up adds a third", async (t) => {
  const followUp = "Also add a README saying what sum() does.";
  const f = await fixture(t, {
    scripts: {
      "test-fast": {
        turns: [],
        // Most specific first: a fresh session's prompt carries the task as well as the new instruction.
        rounds: [
          { when: followUp, turns: [readme("sum() adds numbers."), say("Added the README.")] },
          { when: fixMarker, turns: [readSum, fixSum, say("Fixed the loop start.")] },
          {
            when: "off-by-one",
            turns: [
              notes("looked at sum"),
              say("Wrote notes; the tests pass.", { commands: [{ command: "node --test", outcome: "pass" }], files_changed: ["NOTES.md"] }),
            ],
          },
        ],
      },
    },
  });
  const started = await f.engine.start({ cwd: f.repo, task: sampleTask, taskLabel: "rounds", tier: "fast" });
  const job = await f.engine.wait(started.id, 120);
  assert.equal(job.status, "done", job.error);
  assert.deepEqual(
    job.rounds?.map((round) => [round.n, round.kind, round.tier, round.session, round.checks?.failed_names, round.verdict]),
    [
      [1, "first", "fast", "new", ["test"], "reject"],
      [2, "fix", "fast", "resumed", [], "approve"],
    ],
  );
  const view = compactResult(job, Date.now());
  assert.deepEqual(
    { round: view.round, rounds: view.rounds, fixed: view.fixed, verdict: view.policy?.verdict },
    { round: 2, rounds: 2, fixed: ["test"], verdict: "approve" },
  );
  // The fix round was told which check failed and why, and the round-1 claim that the tests pass is not the last word.
  const fixRequest = f.provider.requests.find((request) => request.round === fixMarker);
  assert.ok(fixRequest, "the provider saw the fix round");
  const git = simpleGit(f.repo);
  assert.equal(
    (await git.raw(["rev-list", "--count", `${job.base.commit}..${job.branch}`])).trim(),
    "2",
    "a commit per round that changed something",
  );

  // The host's follow-up: round 3 on the same branch, the checks run again on the whole change.
  const continued = await f.engine.continue(job.id, { task: followUp });
  assert.equal(continued.pending_round?.n, 3);
  const third = await f.engine.wait(job.id, 120);
  assert.equal(third.status, "done", third.error);
  assert.deepEqual(
    third.rounds?.map((round) => [round.kind, round.session]),
    [
      ["first", "new"],
      ["fix", "resumed"],
      ["continue", "resumed"],
    ],
  );
  assert.equal((await git.raw(["rev-list", "--count", `${job.base.commit}..${job.branch}`])).trim(), "3");
  assert.equal(await git.show([`${job.branch}:README.md`]), "sum() adds numbers.\n");
  assert.deepEqual(third.changes?.files, 3, "NOTES.md, README.md and src/sum.js, from the base");
  assert.equal(third.checks?.passed, 1);
  const logs = await readdir(join(f.repo, ".git", "code-worker", "jobs", job.id, "rounds", "3", "checks"));
  assert.deepEqual(logs, ["test.log"], "round 3's check log is kept apart");

  // Applied, the commit says what every round did.
  await f.engine.apply(job.id, { mode: "commit" });
  const message = await git.raw(["log", "-1", "--format=%B", "main"]);
  assert.match(
    message,
    /^Round 1 \(first\): Wrote notes; the tests pass\.\nRound 2 \(fix\): Fixed the loop start\.\nRound 3 \(continue\): Added the README\.$/m,
  );
});

test("auto escalates: the fast rounds leave the check failing, one think round fixes it, both models asked", async (t) => {
  const f = await fixture(t, {
    scripts: {
      "test-fast": {
        turns: [],
        rounds: [
          { when: fixMarker, turns: [notes("still looking"), say("Still looking.")] },
          { when: "off-by-one", turns: [notes("looked"), say("Looked.")] },
        ],
      },
      "test-think": { turns: [], rounds: [{ when: fixMarker, turns: [readSum, fixSum, say("Fixed the loop start.")] }] },
    },
  });
  const started = await f.engine.start({ cwd: f.repo, task: sampleTask, tier: "auto" });
  assert.equal(started.tier.chosen, "fast");
  const job = await f.engine.wait(started.id, 180);
  assert.equal(job.status, "done", job.error);
  assert.deepEqual(
    job.rounds?.map((round) => [round.kind, round.tier]),
    [
      ["first", "fast"],
      ["fix", "fast"],
      ["escalate", "think"],
    ],
  );
  const models = new Set(f.provider.requests.map((request) => request.model).filter(Boolean));
  assert.deepEqual([...models].sort(), ["test-fast", "test-think"]);
  const view = compactResult(job, Date.now());
  assert.deepEqual(
    { tiers: view.tiers, escalated: view.escalated, fixed: view.fixed },
    { tiers: ["fast", "think"], escalated: true, fixed: ["test"] },
  );
});

test("a report that claims passing tests the check fails is a reason; a reject from a path starts no fix round", async (t) => {
  const f = await fixture(t, {
    policy: policyWith("  fix_rounds: 0\n"),
    scripts: {
      "test-fast": {
        turns: [
          notes("x"),
          say("Done; the tests pass.", {
            commands: [{ command: "node --test", outcome: "pass" }],
            files_changed: ["NOTES.md", "src/sum.js"],
          }),
        ],
      },
    },
  });
  const started = await f.engine.start({ cwd: f.repo, task: "Write notes.", tier: "fast" });
  const job = await f.engine.wait(started.id, 120);
  assert.equal(job.status, "done", job.error);
  assert.equal(job.rounds?.length, 1, "fix_rounds: 0");
  const reasons = job.verdict?.reasons ?? [];
  assert.ok(
    reasons.some((reason) => /worker says `node --test` passed; check test failed/.test(reason)),
    reasons.join(" | "),
  );
  assert.ok(
    reasons.some((reason) => /worker says it changed src\/sum\.js; the diff does not touch it/.test(reason)),
    reasons.join(" | "),
  );

  const forbidden = await fixture(t, {
    scripts: {
      "test-fast": {
        turns: [
          { content: [{ type: "tool_use", name: "Write", input: { file_path: "config/server.pem", content: "not a key\n" } }] },
          say("Added the cert."),
        ],
      },
    },
  });
  const rejected = await forbidden.engine.wait(
    (await forbidden.engine.start({ cwd: forbidden.repo, task: "Add a cert.", tier: "fast" })).id,
    120,
  );
  assert.equal(rejected.verdict?.verdict, "reject");
  assert.match(rejected.verdict?.reasons[0] ?? "", /^forbidden-paths: /);
  assert.equal(rejected.checks?.failed, 1);
  assert.equal(rejected.rounds?.length, 1, "the failing check does not start a fix round beside a path reject");
});

test("continue: refused with one line for an applied job and past max_rounds; after a restart and a lost session it starts afresh", async (t) => {
  const again = "Add NOTES.md with one line.";
  const f = await fixture(t, {
    policy: policyWith("  max_rounds: 2\n"),
    scripts: {
      "test-fast": {
        turns: [],
        rounds: [
          { when: again, turns: [notes("one line"), say("Added notes.")] },
          { when: "off-by-one", turns: [readSum, fixSum, say("Fixed.")] },
        ],
      },
    },
  });
  const first = await f.engine.wait((await f.engine.start({ cwd: f.repo, task: sampleTask, tier: "fast" })).id, 120);
  assert.equal(first.status, "done", first.error);

  // A new engine, as after a server restart; the worker's transcript is gone from its config dir.
  const restarted = new Engine(loadConfig(f.env), f.env);
  await rm(join(new HomeLayout(f.home).runDir(first.id), "worker", "config", "projects"), { recursive: true, force: true });
  await restarted.continue(first.id, { task: again });
  const second = await restarted.wait(first.id, 120);
  assert.equal(second.status, "done", second.error);
  assert.deepEqual(
    second.rounds?.map((round) => [round.kind, round.session]),
    [
      ["first", "new"],
      ["continue", "fresh"],
    ],
  );
  assert.equal(await simpleGit(f.repo).show([`${second.branch}:NOTES.md`]), "one line\n");

  await assert.rejects(restarted.continue(first.id, { task: "More." }), {
    message: `job ${first.id} has run 2 rounds, its policy's limit (worker.max_rounds); apply or discard it, or start a new job`,
  });
  await restarted.apply(first.id, { mode: "commit" });
  await assert.rejects(restarted.continue(first.id, { task: "More." }), {
    message: `job ${first.id} is applied; only a done, failed, cancelled or timed-out job can be continued, start a new job instead`,
  });
  await assert.rejects(restarted.continue(first.id, { task: "  " }), { message: "task is empty; say what the worker should change next" });
});
