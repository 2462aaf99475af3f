// The worker's final report: the schema Claude Code is given, and the parser over what it returns.
import assert from "node:assert/strict";
import { test } from "node:test";
import { parseReport, reportJsonSchema } from "../src/worker/report.js";

test("the schema asks for a summary, the commands with their outcome and the files changed, and nothing else", () => {
  const schema = JSON.parse(reportJsonSchema());
  assert.equal(schema.$schema, undefined);
  assert.deepEqual(schema.required, ["summary", "commands", "files_changed"]);
  assert.equal(schema.additionalProperties, false);
  assert.deepEqual(schema.properties.commands.items.properties.outcome.enum, ["pass", "fail", "not_run"]);
  assert.equal(schema.properties.files_changed.items.type, "string");
});

test("a report parses or yields one line that says what is wrong with it", () => {
  const report = { summary: "Fixed.", commands: [{ command: "npm test", outcome: "fail" }], files_changed: [] };
  const cases: [string, unknown, object][] = [
    ["whole", report, { report }],
    ["extra keys are dropped", { ...report, confidence: "high" }, { report }],
    ["absent", undefined, { problem: "it ended without calling StructuredOutput" }],
    [
      "files not strings",
      { ...report, files_changed: [1] },
      { problem: "malformed: files_changed[0]: Invalid input: expected string, received number" },
    ],
    [
      "a command without its text",
      { ...report, commands: [{ outcome: "pass" }] },
      { problem: "malformed: commands[0].command: Invalid input: expected string, received undefined" },
    ],
    ["an array", [report], { problem: "malformed: Invalid input: expected object, received array" }],
  ];
  for (const [name, input, expected] of cases) assert.deepEqual(parseReport(input), expected, name);
  const long = parseReport({ summary: 1, commands: 2, files_changed: 3, [`k${"x".repeat(300)}`]: 0 });
  assert.ok("problem" in long && [...long.problem].length <= 160 && !long.problem.includes("\n"), JSON.stringify(long));
});
