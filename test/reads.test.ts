// Reads of a job that has gone wrong underneath: a record cut short or overwritten, a host whose
// HEAD moved since the record was written, a repository moved or deleted. Each read tells the truth
// in one line a person can act on; list keeps every job in sight.
import assert from "node:assert/strict";
import { mkdir, readFile, rename, rm, stat, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test, type TestContext } from "node:test";
import { simpleGit } from "simple-git";
import { fixSumScript, sampleTask } from "../src/demo/sample.js";
import { HomeLayout } from "../src/store/home.js";
import type { JobRecord } from "../src/store/record.js";
import { isUnreadable } from "../src/store/store.js";
import { listLine } from "../src/views/compact.js";
import { connect, errorText, view } from "./mcp-client.js";
import { fixture, type Fixture } from "./helpers.js";

async function doneJobs(t: TestContext, labels: string[]): Promise<{ f: Fixture; jobs: JobRecord[] }> {
  const f = await fixture(t, { scripts: { "test-fast": fixSumScript() } });
  const started = await Promise.all(
    labels.map((label) => f.engine.start({ cwd: f.repo, task: sampleTask, taskLabel: label, tier: "fast" })),
  );
  const jobs = await Promise.all(started.map((job) => f.engine.wait(job.id, 120)));
  for (const job of jobs) assert.equal(job.status, "done", job.error);
  return { f, jobs };
}

/** Every read of one job, each expected to refuse with the same line. */
async function assertEveryReadSays(f: Fixture, id: string, message: string): Promise<void> {
  const reads: [string, () => Promise<unknown>][] = [
    ["get", () => f.engine.get(id)],
    ["apply", () => f.engine.apply(id)],
    ["discard", () => f.engine.discard(id)],
    ["detail", () => f.engine.detail(id, "diff")],
    ["cancel", () => f.engine.cancel(id, "obsolete")],
  ];
  for (const [name, read] of reads) {
    await assert.rejects(read(), (error: Error) => {
      assert.equal(error.name, "UserError", name);
      assert.equal(error.message, message, name);
      return true;
    });
  }
}

test("a truncated or overwritten job.json is named unreadable by every read, and list shows it with the rest", async (t) => {
  const { f, jobs } = await doneJobs(t, ["broken", "intact"]);
  const [broken, intact] = jobs as [JobRecord, JobRecord];
  const dir = join(f.repo, ".git", "code-worker", "jobs", broken.id);
  const file = join(dir, "job.json");
  // Cut short inside the record, as a write that died part way leaves it.
  const text = await readFile(file, "utf8");
  await writeFile(file, text.slice(0, text.indexOf(":") + 1));
  const truncated = `job ${broken.id}'s job.json is unreadable (Unexpected end of JSON input); repair it, or delete its directory to drop the job: ${dir}`;
  await assertEveryReadSays(f, broken.id, truncated);

  const listed = await f.engine.list();
  assert.deepEqual(
    listed.map((job) => [job.id, job.status]).sort(),
    [
      [broken.id, "unreadable"],
      [intact.id, "done"],
    ].sort(),
  );
  const unreadable = listed.find(isUnreadable)!;
  assert.equal(listLine(unreadable, Date.now()), `${broken.id} unreadable job.json (Unexpected end of JSON input)`);
  assert.deepEqual(
    (await f.engine.list({ status: "done" })).map((job) => job.id).sort(),
    [broken.id, intact.id].sort(),
    "its status is unknown, so a filter keeps it",
  );
  assert.deepEqual(
    (await f.engine.gc(0)).map((job) => job.id),
    [],
  );

  // What a host sees through MCP: the same line (its long path may be cut), not an internal error; the list with both jobs.
  const mcp = await connect(t, f.env);
  const said = errorText(await mcp.call("code_worker_get_job", { job_id: broken.id }));
  assert.ok(truncated.startsWith(said.replace(/…$/, "")) && said.length > truncated.indexOf(": /"), said);
  const lines: string[] = view(await mcp.call("code_worker_list_jobs", {})).jobs;
  assert.ok(lines.includes(`${broken.id} unreadable job.json (Unexpected end of JSON input)`), lines.join("\n"));
  assert.ok(
    lines.some((line) => line.startsWith(`${intact.id} done `)),
    lines.join("\n"),
  );

  // Valid JSON that is no record of this job is unreadable too.
  await writeFile(file, JSON.stringify({ ...intact }));
  await assertEveryReadSays(
    f,
    broken.id,
    `job ${broken.id}'s job.json is unreadable (not a job record); repair it, or delete its directory to drop the job: ${dir}`,
  );
  assert.equal(listLine((await f.engine.list()).find(isUnreadable)!, Date.now()), `${broken.id} unreadable job.json (not a job record)`);
});

