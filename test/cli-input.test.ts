// The command line refuses what it would otherwise ignore: a flag or argument the command does not
// take is one line naming it with the command's usage (exit 2), and policy check checks every file.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { execa } from "execa";

const cli = join(import.meta.dirname, "..", "src", "cli", "main.js");
// No configuration: every refusal here happens before the engine is built.
const run = (args: string[], cwd?: string) =>
  execa("node", [cli, ...args], { cwd, env: { PATH: process.env.PATH }, extendEnv: false, reject: false });

const startUsage =
  "usage: code-worker start --task TEXT | --task-file F [--cwd DIR] [--label L] [--tier fast|think|auto] [--base REF] [--timeout S] [--wait]";
const listUsage = "usage: code-worker list [--cwd DIR] [--status S] [--limit N]";
const continueUsage = "usage: code-worker continue JOB --task TEXT | --task-file F [--tier fast|think|auto] [--wait]";

test("a flag or argument the command does not take is one line with the command's usage, exit 2", async () => {
  const cases: [string[], string][] = [
    [["list", "extra"], `code-worker: unexpected argument "extra" for list (${listUsage})`],
    [
      ["status", "fix-sum-k7m2", "again", "more"],
      'code-worker: unexpected arguments "again", "more" for status (usage: code-worker status [JOB])',
    ],
    [["discard", "a-abcd", "b-abcd"], 'code-worker: unexpected argument "b-abcd" for discard (usage: code-worker discard JOB)'],
    [
      ["policy", "explain", "a-abcd", "b"],
      'code-worker: unexpected argument "b" for policy explain (usage: code-worker policy explain JOB)',
    ],
    [["start", "--tsk", "Fix it."], `code-worker: unknown option --tsk for start (${startUsage})`],
    [["list", "--mode", "merge"], `code-worker: unknown option --mode for list (${listUsage})`],
    [["-x", "list"], `code-worker: unknown option -x for list (${listUsage})`],
    [["--frob"], "code-worker: unknown option --frob (see code-worker --help)"],
    [["start", "--task"], `code-worker: --task needs a value for start (${startUsage})`],
    [
      ["start", "--task", "--wait"],
      `code-worker: --task needs a value for start; for one starting with "-", write --task=VALUE (${startUsage})`,
    ],
    [["start", "--wait=yes"], `code-worker: --wait takes no value for start (${startUsage})`],
    [["wait"], "code-worker: missing JOB (usage: code-worker wait JOB [--timeout S])"],
    [["frob", "--x"], 'code-worker: unknown command "frob" (see code-worker --help)'],
    [["policy", "lint"], "code-worker: policy needs check, test or explain (see code-worker --help)"],
    [["continue", "--task", "Also sort."], `code-worker: missing JOB (${continueUsage})`],
    [["continue", "a-abcd", "--label", "x"], `code-worker: unknown option --label for continue (${continueUsage})`],
    [["continue", "a-abcd"], "code-worker: say what to do with --task TEXT or --task-file F"],
    [["continue", "a-abcd", "--task", "x", "--task-file", "t.md"], "code-worker: give --task or --task-file, not both"],
    [["continue", "a-abcd", "--task", "x", "--tier", "fastest"], 'code-worker: --tier must be fast, think or auto, got "fastest"'],
    [["logs", "a-abcd", "--round", "0"], 'code-worker: --round must be a whole number above 0, got "0"'],
  ];
  for (const [args, line] of cases) {
    const result = await run(args);
    assert.equal(result.stderr, line, args.join(" "));
    assert.equal(result.exitCode, 2, args.join(" "));
    assert.equal(result.stdout, "");
  }
  // --help answers whatever else was typed, with the command's own help.
  const help = await run(["start", "--frob", "--help"]);
  assert.equal(help.exitCode, 0);
  assert.equal(help.stdout.split("\n")[0], startUsage.replace(" [--base", "\n      [--base").split("\n")[0]);
  const global = await run(["--help"]);
  assert.equal(global.exitCode, 0);
  assert.match(global.stdout, /^ {2}policy check \[FILE\.\.\.\] +validate policy files/m);
});

