// Every failure is a terminal state (or, before a job exists, an error) with one line saying what to change.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { chmod, mkdir, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { simpleGit } from "simple-git";
import { loadConfig } from "../src/config.js";
import { bash, fixSumScript, readSum, samplePolicy, say } from "../src/demo/sample.js";
import { Engine } from "../src/control/engine.js";
import { fixture, testKey } from "./helpers.js";

/** A PATH directory holding git alone, so a test decides which other programs exist. */
async function binWithGitOnly(root: string): Promise<string> {
  const bin = join(root, "bin");
  await mkdir(bin);
  await symlink(execFileSync("sh", ["-c", "command -v git"], { encoding: "utf8" }).trim(), join(bin, "git"));
  return bin;
}

test("a key the provider rejects fails the job, naming the variable, without the key", async (t) => {
  const f = await fixture(t, { scripts: { "test-fast": fixSumScript() }, providerKey: "sk-some-other-key-0000000000" });
  const started = await f.engine.start({ cwd: f.repo, task: "Fix sum.", tier: "fast" });
  const job = await f.engine.wait(started.id, 60);
  assert.equal(job.status, "failed");
  assert.match(job.error ?? "", /^the provider rejected the key: .* \(check CODE_WORKER_API_KEY_FILE\)$/);
  assert.ok(!JSON.stringify(job).includes(testKey));
  assert.equal(job.changes?.files, 0);
});

test("a provider that keeps failing with 500 fails the job after bounded retries", async (t) => {
  const f = await fixture(t, { scripts: { "test-fast": { turns: [], fallback: { status: 500 } } } });
  const started = await f.engine.start({ cwd: f.repo, task: "Fix sum.", tier: "fast" });
  const job = await f.engine.wait(started.id, 60);
  assert.equal(job.status, "failed");
  const attempts = f.provider.requests.filter((r) => r.path === "/v1/messages").length;
  assert.match(job.error ?? "", new RegExp(`^the provider failed on ${attempts} requests: .*500`));
  assert.ok(attempts >= 2 && attempts <= 4, `${attempts} requests`);
});

test("what the doctor refuses is refused when a job starts, in its words: no binary, an open key file, two keys", async (t) => {
  const f = await fixture(t, { scripts: { "*": { turns: [say("Done.")] } }, env: { CLAUDE_BIN: "/nonexistent/claude" } });
  await assert.rejects(f.engine.start({ cwd: f.repo, task: "Fix sum.", tier: "fast" }), {
    message: 'CLAUDE_BIN points to "/nonexistent/claude", which does not exist',
  });

  await chmod(f.keyFile, 0o644);
  const env = { ...f.env, CLAUDE_BIN: "" };
  const engine = new Engine(loadConfig(env), env);
  await assert.rejects(engine.start({ cwd: f.repo, task: "Fix sum.", tier: "fast" }), {
    message: `key file ${f.keyFile} is open to group or others (mode 644); fix: chmod 600 ${f.keyFile}`,
  });
  assert.deepEqual(await engine.list(), []);

  assert.throws(() => loadConfig({ ...env, CODE_WORKER_API_KEY: "sk-other" }), {
    message: "CODE_WORKER_API_KEY_FILE and CODE_WORKER_API_KEY are both set; unset CODE_WORKER_API_KEY (the key file is preferred)",
  });
});

test("a worker out of turns fails naming the limit the job ran with", async (t) => {
  const policy = samplePolicy(["Read", "Glob", "Grep", "Edit", "Write", "Bash"]).replace("worker:", "worker:\n  max_turns: 2");
  const f = await fixture(t, {
    policy,
    scripts: { "test-fast": { turns: [readSum, bash("true"), bash("true"), bash("true"), say("Done.")] } },
  });
  const job = await f.engine.wait((await f.engine.start({ cwd: f.repo, task: "Fix sum.", tier: "fast" })).id, 60);
  assert.equal(job.status, "failed");
  assert.equal(job.error, "the worker used all 2 turns (the policy's worker.max_turns) before finishing");
});

