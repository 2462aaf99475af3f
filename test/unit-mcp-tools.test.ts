// The tool surface over the SDK's in-memory transport: the server the factory builds, a real
// Engine over a temp CODE_WORKER_HOME, no server process and no runner. tools/list as hosts load it,
// and every input error as the one line a host's model reads. (mcp-tools.test.ts spawns the server
// for what needs a real process: whole jobs, and a configuration read at start-up.)
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { execa } from "execa";
import { dir } from "tmp-promise";
import { loadConfig } from "../src/config.js";
import { Engine } from "../src/control/engine.js";
import { createServer } from "../src/mcp/server.js";
import { errorOf, errorText, view } from "./mcp-client.js";

/** The whole tools/list response a host loads into its context; the README states this budget. */
const toolsListBudget = 10_240;

let client: Client;
let temp: string;
let repo: string;
let cleanup: () => Promise<void> = async () => {};
const logged: string[] = [];

before(async () => {
  const scratch = await dir({ prefix: "code-worker-unit-mcp-", unsafeCleanup: true });
  cleanup = () => scratch.cleanup();
  temp = scratch.path;
  repo = join(temp, "repo");
  // A repository with one commit: a start gets as far as choosing the tier, which needs no runner.
  await execa("git", ["init", "-q", repo]);
  await execa("git", ["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "--allow-empty", "-m", "one"], { cwd: repo });
  const env = {
    PATH: process.env.PATH,
    CODE_WORKER_HOME: join(temp, "home"),
    CODE_WORKER_FAST_MODEL: "test-fast",
    CODE_WORKER_SANDBOX: "off",
  };
  const server = createServer(new Engine(loadConfig(env), env), (line) => logged.push(line));
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  client = new Client({ name: "code-worker-unit-tests", version: "1.0.0" });
  await client.connect(clientSide);
});

after(async () => {
  await client?.close();
  await cleanup();
});

const call = async (name: string, args: Record<string, unknown>) => (await client.callTool({ name, arguments: args })) as CallToolResult;

test("tools/list is small, every tool says what it is for first, and annotations are what the tools declare", async () => {
  const { tools } = await client.listTools();
  const bytes = Buffer.byteLength(JSON.stringify({ tools }));
  assert.ok(bytes <= toolsListBudget, `tools/list is ${bytes} bytes`);
  for (const tool of tools) {
    assert.ok(tool.outputSchema, `${tool.name} declares an output schema`);
    // Refused by the server itself, in a line naming what the tool takes (below): not spelled out to the model every turn.
    assert.equal(tool.inputSchema.additionalProperties, undefined, `${tool.name} leaves additionalProperties out`);
    assert.ok((tool.description ?? "").split(". ")[0]!.length <= 200, `${tool.name}'s first sentence is short`);
  }
  const byName = Object.fromEntries(tools.map((tool) => [tool.name, tool.annotations]));
  const reads = { readOnlyHint: true, idempotentHint: true, openWorldHint: false };
  const starts = { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true };
  assert.deepEqual(byName, {
    code_worker_start_implementation: starts,
    code_worker_run_patch: starts,
    code_worker_continue_job: starts,
    code_worker_get_job: reads,
    code_worker_wait_for_job: reads,
    code_worker_list_jobs: reads,
    code_worker_get_details: reads,
    code_worker_cancel_job: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
    code_worker_discard_job: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
    code_worker_apply_job: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false },
  });
});

test("bad arguments get one line naming the field and its form", async () => {
  const cases: [string, Record<string, unknown>, string][] = [
    ["code_worker_wait_for_job", { job_id: "fix-sum-k7m2", timeout: 30 }, 'unknown argument "timeout" (this tool takes job_id, timeout_s)'],
    [
      "code_worker_get_job",
      { job_id: "fix-sum-k7m2", ["x".repeat(100)]: 1, y: 2 },
      `unknown argument "${"x".repeat(40)}…" and 1 more (this tool takes job_id)`,
    ],
    [
      "code_worker_start_implementation",
      { cwd: repo, task: "Fix\0 sum." },
      "task must be a string without NUL bytes, got one at character 3",
    ],
    [
      "code_worker_start_implementation",
      { cwd: repo, task: "Fix sum.", task_label: "a\0b" },
      "task_label must be a string without NUL bytes, got one at character 1",
    ],
    [
      "code_worker_get_details",
      { job_id: "fix-sum-k7m2", what: "diff", path: "src/\0" },
      "path must be a string without NUL bytes, got one at character 4",
    ],
    ["code_worker_get_job", { job_id: "a".repeat(10_240) }, `job_id must be a string of at most 64 characters, got "${"a".repeat(40)}…"`],
    ["code_worker_get_job", {}, "job_id must be a string of at most 64 characters, got nothing"],
    ["code_worker_get_job", { job_id: 42 }, "job_id must be a string of at most 64 characters, got 42"],
    ["code_worker_cancel_job", { reason: "obsolete" }, "job_id must be a string of at most 64 characters, got nothing"],
    ["code_worker_wait_for_job", { job_id: "fix-sum-k7m2", timeout_s: "60" }, 'timeout_s must be a whole number from 1 to 240, got "60"'],
    ["code_worker_wait_for_job", { job_id: "fix-sum-k7m2", timeout_s: 2.5 }, "timeout_s must be a whole number from 1 to 240, got 2.5"],
    [
      "code_worker_start_implementation",
      { cwd: repo, task: "Fix sum.", timeout_s: 5 },
      "timeout_s must be a whole number from 10 to 86400, got 5",
    ],
    [
      "code_worker_start_implementation",
      { cwd: repo, task: "Fix sum.", execution_tier: "fastest" },
      'execution_tier must be one of fast, think, auto, got "fastest"',
    ],
    [
      "code_worker_cancel_job",
      { job_id: "fix-sum-k7m2", reason: "because" },
      'reason must be one of user_requested, obsolete, unsafe, got "because"',
    ],
    ["code_worker_apply_job", { job_id: "fix-sum-k7m2", accept_review: "yes" }, 'accept_review must be true or false, got "yes"'],
    ["code_worker_list_jobs", { limit: [1, 2] }, "limit must be a whole number from 1 to 50, got [1,2]"],
    ["code_worker_continue_job", { job_id: "fix-sum-k7m2" }, "task must be a string, got nothing"],
    [
      "code_worker_continue_job",
      { job_id: "fix-sum-k7m2", task: "Also sort.", execution_tier: "fastest" },
      'execution_tier must be one of fast, think, auto, got "fastest"',
    ],
    [
      "code_worker_continue_job",
      { job_id: "fix-sum-k7m2", task: "Also sort.", tier: "fast" },
      'unknown argument "tier" (this tool takes job_id, task, execution_tier)',
    ],
    ["code_worker_get_details", { job_id: "fix-sum-k7m2", what: "events", round: 0 }, "round must be a whole number from 1 to 99, got 0"],
    // Within the schema's bound, so the engine refuses it; its echo is cut all the same.
    ["code_worker_get_job", { job_id: "b".repeat(60) }, `"${"b".repeat(40)}…" is not a job id (they look like orders-import-fix-k7m2)`],
  ];
  for (const [tool, args, line] of cases) {
    const text = errorText(await call(tool, args));
    assert.equal(text, line, `${tool} ${JSON.stringify(args).slice(0, 80)}`);
    assert.ok(Buffer.byteLength(text) < 200, `${text.length} bytes`);
  }
  assert.deepEqual(view(await call("code_worker_list_jobs", {})).jobs, []);
  assert.deepEqual(
    logged.filter((line) => line.includes("internal error")),
    [],
  );
});

test("an error result carries its code and data, and passes the SDK client's check against each tool's output schema", async () => {
  await client.listTools(); // the client checks results, error results too, against the schemas it has listed
  const cases: [Promise<CallToolResult>, Record<string, unknown>][] = [
    [call("code_worker_discard_job", { job_id: "nosuch-abcd" }), { code: "not_found", job_id: "nosuch-abcd" }],
    [
      call("code_worker_start_implementation", { cwd: repo, task: "Fix sum.", execution_tier: "think" }),
      { code: "configuration", variable: "CODE_WORKER_THINK_MODEL" },
    ],
    [call("code_worker_list_jobs", { limit: 0 }), { code: "invalid_input", field: "limit" }],
    [call("code_worker_get_details", { job_id: "fix-sum-k7m2", what: "diff", path: "a\0" }), { code: "invalid_input", field: "path" }],
    [call("code_worker_get_job", { job_id: "../../etc/passwd" }), { code: "invalid_input", field: "job_id" }],
  ];
  for (const [result, expected] of cases) {
    const error = errorOf(await result);
    assert.deepEqual(error, { ...expected, message: error.message });
  }
});

test("what the engine refuses before any runner starts is one line too", async () => {
  const start = (args: Record<string, unknown>) => call("code_worker_start_implementation", { cwd: repo, task: "Fix sum.", ...args });
  const cases: [Promise<CallToolResult>, string | RegExp][] = [
    [start({ cwd: "repo" }), 'cwd must be an absolute path, got "repo"'],
    [start({ cwd: join(temp, "nowhere") }), /^cwd ".+" is not a directory$/],
    [start({ cwd: temp }), /is not inside a git repository \(run git init there, or pass the repository's path\)$/],
    [start({ task: " \n " }), "task is empty; say what the worker should change"],
    [start({ base: "no-such-branch" }), /^base "no-such-branch" is not a commit in ".+"$/],
    [start({ execution_tier: "think" }), 'execution_tier "think" needs a model: set CODE_WORKER_THINK_MODEL or ask for the other tier'],
    [call("code_worker_get_job", { job_id: "nosuch-abcd" }), 'unknown job "nosuch-abcd" (list jobs to see their ids)'],
    [call("code_worker_get_job", { job_id: "../../etc/passwd" }), /is not a job id/],
    [call("code_worker_discard_job", { job_id: "nosuch-abcd" }), 'unknown job "nosuch-abcd" (list jobs to see their ids)'],
    [
      call("code_worker_continue_job", { job_id: "nosuch-abcd", task: "Also sort." }),
      'unknown job "nosuch-abcd" (list jobs to see their ids)',
    ],
    [call("code_worker_continue_job", { job_id: "nosuch-abcd", task: " \n " }), "task is empty; say what the worker should change next"],
  ];
  for (const [result, expected] of cases) {
    const text = errorText(await result);
    if (typeof expected === "string") assert.equal(text, expected);
    else assert.match(text, expected);
    assert.ok(!text.includes("\n") && !text.includes("    at "), `one line, no stack: ${text}`);
  }
  assert.deepEqual(view(await call("code_worker_list_jobs", { cwd: repo })).jobs, []);
  assert.deepEqual(
    logged.filter((line) => line.includes("internal error")),
    [],
  );
});
