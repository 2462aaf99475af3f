// `npm run bench [-- --quick]`: what the product exists for, measured offline (scripted provider,
// real Claude Code, real git, sandbox on). Every figure is a ratio against a baseline measured in
// this same run; the table goes to stdout and bench/results.json.
import { mkdir, readdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { dir } from "tmp-promise";
import { createSampleRepo, fixSum, readSum, say } from "../src/demo/sample.js";
import { startScriptedProvider, type Script } from "../src/provider/scripted-provider.js";
import { sandboxProblem } from "../src/worker/sandbox.js";

interface Measure {
  name: string;
  value: number;
  unit: string;
  baseline?: number;
  ratio?: number;
  target: string;
  met: boolean;
}

const quick = process.argv.includes("--quick");
const serverMain = join(import.meta.dirname, "..", "src", "mcp", "main.js");
const key = "bench-key-not-secret-0000";
const measures: Measure[] = [];

const workspace = await dir({ prefix: "code-worker-bench-", unsafeCleanup: true });
const repo = join(workspace.path, "repo");
await createSampleRepo(repo, benchPolicy());
await writeFile(join(repo, "build.log"), Array.from({ length: 1500 }, (_, i) => `[${i}] compiling module ${i} of 1500 … ok (${(i * 7) % 97} ms)`).join("\n"));
await writeFile(join(repo, "loud.test.js"), `import { test } from "node:test";\nfor (let i = 0; i < 200; i++) test(\`case \${i}\`, () => { console.log("x".repeat(120)); });\n`);
await (await import("simple-git")).simpleGit(repo).add(".").commit("Bench fixtures");
const keyFile = join(workspace.path, "key");
await writeFile(keyFile, `${key}\n`, { mode: 0o600 });

const scripts: Record<string, Script> = {
  noisy: { turns: [{ content: [{ type: "tool_use", name: "Read", input: { file_path: "build.log" } }] }, readSum, fixSum, { content: [{ type: "tool_use", name: "Bash", input: { command: "node --test", description: "loud tests" } }] }, say("Fixed sum(); the suite passes.")] },
  chatty: { turns: [readSum, fixSum, say(`Fixed sum(). ${"Here is a long explanation of every consideration. ".repeat(160)}`)] },
};
const provider = await startScriptedProvider({ scripts, apiKey: key });
const problem = await sandboxProblem();
const env: Record<string, string> = {
  PATH: process.env.PATH ?? "",
  HOME: workspace.path,
  CODE_WORKER_HOME: join(workspace.path, "home"),
  CODE_WORKER_API_KEY_FILE: keyFile,
  CODE_WORKER_BASE_URL: `${provider.url}/v1`,
  CODE_WORKER_FAST_MODEL: "noisy",
  CODE_WORKER_THINK_MODEL: "chatty",
  CODE_WORKER_SANDBOX: problem ? "off" : "on",
};
if (problem) console.log(`note: ${problem}; the sandbox is off for this run`);

const client = new Client({ name: "code-worker-bench", version: "1.0.0" });
await client.connect(new StdioClientTransport({ command: process.execPath, args: [serverMain], env, stderr: "ignore" }));

try {
  await toolDefinitions();
  await hostBytesPerJob("noisy", "fast");
  await hostBytesPerJob("chatty", "think");
  await readPath(quick ? 100 : 500);
} finally {
  await client.close();
  await provider.close();
  await workspace.cleanup();
}

printTable();
await mkdir(join(import.meta.dirname, "..", "..", "bench"), { recursive: true });
await writeFile(join(import.meta.dirname, "..", "..", "bench", "results.json"), `${JSON.stringify(measures, null, 1)}\n`);

function benchPolicy(): string {
  return `version: 1
extends: builtin:strict
rules: { tests-required: off, max-file-size: { max: 2MiB } }
checks:
  test: { run: "node --test test/", timeout: 2m }
worker:
  allow: [Read, Glob, Grep, Edit, Write, Bash]
`;
}

async function call(name: string, args: Record<string, unknown>): Promise<{ bytes: number; result: Record<string, any> }> {
  const result = (await client.callTool({ name, arguments: args }, undefined, { timeout: 300_000 })) as CallToolResult;
  if (result.isError) throw new Error(`${name}: ${JSON.stringify(result.content)}`);
  // What the host's model reads: the structured result (Codex shows it) and the one text line.
  const bytes = Buffer.byteLength(JSON.stringify(result.structuredContent)) + Buffer.byteLength((result.content[0] as { text?: string })?.text ?? "");
  return { bytes, result: result.structuredContent as Record<string, any> };
}

async function toolDefinitions(): Promise<void> {
  const { tools } = await client.listTools();
  const raw = Buffer.byteLength(JSON.stringify({ tools }));
  const seen = Buffer.byteLength(JSON.stringify(tools.map((tool) => ({ name: tool.name, description: tool.description, input_schema: tool.inputSchema }))));
  measures.push({ name: "tool definitions as the host model sees them", value: seen, unit: "B", target: "≤ 4096 B", met: seen <= 4096 });
  measures.push({ name: "tools/list, raw", value: raw, unit: "B", target: "≤ 10240 B (test budget)", met: raw <= 10240 });
}

/** Start, polls as next_poll_s advises (sped up: the bench does not sleep the advised seconds), the final result. */
async function hostBytesPerJob(kind: "noisy" | "chatty", tier: "fast" | "think"): Promise<void> {
  const start = await call("code_worker_start_implementation", { cwd: repo, task: "Fix the off-by-one in sum().", task_label: kind, execution_tier: tier });
  let polls = 0;
  let pollBytes = 0;
  let last = start.result;
  while (!["done", "failed", "cancelled", "timed_out", "lost"].includes(String(last.status))) {
    await new Promise((resolve) => setTimeout(resolve, Math.min(1000, (Number(last.next_poll_s) || 1) * 200)));
    const get = await call("code_worker_get_job", { job_id: start.result.job_id });
    polls += 1;
    pollBytes += get.bytes;
    last = get.result;
  }
  const finalBytes = Buffer.byteLength(JSON.stringify(last));
  const store = join(repo, ".git", "code-worker", "jobs", String(start.result.job_id));
  // The worker's whole stream as Claude Code keeps it (the event log caps long lines).
  const transcript = await transcriptBytes(join(env.CODE_WORKER_HOME!, "run", String(start.result.job_id), "worker", "config", "projects"));
  const finalMessage = await lastResultText(join(store, "events.jsonl"));
  const startAndFinal = start.bytes + finalBytes;
  const all = start.bytes + pollBytes;
  measures.push({ name: `${kind} job: start + final result`, value: startAndFinal, unit: "B", target: "≤ 1536 B", met: startAndFinal <= 1536 });
  measures.push({ name: `${kind} job: all calls (${polls} polls)`, value: all, unit: "B", target: "≤ 3072 B", met: all <= 3072 });
  measures.push({ name: `${kind} job: transcript / host bytes`, value: transcript, unit: "B", baseline: all, ratio: round(transcript / all), target: "≥ 100×", met: transcript / all >= 100 });
  if (kind === "chatty") {
    measures.push({ name: "chatty job: final result vs the worker's final message", value: finalBytes, unit: "B", baseline: finalMessage, ratio: round(finalBytes / finalMessage), target: "< 1× (under the message)", met: finalBytes < finalMessage });
  }
}

async function transcriptBytes(projects: string): Promise<number> {
  const entries = await readdir(projects, { recursive: true, withFileTypes: true });
  const files = entries.filter((entry) => entry.isFile() && entry.name.endsWith(".jsonl")).map((entry) => join(entry.parentPath, entry.name));
  const sizes = await Promise.all(files.map(async (file) => (await stat(file)).size));
  return sizes.reduce((sum, size) => sum + size, 0);
}

async function lastResultText(events: string): Promise<number> {
  const lines = (await readFile(events, "utf8")).trim().split("\n").reverse();
  for (const line of lines) {
    const event = JSON.parse(line) as { type?: string; result?: string };
    if (event.type === "result") return Buffer.byteLength(event.result ?? "");
  }
  return 0;
}

/** get_job and list_jobs with many records in one store, against reading one record from disk. */
async function readPath(jobs: number): Promise<void> {
  const first = await call("code_worker_list_jobs", { cwd: repo });
  const template = (first.result.jobs as string[])[0]!.split(" ")[0]!;
  const store = join(repo, ".git", "code-worker", "jobs");
  const record = await readFile(join(store, template, "job.json"), "utf8");
  for (let i = 0; i < jobs; i++) {
    const id = `bench-${i.toString(36).padStart(4, "0")}`;
    await mkdir(join(store, id), { recursive: true });
    await writeFile(join(store, id, "job.json"), record.replaceAll(template, id));
  }
  const getMs: number[] = [];
  const diskMs: number[] = [];
  for (let i = 0; i < 60; i++) {
    let t = performance.now();
    await readFile(join(store, template, "job.json"), "utf8").then(JSON.parse);
    diskMs.push(performance.now() - t);
    t = performance.now();
    await call("code_worker_get_job", { job_id: template });
    getMs.push(performance.now() - t);
  }
  const listMs: number[] = [];
  for (let i = 0; i < 10; i++) {
    const t = performance.now();
    await call("code_worker_list_jobs", { cwd: repo });
    listMs.push(performance.now() - t);
  }
  const p = (values: number[], q: number) => round([...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(values.length * q))]!);
  measures.push({ name: `get_job p50 with ${jobs} jobs`, value: p(getMs, 0.5), unit: "ms", baseline: p(diskMs, 0.5), ratio: round(p(getMs, 0.5) / p(diskMs, 0.5)), target: "≤ 5 ms", met: p(getMs, 0.5) <= 5 });
  measures.push({ name: `list_jobs (default limit) with ${jobs} jobs`, value: p(listMs, 0.5), unit: "ms", target: "≤ 10 ms", met: p(listMs, 0.5) <= 10 });
}

function printTable(): void {
  console.log("\n| measure | value | baseline | ratio | target | met |\n|---|---|---|---|---|---|");
  for (const m of measures) console.log(`| ${m.name} | ${m.value} ${m.unit} | ${m.baseline ?? ""} | ${m.ratio ?? ""}${m.ratio === undefined ? "" : "×"} | ${m.target} | ${m.met ? "yes" : "no"} |`);
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
