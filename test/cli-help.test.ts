// The command line's own surface, no job needed: help per command, the version, refusals of the
// new flags, a closed pipe, and the lines a follower prints (a table over the pure functions).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { execa } from "execa";
import { inCliWords } from "../src/cli/cli-words.js";
import { commands } from "../src/cli/commands/index.js";
import { changeLine, quietLine } from "../src/cli/progress.js";
import type { JobRecord } from "../src/store/record.js";

const cli = join(import.meta.dirname, "..", "src", "cli", "main.js");
const run = (args: string[]) => execa("node", [cli, ...args], { env: { PATH: process.env.PATH }, extendEnv: false, reject: false });

test("every command has its own help: usage, flags with defaults, one example; help COMMAND is the same", async () => {
  for (const command of commands) {
    const words = command.name.split(" ");
    const [asked, asFlag] = await Promise.all([run(["help", ...words]), run([...words, "--help"])]);
    assert.equal(asked.exitCode, 0, command.name);
    assert.equal(asked.stdout, asFlag.stdout, command.name);
    const lines = asked.stdout.split("\n");
    assert.ok(lines[0]!.startsWith(`usage: code-worker ${command.name}`), lines[0]);
    assert.equal(lines.at(-2), "example:", command.name);
    assert.match(lines.at(-1)!, new RegExp(`^  code-worker ${command.name} `));
  }
  const gc = await run(["gc", "--help"]);
  assert.equal(
    gc.stdout,
    [
      "usage: code-worker gc [--older-than DAYS] [--all]",
      "",
      "clean this repository's ended jobs older than DAYS (default 7); spares running jobs and done ones not yet applied or reviewed",
      "",
      "flags:",
      "  --older-than DAYS       clean jobs that ended more than DAYS ago (default: 7)",
      "  --all                   clean every repository's jobs, not only this one's",
      "  --json                  print the compact JSON view instead of lines",
      "  -h, --help              this command's usage, flags and an example",
      "",
      "example:",
      "  code-worker gc --older-than 1",
    ].join("\n"),
  );
  const version = JSON.parse(readFileSync(join(import.meta.dirname, "..", "..", "package.json"), "utf8")).version;
  assert.deepEqual([(await run(["--version"])).stdout, (await run(["--version"])).exitCode], [`code-worker ${version}`, 0]);
  assert.equal((await run(["help", "frob"])).stdout.split("\n")[0], "usage: code-worker <command> [options]");
});

test("the new flags are refused like the old ones: one line with the command's usage, exit 2", async () => {
  const logsUsage = "usage: code-worker logs JOB [--lines N] [--round N] [--check NAME]";
  const cases: [string[], string][] = [
    [["logs", "a-abcd", "--check"], `code-worker: --check needs a value for logs (${logsUsage})`],
    [["gc", "--all", "extra"], 'code-worker: unexpected argument "extra" for gc (usage: code-worker gc [--older-than DAYS] [--all])'],
    [["doctor", "--frob"], "code-worker: unknown option --frob for doctor (usage: code-worker doctor [--live])"],
    [
      ["review", "a-abcd", "--no-pager=1"],
      "code-worker: --no-pager takes no value for review (usage: code-worker review JOB [--no-pager])",
    ],
    [
      ["list", "--version"],
      "code-worker: unknown option --version for list (usage: code-worker list [--cwd DIR] [--status S] [--limit N])",
    ],
  ];
  for (const [args, line] of cases) {
    const result = await run(args);
    assert.deepEqual([result.stderr, result.exitCode, result.stdout], [line, 2, ""], args.join(" "));
  }
});

test("a reader that closes the pipe early ends the command quietly with exit 0", async () => {
  const child = execa("node", [cli, "--help"], { env: { PATH: process.env.PATH }, extendEnv: false, reject: false });
  child.stdout.destroy(); // closed before node has written a byte: its first write meets EPIPE
  const result = await child;
  assert.deepEqual([result.exitCode, result.stderr], [0, ""]);
});

test("errors name the CLI's flags, not the MCP parameters", () => {
  assert.equal(
    inCliWords("job x needs a person's review (protected-paths); apply with accept_review after looking at it"),
    "job x needs a person's review (protected-paths); apply with --accept-review after looking at it",
  );
  assert.equal(
    inCliWords("timeout_s must be a whole number of seconds from 10 to 86400, got 5"),
    "--timeout must be a whole number of seconds from 10 to 86400, got 5",
  );
});

test("a follower's lines: the check by name while checks run, a quiet line for each silent stretch", () => {
  const t0 = Date.parse("2026-12-02T10:00:00Z");
  const at = (s: number) => new Date(t0 - s * 1000).toISOString();
  const job = (status: JobRecord["status"], activity: string, lastEventS: number) =>
    ({
      id: "fix-sum-k7m2",
      status,
      created_at: at(200),
      runner: { heartbeat_at: at(2) },
      worker: { turns: 3, last_activity: activity, last_event_at: at(lastEventS) },
    }) as unknown as JobRecord;
  const cases: [JobRecord, number | undefined, boolean, string][] = [
    [job("checking", "check unit", 1), undefined, true, "checking · unit"],
    [job("working", "Edit src/sum.js", 1), undefined, true, "working · Edit src/sum.js · 3 turns · 200s"],
    [job("working", "Edit src/sum.js", 75), 60, true, "quiet · 75s · thinking"],
    [job("working", "Edit src/sum.js", 30), 120, true, "quiet · 120s · thinking"],
    [job("checking", "check unit", 90), 90, true, "quiet · 90s · checking unit"],
    [job("preparing", "", 0), 60, true, "quiet · 60s · preparing"],
  ];
  for (const [record, silentS, alive, line] of cases) {
    assert.equal(silentS === undefined ? changeLine(record, t0) : quietLine(record, t0, alive, silentS), line);
  }
  const stalled = { ...job("working", "Edit src/sum.js", 90), runner: { heartbeat_at: at(45) } } as JobRecord;
  assert.equal(quietLine(stalled, t0, true, 60), "stalled · no heartbeat for 45s · code-worker status fix-sum-k7m2");
});
