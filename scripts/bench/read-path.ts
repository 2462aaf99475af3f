// Measure 4: the read path with many records in one store, a running MCP server: get_job and
// list_jobs against reading one record from disk, get_job right after the host's HEAD moved
// against one raw merge-tree, and the server's memory after all of it against a bare node.
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { execa } from "execa";
import { compare, percentile, record, round, settle } from "./measure.js";
import { bareNodeBytes, MB, rssBytes } from "./proc.js";
import type { Server, World } from "./world.js";

/** Timings of one call repeated, in ms. */
async function timed(times: number, action: () => Promise<unknown>): Promise<number[]> {
  const ms: number[] = [];
  for (let i = 0; i < times; i++) {
    const t = performance.now();
    await action();
    ms.push(performance.now() - t);
  }
  return ms;
}

/** Fills the store up to `jobs` copies of the template record (beyond those already made). */
async function fillStore(store: string, template: string, from: number, jobs: number): Promise<void> {
  const text = await readFile(join(store, template, "job.json"), "utf8");
  for (let i = from; i < jobs; i++) {
    const id = `bench-${i.toString(36).padStart(4, "0")}`;
    await mkdir(join(store, id), { recursive: true });
    await writeFile(join(store, id, "job.json"), text.replaceAll(template, id));
  }
}

export async function readPath(world: World, server: Server, repo: string): Promise<void> {
  const first = await server.call("code_worker_list_jobs", { cwd: repo });
  const template = (first.result.jobs as string[])[0]!.split(" ")[0]!;
  const store = join(repo, ".git", "code-worker", "jobs");
  let filled = 0;
  const runs: { getMs: number[]; listMs: number[] }[] = [];
  for (const jobs of world.quick ? [100] : [100, 500]) {
    await fillStore(store, template, filled, jobs);
    filled = jobs;
    // The records just written are still being flushed: a read timed now pays for the writes.
    await settle();
    runs.push(await readsAt(server, repo, store, template, jobs));
  }
  if (runs.length === 2) {
    // Flat in the number of jobs: the same call at 500 against 100.
    compare("get_job at 500 jobs vs at 100", runs[1]!.getMs, runs[0]!.getMs, "ms", 1.2);
    compare("list_jobs at 500 jobs vs at 100", runs[1]!.listMs, runs[0]!.listMs, "ms", 1.2);
  }
  await afterHeadMoved(server, repo, template);
  await serverMemory(server);
}

async function readsAt(server: Server, repo: string, store: string, template: string, jobs: number): Promise<{ getMs: number[]; listMs: number[] }> {
  const getMs: number[] = [];
  const diskMs: number[] = [];
  for (let i = 0; i < 60; i++) {
    diskMs.push(...(await timed(1, () => readFile(join(store, template, "job.json"), "utf8").then(JSON.parse))));
    getMs.push(...(await timed(1, () => server.call("code_worker_get_job", { job_id: template }))));
  }
  // The target is absolute; the ratio to a disk read of the same record is there for scale.
  const p50 = compare(`get_job p50 with ${jobs} jobs (vs reading its record)`, getMs, diskMs, "ms", Infinity);
  Object.assign(p50, { target: "≤ 5 ms", met: p50.value <= 5 });
  const p99 = round(percentile(getMs, 0.99));
  record({ name: `get_job p99 with ${jobs} jobs`, value: p99, unit: "ms", runs: getMs.length, target: "reported", met: null });
  const listMs = await timed(30, () => server.call("code_worker_list_jobs", { cwd: repo }));
  const list = percentile(listMs, 0.5);
  record({ name: `list_jobs (default limit) with ${jobs} jobs`, value: round(list), unit: "ms", min: round(Math.min(...listMs)), runs: listMs.length, target: "≤ 10 ms", met: list <= 10 });
  return { getMs, listMs };
}

/** get_job when the host's HEAD has just moved (its merge status is stale) against the one raw merge-tree it needs. */
async function afterHeadMoved(server: Server, repo: string, template: string): Promise<void> {
  const gitEnv = { GIT_CONFIG_NOSYSTEM: "1", HOME: repo };
  const getMs: number[] = [];
  const rawMs: number[] = [];
  for (let i = 0; i < 15; i++) {
    await execa("git", ["-C", repo, "commit", "-q", "--allow-empty", "-m", `host moves ${i}`], { env: gitEnv });
    getMs.push(...(await timed(1, () => server.call("code_worker_get_job", { job_id: template }))));
    rawMs.push(...(await timed(1, () => execa("git", ["-C", repo, "merge-tree", "--write-tree", "HEAD", `code-worker/${template}`], { env: gitEnv, reject: false }))));
  }
  compare("get_job right after the host's HEAD moved (vs one git merge-tree)", getMs, rawMs, "ms", 2);
}

async function serverMemory(server: Server): Promise<void> {
  const rss = await rssBytes(server.pid);
  const bare = await bareNodeBytes();
  record({ name: "MCP server RSS after all calls (vs a bare node)", value: round(rss / MB), unit: "MB", baseline: round(bare / MB), ratio: round(rss / bare), target: "≤ 100 MB", met: rss <= 100 * MB });
}
