// `code-worker init` on small real projects: a commented policy for the toolchain it finds, valid for
// the loader jobs use, never over an existing one without --force, and, once committed, one that
// `code-worker policy test` runs as it is.
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { simpleGit } from "simple-git";
import { project, steady } from "./cli-projects.js";
import { hostState, sandboxAvailable } from "./helpers.js";

const strictAllow = '[Read, Glob, Grep, Edit, Write, "Bash(git status)", "Bash(git diff:*)", "Bash(git log:*)", "Bash(ls:*)"';
const commitLines = [
  "commit it: jobs and policy test read the policy from the commit, never from your checkout",
  '  git add .code-worker/policy.yaml && git commit -m "code-worker policy"',
  "then run its setup and checks in a job's sandbox: code-worker policy test",
];

test("an npm project with a lockfile: npm ci as setup, npm test as the check, its lockfile paired; never overwritten", async (t) => {
  const p = await project(t, {
    "package.json": `${JSON.stringify({ name: "orders-web", scripts: { test: "vitest run" }, devDependencies: { vitest: "^3.0.0" } })}\n`,
    "package-lock.json": '{ "lockfileVersion": 3 }\n',
  });
  const policy = join(p.repo, ".code-worker", "policy.yaml");
  const before = hostState(p.repo);
  const run = await p.cli(["init"]);
  assert.equal(run.stderr, "");
  assert.deepEqual(run.stdout.split("\n"), [
    `wrote ${policy} (npm: setup npm ci --no-audit --no-fund; check npm test)`,
    "  ! node_modules/ is not ignored by git: add it to .gitignore, or a job would commit what setup puts there",
    ...commitLines,
  ]);
  assert.equal(run.exitCode, 0);
  const text = await readFile(policy, "utf8");
  const lines = text.split("\n");
  for (const line of [
    "# code-worker policy for orders-web (npm), written by `code-worker init`.",
    "extends: builtin:strict   # strict's rules stay; what follows adds to them or restates one",
    "      - { manifest: package.json, lockfiles: [package-lock.json], deps_only: true }",
    "    paths: [dist/, build/, coverage/]",
    '  test:   # package.json\'s scripts.test: "vitest run" (package.json is protected, so a job that edits it goes to review)',
    "    run: npm test",
    "      run: npm ci --no-audit --no-fund",
    `  # link: ["node_modules"]   # faster than setup.deps: share your checkout's node_modules, read-only`,
    `  allow: ${strictAllow}, "Bash(npm test:*)"]`,
  ])
    assert.ok(lines.includes(line), `missing line: ${line}\n${text}`);
  // The only change to the checkout is the new file; policy check (the loader jobs use) finds it valid.
  const after = hostState(p.repo);
  after.delete(".code-worker/policy.yaml");
  assert.deepEqual(after, before);
  const check = await p.cli(["policy", "check"]);
  assert.deepEqual([check.stdout, check.exitCode], [".code-worker/policy.yaml: valid", 0]);

  const again = await p.cli(["init"]);
  assert.deepEqual([again.stdout, again.stderr, again.exitCode], ["", `code-worker: ${policy} exists; pass --force to overwrite it`, 2]);
  assert.equal(await readFile(policy, "utf8"), text);
  const forced = await p.cli(["init", "--force"]);
  assert.equal(forced.exitCode, 0, forced.stderr);
  assert.equal(await readFile(policy, "utf8"), text);
});

test("go and cargo projects: their fetch as setup, offline tests as the check, go.sum and Cargo.lock paired", async (t) => {
  const go = await project(t, { "go.mod": "module example.com/orders\n\ngo 1.22\n", "go.sum": "", ".gitignore": "/bin/\n" });
  const goRun = await go.cli(["init", "--json"]);
  assert.deepEqual(JSON.parse(goRun.stdout), { file: join(go.repo, ".code-worker", "policy.yaml"), toolchains: ["go"], notes: [] });
  const goText = await readFile(join(go.repo, ".code-worker", "policy.yaml"), "utf8");
  for (const line of [
    "      - { manifest: go.mod, lockfiles: [go.sum] }",
    "  go-test:   # checks have no network: the modules come from setup",
    "    run: go test ./...",
    "      run: go mod download",
    `  allow: ${strictAllow}, "Bash(go test:*)"]`,
  ])
    assert.ok(goText.split("\n").includes(line), `missing line: ${line}\n${goText}`);
  assert.ok(!goText.includes("generated:"), "a go project has no usual build output to forbid");

  const cargo = await project(t, {
    "Cargo.toml": '[package]\nname = "orders"\nversion = "0.1.0"\n',
    "Cargo.lock": "version = 4\n",
    ".gitignore": "/target\n",
  });
  const cargoRun = await cargo.cli(["init"]);
  assert.deepEqual(cargoRun.stdout.split("\n"), [
    `wrote ${join(cargo.repo, ".code-worker", "policy.yaml")} (cargo: setup cargo fetch; check cargo test --offline)`,
    ...commitLines,
  ]);
  const cargoText = await readFile(join(cargo.repo, ".code-worker", "policy.yaml"), "utf8");
  for (const line of ["      - { manifest: Cargo.toml, lockfiles: [Cargo.lock] }", "    paths: [target/]", "    run: cargo test --offline"])
    assert.ok(cargoText.split("\n").includes(line), `missing line: ${line}\n${cargoText}`);
  for (const p of [go, cargo]) assert.equal((await p.cli(["policy", "check"])).stdout, ".code-worker/policy.yaml: valid");
});

test("a project init knows nothing of gets strict with a commented check; the first hour: init, commit, policy test", async (t) => {
  const bare = await project(t, { "README.md": "notes\n" });
  const run = await bare.cli(["init"]);
  assert.equal(run.stdout.split("\n")[0], `wrote ${join(bare.repo, ".code-worker", "policy.yaml")} (no known toolchain: add a check)`);
  const text = await readFile(join(bare.repo, ".code-worker", "policy.yaml"), "utf8");
  assert.ok(text.includes("# checks:\n#   unit: { run: make test, timeout: 10m }\n"), text);
  assert.ok(!/^(checks|worktree|rules):/m.test(text), text);

  // A node project with no dependencies: nothing to install, its own test script as the check.
  const p = await project(t, {
    "package.json": `${JSON.stringify({ name: "sum", type: "module", scripts: { test: "node --test" } })}\n`,
    "test/sum.test.js": 'import test from "node:test";\ntest("sum", () => {});\n',
  });
  const init = await p.cli(["init"]);
  assert.equal(init.stdout.split("\n")[0], `wrote ${join(p.repo, ".code-worker", "policy.yaml")} (npm: check npm test)`);
  await simpleGit(p.repo).add(".code-worker/policy.yaml").commit("code-worker policy");
  const trial = await p.cli(["policy", "test"]);
  const lines = steady(trial.stdout);
  assert.deepEqual(
    [lines[0], lines[1], lines.at(-1)],
    [
      `policy test: HEAD ${await p.head()}, builtin:strict>repo sha256:…, sandbox ${sandboxAvailable ? "on" : "off"}`,
      "check test: pass in Ns · npm test",
      "1 passed, 0 failed; the throwaway worktree is removed",
    ],
  );
  assert.equal(trial.exitCode, 0);
});
