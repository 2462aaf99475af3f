// Worktree setup from the base commit's policy and .worktreeinclude, and what check commands see.
import assert from "node:assert/strict";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { execa } from "execa";
import { simpleGit } from "simple-git";
import { bash, fixSum, readSum, say, samplePolicy } from "../src/demo/sample.js";
import { fixture, sandboxAvailable, testKey } from "./helpers.js";

const workerAllow = ["Read", "Glob", "Grep", "Edit", "Write", "Bash"];

test("ignored files named by .worktreeinclude are copied, setup runs, and checks never see the key", async (t) => {
  const policy = samplePolicy(workerAllow)
    // Without the sandbox nothing hides the key file from a check (only its environment is clean).
    .replace(
      "checks:\n",
      `checks:\n  env: { run: "env; ${sandboxAvailable ? "cat $KEY_FILE; " : ""}test -f .env.local", env: { KEY_FILE: "KEYFILE" } }\n`,
    )
    .concat('worktree:\n  setup:\n    marker: { run: "echo prepared > .setup-done", timeout: 30s }\n');
  const f = await fixture(t, {
    scripts: { "test-fast": { turns: [readSum, fixSum, say("Fixed.")] } },
    policy: policy.replace("KEYFILE", "__KEY__"),
  });
  // The key file's path is only known now; the policy is rewritten and committed with it.
  await writeFile(join(f.repo, ".code-worker", "policy.yaml"), policy.replace("KEYFILE", f.keyFile));
  await writeFile(join(f.repo, ".gitignore"), ".env.local\n.setup-done\n");
  await writeFile(join(f.repo, ".worktreeinclude"), "# Claude Code's list of ignored files to copy\n.env.local\n");
  await writeFile(join(f.repo, ".env.local"), "LOCAL_SETTING=1\n");
  await simpleGit(f.repo).add(".").commit("Policy with setup, .worktreeinclude");

  const started = await f.engine.start({ cwd: f.repo, task: "Fix sum.", tier: "fast" });
  const job = await f.engine.wait(started.id, 120);
  assert.equal(job.status, "done", job.error);
  assert.equal(await readFile(join(job.worktree, ".env.local"), "utf8"), "LOCAL_SETTING=1\n");
  assert.equal(await readFile(join(job.worktree, ".setup-done"), "utf8"), "prepared\n");
  assert.deepEqual(job.checks?.failed_names, []);
  assert.equal(job.checks?.passed, 2);
  assert.equal(job.changes?.files, 1, "copied and set-up files are ignored, never committed");

  const envLog = await readFile(join(f.repo, ".git", "code-worker", "jobs", job.id, "checks", "env.log"), "utf8");
  assert.match(envLog, /^CI=true$/m);
  assert.ok(!envLog.includes(testKey), "a check saw the key");
  assert.ok(!envLog.includes("ANTHROPIC_API_KEY"));

  const cli = join(import.meta.dirname, "..", "src", "cli", "main.js");
  const explain = await execa("node", [cli, "policy", "explain", job.id], { env: f.env, extendEnv: false });
  assert.match(explain.stdout, new RegExp(`^${job.id}: approve by builtin:strict>repo sha256:`));
  assert.match(explain.stdout, /check env: pass/);
});

test("a failing setup command ends the job before the worker, naming the command and its output", async (t) => {
  const policy = samplePolicy(workerAllow).concat(
    'worktree:\n  setup:\n    deps: { run: "echo fetching; echo no network here >&2; exit 3", timeout: 30s }\n',
  );
  const f = await fixture(t, { scripts: { "test-fast": { turns: [say("Never asked.")] } }, policy });
  const started = await f.engine.start({ cwd: f.repo, task: "Fix sum.", tier: "fast" });
  const job = await f.engine.wait(started.id, 60);
  assert.equal(job.status, "failed");
  assert.equal(
    job.error,
    'worktree setup "deps" (echo fetching; echo no network here >&2; exit 3) exited 3: fetching | no network here | [exit 3]',
  );
  assert.equal(f.provider.requests.filter((r) => r.path === "/v1/messages").length, 0);
});

test("a linked directory ignored as a directory is shared read-only and never part of the change", async (t) => {
  const policy = samplePolicy(workerAllow).concat('worktree:\n  link: ["node_modules"]\n');
  const f = await fixture(t, {
    policy,
    scripts: {
      "test-fast": {
        turns: [
          readSum,
          fixSum,
          bash(
            `node -e 'const fs = require("fs"); console.log(fs.readFileSync("node_modules/dep/index.js", "utf8")); try { fs.writeFileSync("node_modules/dep/index.js", "changed"); } catch (error) { console.log(error.code); }'`,
          ),
          say("Fixed."),
        ],
      },
    },
  });
  await writeFile(join(f.repo, ".gitignore"), "node_modules/\n");
  await mkdir(join(f.repo, "node_modules", "dep"), { recursive: true });
  await writeFile(join(f.repo, "node_modules", "dep", "index.js"), "export const dep = 1;\n");
  await simpleGit(f.repo).add(".gitignore").commit("Ignore dependencies as a directory");

  const job = await f.engine.wait((await f.engine.start({ cwd: f.repo, task: "Fix sum.", tier: "fast" })).id, 120);
  assert.equal(job.status, "done", job.error);
  assert.deepEqual(job.changes?.top, ["src/sum.js +1 -1"]);
  assert.equal(job.verdict?.verdict, "approve", job.verdict?.reasons.join("; "));
  const events = await readFile(join(f.repo, ".git", "code-worker", "jobs", job.id, "events.jsonl"), "utf8");
  assert.match(events, /export const dep = 1;/);
  if (sandboxAvailable) {
    assert.match(events, /EROFS/);
    assert.equal(await readFile(join(f.repo, "node_modules", "dep", "index.js"), "utf8"), "export const dep = 1;\n");
  }
});
