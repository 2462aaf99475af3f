// get_details by round, over a real store directory and a real repository with one commit per
// round: each round's events, check logs and final message apart, a round's own diff beside the
// whole change, and a round that does not exist refused with the range that does.
import assert from "node:assert/strict";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { execa } from "execa";
import { dir } from "tmp-promise";
import { jobDetail, roundOf } from "../src/control/details.js";
import type { JobRecord, RoundFacts } from "../src/store/record.js";
import { JobStore } from "../src/store/store.js";

const id = "fix-sum-k7m2";
let store: JobStore;
let job: JobRecord;
let cleanup: () => Promise<void> = async () => {};

async function commit(repo: string, file: string, text: string): Promise<string> {
  await writeFile(join(repo, file), text);
  await execa("git", ["add", file], { cwd: repo });
  await execa("git", ["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", file], { cwd: repo });
  return (await execa("git", ["rev-parse", "HEAD"], { cwd: repo })).stdout;
}

const edit = (path: string) =>
  JSON.stringify({ type: "assistant", message: { content: [{ type: "tool_use", name: "Edit", input: { file_path: `/wt/${path}` } }] } });
const result = (text: string) => JSON.stringify({ type: "result", subtype: "success", result: text });

before(async () => {
  const scratch = await dir({ prefix: "code-worker-unit-details-", unsafeCleanup: true });
  cleanup = () => scratch.cleanup();
  const repo = join(scratch.path, "repo");
  await execa("git", ["init", "-q", repo]);
  const base = await commit(repo, "sum.js", "one\n");
  const first = await commit(repo, "sum.js", "two\n");
  const second = await commit(repo, "sort.js", "three\n");
  store = new JobStore(join(scratch.path, "store"));
  const files: [number, string, string][] = [
    [1, "events.jsonl", [edit("sum.js"), result("Fixed sum.")].join("\n")],
    [1, "checks/unit.log", "unit: 1 failing\n"],
    [2, "events.jsonl", [edit("sort.js"), result("Added sort.")].join("\n")],
    [2, "checks/unit.log", "unit: all passing\n"],
    [2, "checks/lint.log", "lint: clean\n"],
  ];
  for (const [round, name, text] of files) {
    await mkdir(join(store.roundDir(id, round), "checks"), { recursive: true });
    await writeFile(join(store.roundDir(id, round), name), text);
  }
  const round = (n: number, head: string): RoundFacts => ({
    n,
    kind: n === 1 ? "first" : "continue",
    tier: "fast",
    model_label: "flash",
    session: "new",
    started_at: "",
    head_commit: head,
  });
  job = {
    version: 1,
    id,
    task_label: "fix-sum",
    task_title: "Fix sum",
    repo: { root: repo, common_dir: join(repo, ".git") },
    base: { ref: "HEAD", commit: base },
    branch: `code-worker/${id}`,
    worktree: "/wt",
    tier: { chosen: "fast", requested: "fast", model: "m", label: "flash" },
    settings: { timeout_s: 3600, stall_s: 120, sandbox: true, max_jobs: 2, home: "/h" },
    status: "done",
    created_at: "",
    head_commit: second,
    worker: { turns: 2, summary: "Added sort." },
    rounds: [round(1, first), round(2, second)],
  };
});

after(() => cleanup());

test("each round's events, check logs and final message are its own; the default is the last round", async () => {
  const text = async (what: "events" | "check_log" | "worker_summary", round?: number, path?: string) =>
    (await jobDetail(store, job, what, path, undefined, round)).text;
  assert.equal(await text("events", 1), "→ Edit sum.js\nfinished");
  assert.equal(await text("events"), "→ Edit sort.js\nfinished");
  assert.equal(await text("check_log", 1, "unit"), "unit: 1 failing\n");
  assert.equal(await text("check_log", undefined, "unit"), "unit: all passing\n");
  assert.equal(await text("worker_summary", 1), "Fixed sum.");
  assert.equal(await text("worker_summary"), "Added sort.");
  await assert.rejects(text("check_log", 1, "lint"), { message: 'no check "lint" ran in round 1; these did: unit' });
  const detail = await jobDetail(store, job, "events", undefined, undefined, 1);
  assert.equal(detail.round, 1, "a job of several rounds says which round a detail is of");
});

test("the diff is the whole change unless a round is asked for, then that round's commits", async () => {
  const diff = async (round?: number) => (await jobDetail(store, job, "diff", undefined, undefined, round)).text;
  const files = (text: string) => [...text.matchAll(/^diff --git a\/(\S+)/gm)].map((match) => match[1]);
  assert.deepEqual(files(await diff()), ["sort.js", "sum.js"]);
  assert.deepEqual(files(await diff(1)), ["sum.js"]);
  assert.deepEqual(files(await diff(2)), ["sort.js"]);
  assert.equal((await jobDetail(store, job, "diff", "sum.js", undefined, 2)).text, "(round 2 did not change sum.js)");
});

test("a round that does not exist is refused with the range that does", () => {
  const cases: [JobRecord, number | undefined, number | string][] = [
    [job, undefined, 2],
    [job, 1, 1],
    [job, 3, `job ${id} has no round 3; its rounds are 1 to 2`],
    [{ ...job, rounds: undefined }, 2, `job ${id} has no round 2; it has only round 1`],
    [{ ...job, status: "queued", pending_round: { n: 3, tier: "fast", model: "m", label: "flash", requested_at: "" } }, undefined, 3],
  ];
  for (const [record, asked, expected] of cases) {
    if (typeof expected === "number") assert.equal(roundOf(record, asked), expected);
    else assert.throws(() => roundOf(record, asked), { message: expected });
  }
});
