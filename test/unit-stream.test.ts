// Claude Code's stream-json as tables: the activity line a person reads per raw line, what a tool
// call is shown as, and the fold of a canned stream into progress and an outcome. No worker runs.
import assert from "node:assert/strict";
import { test } from "node:test";
import { activityLine, describeToolUse, exitDescription, StreamFold, type FailureKind } from "../src/worker/stream.js";

const cwd = "/jobs/w1";
const assistant = (id: string, content: object[], usage = { input_tokens: 0, output_tokens: 0 }) => ({
  type: "assistant",
  message: { id, role: "assistant", content, usage },
});
const toolUse = (name: string, input: object) => ({ type: "tool_use", id: `toolu_${name}`, name, input });
const toolResult = (content: unknown, isError = false) => ({
  type: "user",
  message: { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_1", content, is_error: isError }] },
});
const result = (fields: object) => ({ type: "result", subtype: "success", is_error: false, num_turns: 1, session_id: "s1", ...fields });

test("what a tool call is shown as: the command, the path relative to the worktree, or the pattern", () => {
  const cases: [string, Record<string, unknown>, string][] = [
    ["Bash", { command: "npm test" }, "Bash npm test"],
    ["Bash", { command: "  ", description: "Run the tests" }, "Bash Run the tests"],
    ["Bash", { command: "for f in *.ts\ndo\n  echo $f\ndone" }, "Bash for f in *.ts do echo $f done"],
    ["Bash", { command: `echo ${"y".repeat(100)}` }, `Bash echo ${"y".repeat(54)}…`],
    ["Edit", { file_path: "/jobs/w1/src/orders.ts" }, "Edit src/orders.ts"],
    ["Read", { file_path: "/jobs/w1" }, "Read ."],
    ["Read", { file_path: "/etc/hosts" }, "Read ../../etc/hosts"],
    ["Write", { file_path: "notes/plan.md" }, "Write notes/plan.md"],
    ["Glob", { path: "/jobs/w1/src", pattern: "**/*.ts" }, "Glob src"],
    ["Grep", { pattern: "parseHeader" }, "Grep parseHeader"],
    ["StructuredOutput", { summary: "Fixed it.", commands: [], files_changed: ["a.ts"] }, "final report"],
    ["TodoWrite", { todos: [] }, "TodoWrite"],
    ["Bash", {}, "Bash"],
  ];
  for (const [name, input, line] of cases) assert.equal(describeToolUse(name, input, cwd), line, `${name} ${JSON.stringify(input)}`);
});

test("one activity line per raw stream-json line, or none for lines a person need not read", () => {
  const cases: [string, unknown, string | undefined][] = [
    ["not JSON", "{half a line", undefined],
    ["init", { type: "system", subtype: "init", session_id: "s1", model: "m", tools: [] }, undefined],
    ["a tool call", assistant("m1", [toolUse("Edit", { file_path: "/jobs/w1/src/sum.js" })]), "→ Edit src/sum.js"],
    [
      "text then a tool call",
      assistant("m1", [{ type: "text", text: "Let me\nlook." }, toolUse("Read", { file_path: "/jobs/w1/a.ts" })]),
      "says: Let me look.\n→ Read a.ts",
    ],
    ["long text", assistant("m1", [{ type: "text", text: "w".repeat(300) }]), `says: ${"w".repeat(199)}…`],
    ["thinking only", assistant("m1", [{ type: "thinking", thinking: "hmm" }]), undefined],
    ["a tool that passed", toolResult("ok"), undefined],
    ["a tool that failed", toolResult("Exit code 1\nnpm ERR! test failed", true), "  ✗ Exit code 1 npm ERR! test failed"],
    ["a failure with block content", toolResult([{ type: "text", text: "denied" }], true), '  ✗ [{"type":"text","text":"denied"}]'],
    ["success", result({ result: "Done." }), "finished"],
    [
      "is_error with subtype success",
      result({ is_error: true, result: "API Error: 401 Invalid API key" }),
      "failed (success): API Error: 401 Invalid API key",
    ],
    ["max turns", result({ subtype: "error_max_turns", is_error: true }), "failed (error_max_turns): "],
    [
      "a retry with a status",
      { type: "system", subtype: "api_retry", error_status: 529, error: "overloaded", attempt: 1, max_retries: 10 },
      "retrying the provider (529)",
    ],
    [
      "a retry without one",
      { type: "system", subtype: "api_retry", error: "connection reset", attempt: 2, max_retries: 10 },
      "retrying the provider (connection reset)",
    ],
    ["an event type of a later version", { type: "stream_event", event: {} }, undefined],
  ];
  for (const [name, line, expected] of cases)
    assert.equal(activityLine(typeof line === "string" ? line : JSON.stringify(line), cwd), expected, name);
});

test("a canned stream folds into turns, usage, running tools and the summary", () => {
  const fold = new StreamFold(cwd);
  const first = assistant("m1", [toolUse("Read", { file_path: "/jobs/w1/src/sum.js" })], { input_tokens: 100, output_tokens: 20 });
  const steps: [object, boolean][] = [
    [{ type: "system", subtype: "init", session_id: "sess-1" }, false],
    [first, true],
    [first, false], // one message arrives as several events; counted once, its tool call seen again
    [toolResult("1 const sum"), false],
    [{ type: "system", subtype: "api_retry", error_status: 529, attempt: 1, max_retries: 10 }, true],
    [
      assistant("m2", [{ type: "text", text: "Fixing." }, toolUse("Edit", { file_path: "/jobs/w1/src/sum.js" })], {
        input_tokens: 150,
        output_tokens: 40,
      }),
      true,
    ],
    [toolResult("edited"), false],
    [assistant("m3", [{ type: "text", text: "Fixed the off-by-one." }], { input_tokens: 10, output_tokens: 5 }), false],
    [
      result({ result: " Fixed the off-by-one.\n", num_turns: 3, total_cost_usd: 0.02, permission_denials: [{ tool_name: "WebFetch" }] }),
      false,
    ],
  ];
  for (const [event, changed] of steps) assert.equal(fold.push(event), changed, JSON.stringify(event).slice(0, 60));
  assert.deepEqual(fold.progress, {
    turns: 3,
    toolsRunning: 1,
    lastActivity: "Edit src/sum.js",
    sessionId: "sess-1",
    usage: { input_tokens: 260, output_tokens: 65 },
  });
  assert.deepEqual(fold.finish({ code: 0, stderr: "" }), {
    ok: true,
    summary: "Fixed the off-by-one.",
    reportProblem: "it ended without calling StructuredOutput",
    turns: 3,
    usage: { input_tokens: 260, output_tokens: 65 },
    costUsd: 0.02,
    denials: 1,
    sessionId: "s1",
  });
});

test("a result event that failed is classified by its subtype and message", () => {
  const cases: [object, FailureKind, string][] = [
    [{ subtype: "error_max_turns", is_error: true }, "max_turns", "error_max_turns"],
    [
      { is_error: true, result: 'API Error: 401 {"type":"authentication_error"}' },
      "auth",
      'API Error: 401 {"type":"authentication_error"}',
    ],
    [{ is_error: true, result: "Invalid API key · Fix external API key" }, "auth", "Invalid API key · Fix external API key"],
    [
      { is_error: true, result: "API Error: Unable to connect to API (ECONNREFUSED)" },
      "unreachable",
      "API Error: Unable to connect to API (ECONNREFUSED)",
    ],
    [{ is_error: true, result: "API Error: 529 overloaded" }, "provider", "API Error: 529 overloaded"],
    [{ is_error: true, result: "Request timed out." }, "provider", "Request timed out."],
    [{ subtype: "error_during_execution", is_error: true, errors: ["tool crashed", "again"] }, "other", "tool crashed; again"],
    [{ subtype: "error_during_execution", is_error: true }, "other", "error_during_execution"],
  ];
  for (const [fields, kind, message] of cases) {
    const fold = new StreamFold(cwd);
    fold.push(result({ result: undefined, ...fields }));
    const outcome = fold.finish({ code: 1, stderr: "" });
    assert.equal(outcome.ok, false);
    assert.deepEqual(outcome.failure, { kind, message }, JSON.stringify(fields));
  }
});

test("no result event: the exit and stderr's last word say why", () => {
  const cases: [{ code?: number; signal?: string; stderr: string }, FailureKind, string][] = [
    [{ code: 0, stderr: "" }, "no_result", "the worker stopped without a result: exit code 0"],
    [{ code: 137, stderr: "" }, "no_result", "the worker stopped without a result: killed by SIGKILL (exit code 137)"],
    [{ signal: "SIGTERM", stderr: "" }, "no_result", "the worker stopped without a result: killed by SIGTERM"],
    [{ stderr: "" }, "no_result", "the worker stopped without a result: ended without an exit code"],
    [
      { code: 1, stderr: "[claude-code:warn] unknown model x\nsomething broke\n[claude-code:info] bye\n" },
      "no_result",
      "the worker stopped without a result: exit code 1: something broke",
    ],
    [
      { code: 1, stderr: "at trace\nerror: bubblewrap is required\nBun v1.2\n" },
      "no_result",
      "the worker stopped without a result: error: bubblewrap is required",
    ],
    [
      { code: 1, stderr: "bwrap: setting up uid map: Permission denied (sandbox)\n" },
      "sandbox",
      "the worker stopped without a result: exit code 1: bwrap: setting up uid map: Permission denied (sandbox)",
    ],
  ];
  for (const [exit, kind, message] of cases)
    assert.deepEqual(new StreamFold(cwd).finish(exit).failure, { kind, message }, JSON.stringify(exit));
  assert.equal(exitDescription({ code: 130 }), "killed by SIGINT (exit code 130)");
  assert.equal(exitDescription({ code: 128 }), "exit code 128");
  assert.equal(exitDescription({ code: 2, signal: "SIGINT" }), "killed by SIGINT (exit code 2)");
});

test("the final report: from structured_output when it parses, else a one-line problem and the result's text", () => {
  const report = { summary: " Fixed sum(). ", commands: [{ command: "node --test", outcome: "pass" }], files_changed: ["src/sum.js"] };
  const cases: [string, object, object][] = [
    ["a report", { result: JSON.stringify(report), structured_output: report }, { summary: "Fixed sum().", report }],
    [
      "an empty report",
      { result: "{}", structured_output: { summary: "", commands: [], files_changed: [] } },
      { summary: "", report: { summary: "", commands: [], files_changed: [] } },
    ],
    [
      "plain text, no StructuredOutput call",
      { result: " Done. " },
      { summary: "Done.", reportProblem: "it ended without calling StructuredOutput" },
    ],
    [
      "structured_output null",
      { result: "Done.", structured_output: null },
      { summary: "Done.", reportProblem: "it ended without calling StructuredOutput" },
    ],
    ["no text at all", {}, { summary: undefined, reportProblem: "it ended without calling StructuredOutput" }],
    [
      "a wrong outcome",
      { result: "x", structured_output: { ...report, commands: [{ command: "npm test", outcome: "maybe" }] } },
      { summary: "x", reportProblem: 'malformed: commands[0].outcome: Invalid option: expected one of "pass"|"fail"|"not_run"' },
    ],
    [
      "a missing key and a wrong type",
      { result: "x", structured_output: { summary: 5, commands: [] } },
      { summary: "x", reportProblem: "malformed: summary: Invalid input: expected string, received number (+1 more)" },
    ],
    [
      "not an object",
      { result: "x", structured_output: "Fixed." },
      { summary: "x", reportProblem: "malformed: Invalid input: expected object, received string" },
    ],
  ];
  for (const [name, fields, expected] of cases) {
    const fold = new StreamFold(cwd);
    fold.push(result(fields));
    const { summary, report: got, reportProblem } = fold.finish({ code: 0, stderr: "" });
    assert.deepEqual({ summary, ...(got ? { report: got } : {}), ...(reportProblem ? { reportProblem } : {}) }, expected, name);
  }
});

test("a run that failed carries no report and no report problem", () => {
  const fold = new StreamFold(cwd);
  fold.push(
    result({ subtype: "error_max_turns", is_error: true, structured_output: { summary: "half", commands: [], files_changed: [] } }),
  );
  const outcome = fold.finish({ code: 1, stderr: "" });
  assert.deepEqual([outcome.ok, outcome.report, outcome.reportProblem], [false, undefined, undefined]);
});
