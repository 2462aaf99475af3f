// `code-worker policy test` on small real projects: the committed policy's setup and checks run on a
// throwaway worktree of HEAD in a job's sandbox, each step's outcome and log tail printed, a line for
// what the sandbox lacks, and nothing left behind: no worktree, branch or runtime dir, the host as it was.
import assert from "node:assert/strict";
import { mkdir, readdir, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { simpleGit } from "simple-git";
import { project, steady, type Project } from "./cli-projects.js";
import { hostState, sandboxAvailable } from "./helpers.js";

const sandbox = sandboxAvailable ? "on" : "off";
const seen = sandboxAvailable ? "the sandbox sees" : "checks run with";
const removed = "the throwaway worktree is removed";

const nodeProject = (checks: string, extra: Record<string, string> = {}) => ({
  "package.json": `${JSON.stringify({ name: "sum", type: "module", scripts: { test: "node --test" } })}\n`,
  "src/sum.js": "export const sum = (xs) => xs.reduce((a, b) => a + b, 0);\n",
  "test/sum.test.js":
    'import test from "node:test";\nimport assert from "node:assert/strict";\nimport { sum } from "../src/sum.js";\ntest("sum", () => assert.equal(sum([1, 2]), 3));\n',
  ".code-worker/policy.yaml": `version: 1\nextends: builtin:strict\nchecks:\n${checks}`,
  ...extra,
});

/** Nothing of the test is left: no job branch, one worktree (the checkout), empty runtime and worktree dirs. */
async function assertNothingLeft(p: Project, before: Map<string, string>): Promise<void> {
  assert.deepEqual(hostState(p.repo), before, "the host checkout changed");
  const git = simpleGit(p.repo);
  assert.equal((await git.raw(["branch", "--list", "code-worker/*"])).trim(), "");
  assert.equal((await git.raw(["worktree", "list", "--porcelain"])).match(/^worktree /gm)?.length, 1);
  assert.deepEqual(await readdir(join(p.home, "run")), []);
  assert.deepEqual(await readdir(join(p.home, "worktrees")), []);
}

test("a passing and a failing check: each one's outcome and log tail, exit 1, nothing left", async (t) => {
  const p = await project(
    t,
    nodeProject("  unit: { run: node --test --test-reporter=dot, timeout: 1m }\n  lint: { run: [node, scripts/lint.js], timeout: 1m }\n", {
      "scripts/lint.js": 'console.log("checking src/sum.js");\nconsole.log("src/sum.js:1: missing semicolon");\nprocess.exitCode = 1;\n',
    }),
  );
  const before = hostState(p.repo);
  const run = await p.cli(["policy", "test"]);
  assert.equal(run.stderr, "");
  assert.deepEqual(steady(run.stdout), [
    `policy test: HEAD ${await p.head()}, builtin:strict>repo sha256:…, sandbox ${sandbox}`,
    "check unit: pass in Ns · node --test --test-reporter=dot",
    "  │ .",
    "check lint: fail (exit 1) after Ns · node scripts/lint.js",
    "  │ checking src/sum.js",
    "  │ src/sum.js:1: missing semicolon",
    `1 passed, 1 failed; ${removed}`,
  ]);
  assert.equal(run.exitCode, 1);
  await assertNothingLeft(p, before);

  // The checkout's own edit of the policy is not what a job would use: HEAD's runs, and it says so.
  await writeFile(join(p.repo, ".code-worker", "policy.yaml"), "version: 1\nchecks: {}\n");
  const json = await p.cli(["policy", "test", "--checks", "--json"]);
  const trial = JSON.parse(json.stdout) as { uncommitted: string; steps: { name: string; outcome: string; tail: string[] }[] };
  assert.equal(trial.uncommitted, ".code-worker/policy.yaml");
  assert.deepEqual(
    trial.steps.map((step) => [step.name, step.outcome, step.tail]),
    [
      ["unit", "pass", ["."]],
      ["lint", "fail", ["checking src/sum.js", "src/sum.js:1: missing semicolon"]],
    ],
  );
  assert.equal(json.exitCode, 1);
});

test("setup runs before the checks; a program the sandbox cannot reach gets a line naming it and the PATH", async (t) => {
  const p = await project(
    t,
    nodeProject(
      '  unit: { run: node --test --test-reporter=dot, timeout: 1m }\n  fmt: { run: "prettierx --check .", timeout: 1m }\n  tool: { run: [mytool], timeout: 1m }\n' +
        'worktree:\n  setup:\n    marker: { run: "echo preparing", timeout: 1m }\n',
    ),
  );
  // A tool on PATH through a link into a directory the sandbox does not show (a home's, say).
  const bin = join(p.root, "bin");
  const tool = join(p.home, "tools", "mytool");
  await mkdir(join(p.home, "tools"), { recursive: true });
  await writeFile(tool, "#!/bin/sh\necho mytool 1.0\n", { mode: 0o755 });
  await mkdir(bin);
  await symlink(tool, join(bin, "mytool"));
  const path = `${bin}:${p.env.PATH}`;
  const before = hostState(p.repo);
  const run = await p.cli(["policy", "test"], { PATH: path });
  const lines = steady(run.stdout);
  const tails = lines.filter(
    (line, i) => line.startsWith("  │ ") && /^check (fmt|tool):/.test(lines.slice(0, i).findLast((l) => !l.startsWith("  "))!),
  );
  assert.match(tails[0]!, /prettierx: (command )?not found$/);
  const exit = process.getuid?.() === 0 ? 127 : 1; // setpriv says it, or bubblewrap itself
  assert.deepEqual(
    lines.filter((line) => !tails.includes(line)),
    [
      `policy test: HEAD ${await p.head()}, builtin:strict>repo sha256:…, sandbox ${sandbox}`,
      "setup marker: pass in Ns · echo preparing",
      "  │ preparing",
      "check unit: pass in Ns · node --test --test-reporter=dot",
      "  │ .",
      "check fmt: fail (exit 127) after Ns · prettierx --check .",
      `  ! \`prettierx\` is not on the PATH ${seen}: ${path}`,
      ...(sandboxAvailable
        ? [
            `check tool: fail (exit ${exit}) after Ns · mytool`,
            `  ! \`mytool\` is not on the PATH the sandbox sees: ${bin}/mytool links to ${tool}, a path the sandbox hides; install it under a directory of PATH`,
            `2 passed, 2 failed; ${removed}`,
          ]
        : ["check tool: pass in Ns · mytool", `3 passed, 1 failed; ${removed}`]),
    ],
  );
  if (sandboxAvailable) assert.match(tails[1]!, /mytool: No such file or directory$/);
  assert.equal(run.exitCode, 1);
  await assertNothingLeft(p, before);

  const setupOnly = await p.cli(["policy", "test", "--setup"], { PATH: path });
  assert.deepEqual(steady(setupOnly.stdout).slice(1), [
    "setup marker: pass in Ns · echo preparing",
    "  │ preparing",
    `1 passed, 0 failed; ${removed}`,
  ]);
  assert.equal(setupOnly.exitCode, 0);
});

test("a failing setup step ends the run as it would end a job: the checks are listed, not run", async (t) => {
  const p = await project(
    t,
    nodeProject(
      "  unit: { run: node --test, timeout: 1m }\n" + 'worktree:\n  setup:\n    deps: { run: "echo fetching; exit 3", timeout: 1m }\n',
    ),
  );
  const before = hostState(p.repo);
  const run = await p.cli(["policy", "test"]);
  assert.deepEqual(steady(run.stdout).slice(1), [
    "setup deps: fail (exit 3) after Ns · echo fetching; exit 3",
    "  │ fetching",
    "check unit: not run (a setup step failed) · node --test",
    `0 passed, 1 failed, 1 not run; ${removed}`,
  ]);
  assert.equal(run.exitCode, 1);
  await assertNothingLeft(p, before);
});

test(
  "a link in a linked directory that points where the sandbox shows nothing gets a line",
  { skip: !sandboxAvailable && "needs the sandbox" },
  async (t) => {
    const p = await project(t, {
      ".gitignore": "node_modules/\n",
      "package.json": `${JSON.stringify({ name: "linked" })}\n`,
      ".code-worker/policy.yaml":
        "version: 1\nextends: builtin:strict\nchecks:\n" +
        "  local: { run: [node, -e, \"require('local'); console.log('local ok')\"], timeout: 1m }\n" +
        "  dep: { run: [node, -e, \"try { require('dep') } catch (error) { console.log(error.code); process.exit(1) }\"], timeout: 1m }\n" +
        "worktree:\n  link: [node_modules]\n",
    });
    // One package installed in the checkout, one linked from CODE_WORKER_HOME, which every job's sandbox hides.
    await mkdir(join(p.repo, "node_modules", "local"), { recursive: true });
    await writeFile(join(p.repo, "node_modules", "local", "index.js"), "module.exports = 1;\n");
    const dep = join(p.home, "cache", "dep");
    await mkdir(dep, { recursive: true });
    await writeFile(join(dep, "index.js"), "module.exports = 2;\n");
    await symlink(dep, join(p.repo, "node_modules", "dep"));
    const before = hostState(p.repo);
    const run = await p.cli(["policy", "test"]);
    assert.deepEqual(steady(run.stdout), [
      `policy test: HEAD ${await p.head()}, builtin:strict>repo sha256:…, sandbox on`,
      `  ! node_modules/dep (in worktree.link "node_modules") links to ${dep}, a path the sandbox hides: checks see a broken link`,
      "check local: pass in Ns · node -e require('local'); console.log('local ok')",
      "  │ local ok",
      "check dep: fail (exit 1) after Ns · node -e try { require('dep') } catch (error) { console.log(error.code); process.exit(1) }",
      "  │ MODULE_NOT_FOUND",
      `1 passed, 1 failed; ${removed}`,
    ]);
    assert.equal(run.exitCode, 1);
    await assertNothingLeft(p, before);
  },
);

test("an invalid committed policy is one line naming the problem, exit 2, before anything is made", async (t) => {
  const p = await project(t, nodeProject("  unit: { run: node --test, timout: 1m }\n"));
  const before = hostState(p.repo);
  const run = await p.cli(["policy", "test"]);
  assert.equal(run.stdout, "");
  assert.equal(
    run.stderr,
    'code-worker: .code-worker/policy.yaml:4:29 [UNKNOWN_KEY] checks.unit: unknown key "timout" (did you mean "timeout"?)',
  );
  assert.equal(run.exitCode, 2);
  assert.deepEqual(hostState(p.repo), before);
});