test("with --json an error is {error: {code, message, …data}} on stdout alone, with the same exit code", async (t) => {
  const home = mkdtempSync(join(tmpdir(), "code-worker-cli-"));
  t.after(() => rmSync(home, { recursive: true, force: true }));
  const runWith = (args: string[], env: Record<string, string>) =>
    execa("node", [cli, ...args], { env: { PATH: process.env.PATH, ...env }, extendEnv: false, reject: false });
  const cases: [string[], Record<string, string>, Record<string, unknown>][] = [
    [["list", "extra", "--json"], {}, { code: "invalid_input", message: `unexpected argument "extra" for list (${listUsage})` }],
    [
      ["--json", "status", "nosuch-abcd"],
      { CODE_WORKER_HOME: home },
      { code: "not_found", message: 'unknown job "nosuch-abcd" (list jobs to see their ids)', job_id: "nosuch-abcd" },
    ],
    [
      ["list", "--json"],
      { CODE_WORKER_HOME: home, CODE_WORKER_MAX_JOBS: "lots" },
      {
        code: "configuration",
        message: 'CODE_WORKER_MAX_JOBS must be a whole number from 1 to 64, got "lots"',
        variable: "CODE_WORKER_MAX_JOBS",
      },
    ],
  ];
  for (const [args, env, error] of cases) {
    const result = await runWith(args, env);
    assert.deepEqual(JSON.parse(result.stdout), { error }, args.join(" "));
    assert.equal(result.stderr, "");
    assert.equal(result.exitCode, 2);
  }
  const plain = await runWith(["status", "nosuch-abcd"], { CODE_WORKER_HOME: home });
  assert.deepEqual([plain.stdout, plain.stderr], ["", 'code-worker: unknown job "nosuch-abcd" (list jobs to see their ids)']);
});

test("policy check checks every file given and fails when any of them is invalid", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "code-worker-cli-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, "good.yaml"), "version: 1\n");
  writeFileSync(join(dir, "indent.yaml"), "version: 1\nrules:\n  a: 1\n b: 2\n");
  writeFileSync(join(dir, "twice.yaml"), "version: 1\nrules:\n  max-files: {max: 1}\n  max-files: {max: 2}\n");
  const indent = "indent.yaml:4:1 [BAD_INDENT] all mapping items must start at the same column";
  const twice = 'twice.yaml:4:3 [DUPLICATE_KEY] duplicate key "max-files"';

  const all = await run(["policy", "check", "good.yaml", "indent.yaml", "twice.yaml"], dir);
  assert.deepEqual([all.exitCode, all.stdout.split("\n"), all.stderr], [1, ["good.yaml: valid", indent, twice], ""]);
  // The first file valid is not enough: the exit follows the worst file, wherever it is.
  const last = await run(["policy", "check", "good.yaml", "twice.yaml"], dir);
  assert.deepEqual([last.exitCode, last.stdout.split("\n")], [1, ["good.yaml: valid", twice]]);
  const valid = await run(["policy", "check", "good.yaml", "good.yaml"], dir);
  assert.deepEqual([valid.exitCode, valid.stdout], [0, "good.yaml: valid\ngood.yaml: valid"]);
  // An unreadable file is a usage error, and the files after it are still checked.
  const missing = await run(["policy", "check", "nosuch.yaml", "indent.yaml"], dir);
  assert.deepEqual(
    [missing.exitCode, missing.stdout, missing.stderr],
    [2, indent, `code-worker: cannot read "${join(dir, "nosuch.yaml")}"; give the policy file's path`],
  );
  const json = await run(["policy", "check", "--json", "good.yaml", "twice.yaml"], dir);
  assert.deepEqual(
    json.stdout.split("\n").map((line) => JSON.parse(line)),
    [
      { file: join(dir, "good.yaml"), valid: true, problems: [] },
      { file: join(dir, "twice.yaml"), valid: false, problems: [twice] },
    ],
  );
});
