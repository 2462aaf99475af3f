// What every measure shares: a temp workspace, one scripted provider that stamps when each request
// arrived, the key file, the environment a host would pass, and MCP servers started over stdio.
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { dir, type DirectoryResult } from "tmp-promise";
import { fixSum, readSum, say } from "../../src/demo/sample.js";
import { startScriptedProvider, type RecordedRequest, type Script, type ScriptedProvider } from "../../src/provider/scripted-provider.js";
import { sandboxProblem } from "../../src/worker/sandbox.js";

export const key = "bench-key-not-secret-0000";
const serverMain = join(import.meta.dirname, "..", "..", "src", "mcp", "main.js");

/** The conversations, by model name: each server's tiers pick theirs through the model variables. */
const scripts: Record<string, Script> = {
  noisy: { turns: [{ content: [{ type: "tool_use", name: "Read", input: { file_path: "build.log" } }] }, readSum, fixSum, { content: [{ type: "tool_use", name: "Bash", input: { command: "node --test", description: "loud tests" } }] }, say("Fixed sum(); the suite passes.")] },
  chatty: { turns: [readSum, fixSum, say(`Fixed sum(). ${"Here is a long explanation of every consideration. ".repeat(160)}`)] },
  // The least a job can be: one new file, one sentence.
  trivial: { turns: [{ content: [{ type: "tool_use", name: "Write", input: { file_path: "NOTE.md", content: "trivial\n" } }] }, say("Wrote NOTE.md.")], fallback: say("Done.") },
};

export interface Arrival extends RecordedRequest {
  /** Epoch ms when the request reached the provider. */
  at: number;
}

export interface World {
  workspace: DirectoryResult;
  provider: ScriptedProvider;
  arrivals: Arrival[];
  keyFile: string;
  sandbox: boolean;
  env: Record<string, string>;
  quick: boolean;
}

export async function openWorld(quick: boolean): Promise<World> {
  const workspace = await dir({ prefix: "code-worker-bench-", unsafeCleanup: true });
  const provider = await startScriptedProvider({ scripts, apiKey: key });
  const keyFile = join(workspace.path, "key");
  await writeFile(keyFile, `${key}\n`, { mode: 0o600 });
  const problem = await sandboxProblem();
  if (problem) console.log(`note: ${problem}; the sandbox is off for this run`);
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "",
    HOME: workspace.path,
    CODE_WORKER_HOME: join(workspace.path, "home"),
    CODE_WORKER_API_KEY_FILE: keyFile,
    CODE_WORKER_BASE_URL: `${provider.url}/v1`,
    CODE_WORKER_FAST_MODEL: "trivial",
    CODE_WORKER_THINK_MODEL: "trivial",
    CODE_WORKER_SANDBOX: problem ? "off" : "on",
    ...(process.env.CODE_WORKER_STANDBY_RUNNER ? { CODE_WORKER_STANDBY_RUNNER: process.env.CODE_WORKER_STANDBY_RUNNER } : {}),
  };
  return { workspace, provider, arrivals: stampArrivals(provider), keyFile, sandbox: !problem, env, quick };
}

/** The provider records requests without a time; the bench stamps each as it is recorded. */
function stampArrivals(provider: ScriptedProvider): Arrival[] {
  const arrivals: Arrival[] = [];
  const push = provider.requests.push.bind(provider.requests);
  provider.requests.push = (...items: RecordedRequest[]) => {
    for (const item of items) arrivals.push({ ...item, at: Date.now() });
    return push(...items);
  };
  return arrivals;
}

/** The first request that reached the provider at or after `since` (epoch ms). */
export function firstArrivalAfter(world: World, since: number): number | undefined {
  return world.arrivals.find((arrival) => arrival.at >= since)?.at;
}

export interface Server {
  client: Client;
  pid: number;
  call(name: string, args: Record<string, unknown>): Promise<{ bytes: number; result: Record<string, any> }>;
  close(): Promise<void>;
}

/** An MCP server over stdio, as a host starts it, with the world's environment and `overrides`. */
export async function openServer(world: World, overrides: Record<string, string> = {}): Promise<Server> {
  const client = new Client({ name: "code-worker-bench", version: "1.0.0" });
  const transport = new StdioClientTransport({ command: process.execPath, args: [serverMain], env: { ...world.env, ...overrides }, stderr: "ignore" });
  await client.connect(transport);
  const call: Server["call"] = async (name, args) => {
    const result = (await client.callTool({ name, arguments: args }, undefined, { timeout: 300_000 })) as CallToolResult;
    if (result.isError) throw new Error(`${name}: ${JSON.stringify(result.content)}`);
    // What the host's model reads: the structured result (Codex shows it) and the one text line.
    const bytes = Buffer.byteLength(JSON.stringify(result.structuredContent)) + Buffer.byteLength((result.content[0] as { text?: string })?.text ?? "");
    return { bytes, result: result.structuredContent as Record<string, any> };
  };
  return { client, pid: transport.pid!, call, close: () => client.close() };
}

export async function closeWorld(world: World): Promise<void> {
  await world.provider.close();
  await world.workspace.cleanup();
}