test("without bubblewrap and socat a sandboxed job fails naming them and the way out", async (t) => {
  const f = await fixture(t, { scripts: { "*": { turns: [say("Done.")] } } });
  const bin = await binWithGitOnly(f.root);
  const env = { ...f.env, PATH: bin, CODE_WORKER_SANDBOX: "on" };
  const engine = new Engine(loadConfig(env), env);
  const started = await engine.start({ cwd: f.repo, task: "Fix sum.", tier: "fast" });
  const job = await engine.wait(started.id, 30);
  assert.equal(job.status, "failed");
  const needed =
    process.getuid!() === 0
      ? "bwrap and socat and setpriv (Debian: apt-get install bubblewrap socat util-linux)"
      : "bwrap and socat (Debian: apt-get install bubblewrap socat)";
  assert.equal(job.error, `the worker's sandbox needs ${needed}; or set CODE_WORKER_SANDBOX=off to run without it`);
});

test("a bubblewrap that the kernel refuses namespaces fails the job before the worker, saying so", async (t) => {
  const f = await fixture(t, { scripts: { "*": { turns: [say("Done.")] } } });
  const bin = await binWithGitOnly(f.root);
  await writeFile(join(bin, "bwrap"), "#!/bin/sh\necho 'bwrap: No permissions to create new namespace' >&2\nexit 1\n", { mode: 0o755 });
  await writeFile(join(bin, "socat"), "#!/bin/sh\nexit 0\n", { mode: 0o755 });
  await writeFile(join(bin, "setpriv"), "#!/bin/sh\nexit 0\n", { mode: 0o755 });
  const env = { ...f.env, PATH: bin, CODE_WORKER_SANDBOX: "on" };
  const engine = new Engine(loadConfig(env), env);
  const job = await engine.wait((await engine.start({ cwd: f.repo, task: "Fix sum.", tier: "fast" })).id, 30);
  assert.equal(job.status, "failed");
  assert.equal(
    job.error,
    "bubblewrap cannot start a sandbox here (bwrap: No permissions to create new namespace); the kernel may forbid unprivileged user namespaces; or set CODE_WORKER_SANDBOX=off to run without it",
  );
  assert.equal(f.provider.requests.length, 0);
});

test("bad requests are refused before any job exists, each saying what to change", async (t) => {
  const f = await fixture(t, { scripts: { "*": { turns: [say("Done.")] } }, env: { CODE_WORKER_THINK_MODEL: "" } });
  const empty = join(f.root, "empty");
  await mkdir(empty);
  const cases: [Parameters<Engine["start"]>[0], RegExp][] = [
    [{ cwd: "relative/dir", task: "x" }, /^cwd must be an absolute path, got "relative\/dir"$/],
    [{ cwd: join(f.root, "missing"), task: "x" }, /is not a directory$/],
    [{ cwd: empty, task: "x" }, /is not inside a git repository \(run git init there, or pass the repository's path\)$/],
    [{ cwd: f.repo, task: "   " }, /^task is empty/],
    [
      { cwd: f.repo, task: "x", tier: "think" },
      /^execution_tier "think" needs a model: set CODE_WORKER_THINK_MODEL or ask for the other tier$/,
    ],
    [{ cwd: f.repo, task: "x", base: "no-such-branch" }, /^base "no-such-branch" is not a commit in /],
    [{ cwd: f.repo, task: "x", timeoutS: 5 }, /^timeout_s must be a whole number of seconds from 10 to 86400, got 5$/],
  ];
  for (const [request, message] of cases) await assert.rejects(f.engine.start(request), { message });
  await simpleGit(empty).init();
  await assert.rejects(f.engine.start({ cwd: empty, task: "x" }), { message: /has no commits yet; commit something first$/ });
  await assert.rejects(f.engine.get("../../etc"), { message: /is not a job id/ });
  await assert.rejects(f.engine.get("nosuch-job1"), { message: /^unknown job "nosuch-job1"/ });
  assert.deepEqual(await f.engine.list(), []);
});
