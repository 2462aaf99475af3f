// Jobs judged by the repository's policy, read from the base commit: protected and forbidden
// paths, a leaked key, a broken check, a worker editing the policy itself, an invalid policy.
import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { execa } from "execa";
import { simpleGit } from "simple-git";
import { readBasePolicy } from "../src/runner/steps/policy.js";
import { bash, fixSum, readSum, say, samplePolicy } from "../src/demo/sample.js";
import type { ScriptTurn } from "../src/provider/scripted-provider.js";
import { compactResult } from "../src/views/compact.js";
import { fixture } from "./helpers.js";

function write(path: string, content: string): ScriptTurn {
  return { content: [{ type: "tool_use", name: "Write", input: { file_path: path, content } }] };
}

async function runJob(t: Parameters<typeof fixture>[0], turns: ScriptTurn[], policy?: string) {
  const f = await fixture(t, { scripts: { "test-fast": { turns: [...turns, say("Done.")] } }, policy });
  const started = await f.engine.start({ cwd: f.repo, task: "Make the change.", tier: "fast" });
  const job = await f.engine.wait(started.id, 120);
  return { f, job, view: compactResult(job, Date.now()) };
}

test("a change to a protected path is sent to review, naming the rule", async (t) => {
  const { view } = await runJob(t, [readSum, fixSum, write(".github/workflows/ci.yml", "on: push\n")]);
  assert.equal(view.status, "done");
  assert.equal(view.policy?.verdict, "review");
  assert.match(view.policy!.reasons.join("\n"), /^protected-paths: .*\.github\/workflows\/ci\.yml/m);
  assert.equal(view.next, "review");
});

test("a change to a forbidden path is rejected", async (t) => {
  const { view } = await runJob(t, [write("config/server.pem", "not a key\n")]);
  assert.equal(view.policy?.verdict, "reject");
  assert.match(view.policy!.reasons[0]!, /^forbidden-paths: /);
  assert.equal(view.next, "discard");
});

test("an added line holding a key is rejected, and the key's text is nowhere in the result", async (t) => {
  const fakeKey = ["AKIA", "Q3EXAMPLE7ZZWQ4M"].join(""); // assembled so no credential-shaped literal sits in the source
  const { job, view } = await runJob(t, [write("src/config.js", `export const awsKey = "${fakeKey}";\n`)]);
  assert.equal(view.policy?.verdict, "reject");
  assert.match(view.policy!.reasons.join("\n"), /aws-access-key-id.*src\/config\.js:1/);
  assert.ok(!JSON.stringify(view).includes(fakeKey));
  assert.ok(!JSON.stringify(job.verdict).includes(fakeKey));
});

test("a change that breaks a check names the failed check, and its log can be read", async (t) => {
  const { f, job, view } = await runJob(t, [write("src/sum.js", "export function sum() { return 0; }\n")]);
  assert.deepEqual(view.checks, { passed: 0, failed: 1, failed_names: ["test"] });
  assert.equal(view.policy?.verdict, "reject");
  assert.match(view.policy!.reasons.join("\n"), /test/);
  const log = await readFile(join(f.repo, ".git", "code-worker", "jobs", job.id, "checks", "test.log"), "utf8");
  assert.match(log, /# fail 1/);
  assert.match(log, /\[exit 1\]$/m);
});

test("a job is judged by the base commit's policy, not the worker's edits nor the host's uncommitted ones", async (t) => {
  const loose = "version: 1\nrules:\n  forbidden-paths: off\n";
  const f = await fixture(t, {
    scripts: {
      "test-fast": {
        turns: [
          readSum,
          fixSum,
          bash(`node -e 'require("fs").writeFileSync(".code-worker/policy.yaml", ${JSON.stringify(loose)})'`),
          write("config/server.pem", "not a key\n"),
          say("Done."),
        ],
      },
    },
  });
  await writeFile(join(f.repo, ".code-worker", "policy.yaml"), loose); // the host's own uncommitted edit
  const started = await f.engine.start({ cwd: f.repo, task: "Make the change.", tier: "fast" });
  const job = await f.engine.wait(started.id, 120);
  const view = compactResult(job, Date.now());

  assert.equal(view.policy?.verdict, "reject");
  const reasons = view.policy!.reasons.join("\n");
  assert.match(reasons, /forbidden-paths: .*config\/server\.pem/);
  assert.equal(job.policy_sources, (await readBasePolicy(f.repo, job.base.commit)).policy.sources);
  // The host's uncommitted edit was found, not used, and the result says so.
  assert.equal(view.policy?.unused, ".code-worker/policy.yaml (uncommitted)");
  // The floor keeps the worker's hands off the policy; had it got through, the floor would flag it.
  const changed = await simpleGit(f.repo).raw(["diff", "--name-only", `${job.base.commit}..${job.branch}`]);
  assert.ok(!changed.includes(".code-worker/") || /floor-self: a policy never approves a change to itself/.test(reasons), reasons);
});

test("an invalid policy stops the job before any worker runs, with file:line:col", async (t) => {
  const broken = samplePolicy().replace("checks:", "  max-files: { maxx: 3 }\nchecks:");
  const { f, job } = await runJob(t, [write("x.txt", "x")], broken);
  assert.equal(job.status, "failed");
  assert.match(job.error ?? "", /^\.code-worker\/policy\.yaml:6:16 \[\w+\] rules\.max-files: unknown key "maxx" \(did you mean "max"\?\)$/);
  assert.equal(job.worker, undefined);
  assert.equal(f.provider.requests.filter((r) => r.path === "/v1/messages").length, 0);

  const cli = join(import.meta.dirname, "..", "src", "cli", "main.js");
  const check = await execa("node", [cli, "policy", "check"], { cwd: f.repo, reject: false, env: f.env, extendEnv: false });
  assert.equal(check.exitCode, 1);
  assert.equal(check.stdout.trim(), job.error);
});
