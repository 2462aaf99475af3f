// The little project the demo and the tests hand to a worker: a sum() with an off-by-one bug and a
// node:test test that catches it, plus the scripted conversation that fixes it the way a real
// worker would (read, edit, run the test, report).
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { simpleGit } from "simple-git";
import type { Script, ScriptTurn } from "../provider/scripted-provider.js";
import type { WorkerReport } from "../worker/report.js";

export const sampleTask = "Fix the off-by-one bug in sum() in src/sum.js so that the tests in test/ pass.";

const buggySum = `export function sum(values) {
  let total = 0;
  for (let i = 1; i < values.length; i++) total += values[i];
  return total;
}
`;

const sumTest = `import { test } from "node:test";
import assert from "node:assert/strict";
import { sum } from "../src/sum.js";

test("sums every value", () => {
  assert.equal(sum([1, 2, 3]), 6);
});
`;

/**
 * The sample's committed policy: strict defaults, its test suite as the check, and a worker that
 * may run that suite. `workerAllow` replaces the worker's allow list (tests use plain Bash).
 */
export function samplePolicy(workerAllow = ["Read", "Glob", "Grep", "Edit", "Write", "Bash(node --test:*)"]): string {
  return `version: 1
extends: builtin:strict
description: The sample project. Strict defaults; its one test suite is the check.
rules:
  tests-required: off   # test/sum.test.js already covers sum()
checks:
  test: { run: "node --test", timeout: 2m }
worker:
  allow: ${JSON.stringify(workerAllow)}
`;
}

/** Creates a git repository with one commit holding the sample project and its policy. */
export async function createSampleRepo(dir: string, policy = samplePolicy()): Promise<void> {
  await mkdir(join(dir, "src"), { recursive: true });
  await mkdir(join(dir, "test"), { recursive: true });
  await mkdir(join(dir, ".code-worker"), { recursive: true });
  await writeFile(join(dir, ".code-worker", "policy.yaml"), policy);
  await writeFile(
    join(dir, "package.json"),
    `${JSON.stringify({ name: "sample", type: "module", scripts: { test: "node --test" } }, null, 2)}\n`,
  );
  await writeFile(join(dir, "src", "sum.js"), buggySum);
  await writeFile(join(dir, "test", "sum.test.js"), sumTest);
  const repo = simpleGit(dir);
  await repo.init(["--initial-branch=main"]);
  await repo.addConfig("user.name", "Sample Author").addConfig("user.email", "sample@example.com");
  await repo.add(".").commit("Add sum() and its test");
}

export const readSum: ScriptTurn = {
  content: [
    { type: "text", text: "Let me look at sum()." },
    { type: "tool_use", name: "Read", input: { file_path: "src/sum.js" } },
  ],
};

export const fixSum: ScriptTurn = {
  content: [
    {
      type: "tool_use",
      name: "Edit",
      input: { file_path: "src/sum.js", old_string: "let i = 1;", new_string: "let i = 0;" },
    },
  ],
};

export function bash(command: string, description = "Run a command"): ScriptTurn {
  return { content: [{ type: "tool_use", name: "Bash", input: { command, description } }] };
}

/**
 * The worker's last message: the text, then the StructuredOutput call that --json-schema asks for,
 * with the text as the report's summary unless `report` says otherwise.
 */
export function say(text: string, report: Partial<WorkerReport> = {}): ScriptTurn {
  const input = { summary: text, commands: [], files_changed: [], ...report };
  return {
    content: [
      { type: "text", text },
      { type: "tool_use", name: "StructuredOutput", input },
    ],
  };
}

/** The whole fix: read, edit, run the tests, report. `paceMs` spaces out the streamed events. */
export function fixSumScript(paceMs = 0): Script {
  const turns = [
    readSum,
    fixSum,
    bash("node --test test/", "Run the tests"),
    say("Fixed the off-by-one in sum(): the loop now starts at index 0. The test passes.", {
      commands: [{ command: "node --test test/", outcome: "pass" }],
      files_changed: ["src/sum.js"],
    }),
  ];
  return { turns: turns.map((turn) => ({ ...turn, eventDelayMs: paceMs })), fallback: say("Done.") };
}
