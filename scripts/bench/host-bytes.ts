// Measure 1: what the host's context pays per job, over the real stdio transport, against the
// worker's whole transcript and its final message; and the tool definitions the host model reads.
import { readdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { simpleGit } from "simple-git";
import { createSampleRepo } from "../../src/demo/sample.js";
import { record, round } from "./measure.js";
import type { Server, World } from "./world.js";

const terminal = ["done", "failed", "cancelled", "timed_out", "lost"];

/** The sample project plus what makes a job noisy: a 120 KB log to read and a loud test file. */
export async function hostBytesRepo(world: World): Promise<string> {
  const repo = join(world.workspace.path, "repo");
  await createSampleRepo(repo, `version: 1
extends: builtin:strict
rules: { tests-required: off, max-file-size: { max: 2MiB } }
checks:
  test: { run: "node --test test/", timeout: 2m }
worker:
  allow: [Read, Glob, Grep, Edit, Write, Bash]
`);
  await writeFile(join(repo, "build.log"), Array.from({ length: 1500 }, (_, i) => `[${i}] compiling module ${i} of 1500 … ok (${(i * 7) % 97} ms)`).join("\n"));
  await writeFile(join(repo, "loud.test.js"), `import { test } from "node:test";\nfor (let i = 0; i < 200; i++) test(\`case \${i}\`, () => { console.log("x".repeat(120)); });\n`);
  await simpleGit(repo).add(".").commit("Bench fixtures");
  return repo;
}

export async function toolDefinitions(server: Server): Promise<void> {
  const { tools } = await server.client.listTools();
  const raw = Buffer.byteLength(JSON.stringify({ tools }));
  const seen = Buffer.byteLength(JSON.stringify(tools.map((tool) => ({ name: tool.name, description: tool.description, input_schema: tool.inputSchema }))));
  record({ name: "tool definitions as the host model sees them", value: seen, unit: "B", target: "≤ 4096 B", met: seen <= 4096 });
  record({ name: "tools/list, raw", value: raw, unit: "B", target: "≤ 10240 B (test budget)", met: raw <= 10240 });
}

/**
 * Start, polls as next_poll_s advises, the final result. The advised seconds are slept for real: a
 * poll every fifth of them (as this once did) counts five polls for each a host would make.
 */
export async function hostBytesPerJob(world: World, server: Server, repo: string, kind: "noisy" | "chatty", tier: "fast" | "think"): Promise<void> {
  const start = await server.call("code_worker_start_implementation", { cwd: repo, task: "Fix the off-by-one in sum().", task_label: kind, execution_tier: tier });
  let polls = 0;
  let pollBytes = 0;
  let last = start.result;
  while (!terminal.includes(String(last.status))) {
    await new Promise((resolve) => setTimeout(resolve, (Number(last.next_poll_s) || 1) * 1000));
    const get = await server.call("code_worker_get_job", { job_id: start.result.job_id });
    polls += 1;
    pollBytes += get.bytes;
    last = get.result;
  }
  const finalBytes = Buffer.byteLength(JSON.stringify(last));
  const store = join(repo, ".git", "code-worker", "jobs", String(start.result.job_id));
  // The worker's whole stream as Claude Code keeps it (the event log caps long lines).
  const transcript = await transcriptBytes(join(world.env.CODE_WORKER_HOME!, "run", String(start.result.job_id), "worker", "config", "projects"));
  const finalMessage = await lastResultText(join(store, "events.jsonl"));
  const startAndFinal = start.bytes + finalBytes;
  const all = start.bytes + pollBytes;
  record({ name: `${kind} job: start + final result`, value: startAndFinal, unit: "B", target: "≤ 1536 B", met: startAndFinal <= 1536 });
  record({ name: `${kind} job: all calls (${polls} polls)`, value: all, unit: "B", target: "≤ 3072 B", met: all <= 3072 });
  record({ name: `${kind} job: transcript / host bytes`, value: transcript, unit: "B", baseline: all, ratio: round(transcript / all), target: "≥ 100×", met: transcript / all >= 100 });
  if (kind === "chatty") {
    record({ name: "chatty job: final result vs the worker's final message", value: finalBytes, unit: "B", baseline: finalMessage, ratio: round(finalBytes / finalMessage), target: "< 1× (under the message)", met: finalBytes < finalMessage });
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
