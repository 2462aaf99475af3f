// The command line around one real job the policy rejects (its check fails): start --wait names the
// check while it runs and exits 4; the job is found by id from anywhere, its repository named; logs
// and review show why the check failed; color only when asked for; gc cleans this repository
// unless --all, and the cleaned job keeps its outcome in list.
import assert from "node:assert/strict";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { execa } from "execa";
import { simpleGit } from "simple-git";
import { bash, samplePolicy, say } from "../src/demo/sample.js";
import type { ScriptTurn } from "../src/provider/scripted-provider.js";
import { fixture } from "./helpers.js";

const cli = join(import.meta.dirname, "..", "src", "cli", "main.js");
const breakSum: ScriptTurn = {
  content: [{ type: "tool_use", name: "Write", input: { file_path: "src/sum.js", content: "export function sum() { return 0; }\n" } }],
};

test("a rejected job through the CLI, seen from another repository", async (t) => {
  // The check takes a second, so a follower polling every 250 ms sees it run; no fix round.
  const policy = samplePolicy(["Read", "Write"])
    .replace('run: "node --test"', 'run: "sleep 1 && node --test"')
    .replace("worker:\n", "worker:\n  fix_rounds: 0\n");
  const f = await fixture(t, { scripts: { "test-fast": { turns: [breakSum, say("Done.")] } }, policy });
  const cw = (args: string[], cwd: string, env: Record<string, string> = {}) =>
    execa("node", [cli, ...args], { cwd, env: { ...f.env, ...env }, extendEnv: false, reject: false });
  const other = join(f.root, "other");
  await mkdir(other);
  await simpleGit(other).init();

  const started = await cw(["start", "--task", "Simplify sum.", "--label", "simplify", "--tier", "fast", "--wait"], f.repo);
  assert.equal(started.exitCode, 4, started.stdout + started.stderr);
  assert.match(started.stdout, /^ {2}checking · test$/m);
  const id = /^job (simplify-[a-z0-9]{4}) /.exec(started.stdout)![1]!;

  // From a directory in another repository: the job by id, and list naming its repository.
  const status = await cw(["status", id, "--json"], other);
  assert.deepEqual([status.exitCode, JSON.parse(status.stdout).policy.verdict], [0, "reject"]);
  const listed = await cw(["list"], other);
  assert.match(listed.stdout, new RegExp(`^${id} done fast \\d+s 1f \\+1 -\\d+ reject  ${f.repo}$`));
  const rows = JSON.parse((await cw(["list", "--json"], other)).stdout).jobs;
  assert.deepEqual(
    { ...rows[0], elapsed_s: 0 },
    {
      job_id: id,
      status: "done",
      tier: "fast",
      elapsed_s: 0,
      changes: rows[0].changes,
      verdict: "reject",
      merge: rows[0].merge,
      repo: f.repo,
    },
  );

  // Why the check failed: its log's tail, in logs and in review.
  const log = await cw(["logs", id, "--check", "test", "--lines", "1"], other);
  assert.deepEqual([log.exitCode, log.stdout], [0, "[exit 1]"]);
  const review = await cw(["review", id], other);
  assert.match(review.stdout, new RegExp(`^check test: fail, exit 1 · last lines \\(code-worker logs ${id} --check test\\)$`, "m"));
  assert.match(review.stdout, /^ {2}# fail 1$/m);
  const activity = JSON.parse((await cw(["logs", id, "--json"], other)).stdout);
  assert.equal(activity.job_id, id);
  assert.ok(activity.activity.includes("→ Write src/sum.js"), activity.activity.join("\n"));

  // Color only at a terminal or when forced; NO_COLOR wins.
  assert.ok(!listed.stdout.includes("\u001b["));
  const forced = await cw(["list"], other, { FORCE_COLOR: "1" });
  assert.match(forced.stdout, new RegExp(`^${id} \u001b\\[32mdone\u001b\\[39m .* \u001b\\[31mreject\u001b\\[39m`));
  assert.ok(!(await cw(["list"], other, { FORCE_COLOR: "1", NO_COLOR: "1" })).stdout.includes("\u001b["));

  // gc: this repository's jobs only, unless --all; the cleaned job keeps its outcome.
  const here = await cw(["gc", "--older-than", "0"], other);
  assert.deepEqual([here.exitCode, here.stdout], [0, "nothing to clean in this repository (--all for every repository)"]);
  const all = await cw(["gc", "--older-than", "0", "--all"], other);
  assert.equal(all.stdout, `cleaned ${id} (done)  ${f.repo}`);
  const after = await cw(["list"], other);
  assert.match(after.stdout, new RegExp(`^${id} done fast \\d+s 1f \\+1 -\\d+ reject cleaned  ${f.repo}$`));
});

test("a followed job that says nothing for a minute gets a quiet line, then its end", async (t) => {
  const f = await fixture(t, {
    scripts: { "test-fast": { turns: [bash("true; sleep 68", "Wait"), say("Waited.")], fallback: say("Done.") } },
  });
  const waited = await execa("node", [cli, "start", "--task", "Wait a minute.", "--label", "quiet", "--tier", "fast", "--wait"], {
    cwd: f.repo,
    env: f.env,
    extendEnv: false,
    reject: false,
    timeout: 150_000,
  });
  const lines = waited.stdout.split("\n");
  const quiet = lines.findIndex((line) => /^ {2}quiet · 6\ds · thinking$/.test(line));
  assert.ok(quiet > 0, waited.stdout);
  assert.match(lines[quiet - 1]!, /^ {2}working · Bash true; sleep 68 · /, "the quiet line follows the last change");
  assert.ok(
    lines.slice(quiet + 1).some((line) => /^ {2}done · /.test(line) || /^done/.test(line)),
    waited.stdout,
  );
});
