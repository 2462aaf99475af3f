// `npm run mcp:smoke:tools`: the MCP surface as Codex meets it, offline. The built server is spawned
// over stdio with only the environment Codex would give it; one job runs end to end through the
// tools against the scripted provider, and every call prints what it costs the host in bytes.
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { offlineSetup } from "../src/demo/offline.js";
import { sampleTask } from "../src/demo/sample.js";

const readOnlyTools = ["code_worker_get_job", "code_worker_wait_for_job", "code_worker_list_jobs", "code_worker_get_details"];
const requiredTools = ["code_worker_start_implementation", "code_worker_cancel_job", ...readOnlyTools];
/** wait_for_job is asked for 120 s; the request itself may take a little longer. */
const waitRequestMs = 150_000;

// The server of this very build tree: dist/ from npm, or whichever out dir this script was built into.
const serverMain = join(import.meta.dirname, "..", "src", "mcp", "main.js");

function expect(condition: unknown, reason: string): asserts condition {
  if (!condition) throw new Error(reason);
}

const { workspace, repoDir, provider, variables, sandboxNote } = await offlineSetup("code-worker-smoke-");
if (sandboxNote) console.log(sandboxNote);
// What a Codex config.toml would pass: code-worker's own variables, and PATH and HOME.
const env: Record<string, string> = {
  PATH: process.env.PATH ?? "",
  HOME: process.env.HOME ?? workspace.path,
  ...variables,
  ...(process.env.CLAUDE_BIN ? { CLAUDE_BIN: process.env.CLAUDE_BIN } : {}),
};

const transport = new StdioClientTransport({ command: process.execPath, args: [serverMain], env, stderr: "pipe" });
let serverStderr = "";
transport.stderr?.on("data", (chunk: Buffer) => (serverStderr += chunk.toString("utf8")));
const client = new Client({ name: "code-worker-smoke", version: "1.0.0" });

try {
  await client.connect(transport);
  await checkTools();
  await runJob();
  console.log("\n✓ smoke passed: tools listed and one job ran end to end");
} catch (error) {
  const reason = error instanceof Error ? error.message : String(error);
  const stderrTail = serverStderr.trim().split("\n").slice(-3).join(" | ");
  console.log(`\n✗ smoke failed: ${reason}${stderrTail ? ` (server stderr: ${stderrTail})` : ""}`);
  process.exitCode = 1;
} finally {
  await client.close();
  await provider.close();
  await workspace.cleanup();
}

async function checkTools(): Promise<void> {
  const { tools } = await client.listTools();
  console.log(`tools/list: ${tools.length} tools, ${Buffer.byteLength(JSON.stringify({ tools }))} bytes`);
  console.log(`  ${tools.map((tool) => tool.name).join(", ")}`);
  const byName = new Map(tools.map((tool) => [tool.name, tool]));
  for (const name of requiredTools) expect(byName.has(name), `tools/list has no ${name}`);
  for (const tool of tools) expect(tool.outputSchema, `${tool.name} declares no outputSchema`);
  for (const name of readOnlyTools) expect(byName.get(name)?.annotations?.readOnlyHint === true, `${name} is not annotated readOnlyHint`);
}

async function runJob(): Promise<void> {
  const start = await call(
    "code_worker_start_implementation",
    { cwd: repoDir, task: sampleTask, task_label: "fix-sum", execution_tier: "fast" },
    true,
  );
  const jobId = start.job_id;
  expect(typeof jobId === "string", "start returned no job_id");
  await call("code_worker_get_job", { job_id: jobId });
  const result = await call("code_worker_wait_for_job", { job_id: jobId, timeout_s: 120 }, true);
  expect(result.status === "done", `the job ended ${String(result.status)}: ${String(result.error ?? "no error given")}`);
  const diff = await call("code_worker_get_details", { job_id: jobId, what: "diff" });
  expect(String(diff.text).includes("+  for (let i = 0;"), "the diff does not hold the fix");
  const list = await call("code_worker_list_jobs", { cwd: repoDir });
  expect(Array.isArray(list.jobs) && String(list.jobs[0]).startsWith(`${jobId} done`), "list_jobs does not show the job done");
}

/** One tool call, printed: name, short arguments, host-visible bytes, and the JSON itself when asked. */
async function call(name: string, args: Record<string, unknown>, show = false): Promise<Record<string, unknown>> {
  console.log(`\n→ ${name} ${shortArgs(args)}`);
  const result = (await client.callTool({ name, arguments: args }, undefined, { timeout: waitRequestMs })) as CallToolResult;
  if (result.isError) throw new Error(`${name} failed: ${(result.content[0] as { text?: string } | undefined)?.text ?? "no message"}`);
  const json = JSON.stringify(result.structuredContent);
  expect(json !== undefined, `${name} returned no structuredContent`);
  console.log(`← ${Buffer.byteLength(json)} bytes host-visible`);
  if (show) console.log(json);
  return result.structuredContent as Record<string, unknown>;
}

function shortArgs(args: Record<string, unknown>): string {
  return JSON.stringify(args, (_key, value: unknown) =>
    typeof value === "string" && value.length > 60 ? `${value.slice(0, 59)}…` : value,
  );
}