test("list shows the merge status get does, and rewrites no record while nothing moved", async (t) => {
  const { f, jobs } = await doneJobs(t, ["listed"]);
  const job = jobs[0]!;
  const file = join(f.repo, ".git", "code-worker", "jobs", job.id, "job.json");
  const line = async () => listLine((await f.engine.list({ cwd: f.repo }))[0]!, Date.now());
  assert.doesNotMatch(await line(), /conflicts/);
  const before = await stat(file);
  await line();
  const after = await stat(file);
  assert.deepEqual([after.ino, after.mtimeMs], [before.ino, before.mtimeMs], "an unmoved job's record is not rewritten by list");

  const git = simpleGit(f.repo);
  const sum = join(f.repo, "src", "sum.js");
  await writeFile(sum, (await readFile(sum, "utf8")).replace("let i = 1;", "let i = 1; // the host's own attempt"));
  await git.add(".").commit("Host edits the same line");
  assert.match(await line(), new RegExp(`^${job.id} done fast \\d+s 1f \\+1 -1 approve conflicts$`));
  const listed = (await f.engine.list({ cwd: f.repo }))[0] as JobRecord;
  assert.deepEqual(listed.merge, (await f.engine.get(job.id)).merge);
  assert.equal(listed.merge?.host_head_full, await git.revparse(["HEAD"]));
});

test("a job whose repository moved or went says so on every read, naming the path; a deleted job says it is not there", async (t) => {
  const { f, jobs } = await doneJobs(t, ["moved"]);
  const job = jobs[0]!;
  const gone = `job ${job.id}'s repository at ${f.repo} is gone or has moved; move it back to reach the job, or start the job again where the repository is now`;
  await rename(f.repo, `${f.repo}-moved`);
  await assertEveryReadSays(f, job.id, gone);

  await rename(`${f.repo}-moved`, f.repo);
  assert.equal((await f.engine.get(job.id)).status, "done", "moved back, the job is there again");
  await rm(join(f.repo, ".git", "code-worker", "jobs", job.id), { recursive: true });
  await assertEveryReadSays(f, job.id, `no job "${job.id}" in ${join(f.repo, ".git", "code-worker")}`);

  await rm(f.repo, { recursive: true });
  await assertEveryReadSays(f, job.id, gone);

  // An index entry a claim left empty (it died between creating and writing it) points nowhere.
  const entry = new HomeLayout(f.home).indexEntry(job.id);
  await writeFile(entry, "");
  await assertEveryReadSays(
    f,
    job.id,
    `job ${job.id}'s index entry ${entry} is unreadable (no store path in it); delete that file, then list jobs to find the job by its repository`,
  );
});

test("a limited list reads only the newest records and counts the rest", async (t) => {
  const f = await fixture(t, { scripts: { "*": fixSumScript() } });
  const first = await f.engine.wait((await f.engine.start({ cwd: f.repo, task: sampleTask, tier: "fast" })).id, 60);
  const jobs = join(f.repo, ".git", "code-worker", "jobs");
  const record = await readFile(join(jobs, first.id, "job.json"), "utf8");
  const ids = Array.from({ length: 12 }, (_, i) => `copy-${i.toString(36).padStart(4, "0")}`);
  for (const [i, id] of ids.entries()) {
    await mkdir(join(jobs, id));
    await writeFile(join(jobs, id, "task.md"), "copy");
    const at = new Date(Date.parse(first.created_at) + (i + 1) * 1000).toISOString();
    await writeFile(
      join(jobs, id, "job.json"),
      record.replaceAll(first.id, id).replace(`"created_at": "${first.created_at}"`, `"created_at": "${at}"`),
    );
    await utimes(join(jobs, id, "task.md"), new Date(Date.now() + i * 1000), new Date(Date.now() + i * 1000));
  }
  // A record that a limited list would have to parse cannot be among the ones it skips.
  await writeFile(join(jobs, ids[0]!, "job.json"), "{ not json");
  const page = await f.engine.page({ cwd: f.repo, limit: 5 });
  assert.deepEqual(
    page.jobs.map((job) => job.id),
    ids.slice(-5).reverse(),
  );
  assert.equal(page.more, 8);
});
