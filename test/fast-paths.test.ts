// The shortcuts the hot paths take instead of a process or a per-job read answer what the long way
// answers: a commit's tree from its loose object, the numstat lines, a job list's creation order
// from the store's log (kept while nothing changed), and a program run through node's own execFile.
import assert from "node:assert/strict";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { execa } from "execa";
import { dir } from "tmp-promise";
import { changeSummary, renamed } from "../src/git/diffstat.js";
import type { ChangedFile } from "../src/facts/change.js";
import { commitTreeFromFile, reachesFromFiles } from "../src/git/loose-objects.js";
import { runFile } from "../src/os/run-file.js";
import { JobStore } from "../src/store/store.js";
import { sampleRecord } from "./records.js";

async function git(cwd: string, ...args: string[]): Promise<string> {
  return (await execa("git", ["-c", "user.name=t", "-c", "user.email=t@t", ...args], { cwd })).stdout.trim();
}

test("a commit's tree read from its loose object is git's; a packed or unknown commit is left to git", async (t) => {
  const temp = await dir({ unsafeCleanup: true });
  t.after(() => temp.cleanup());
  const repo = temp.path;
  await git(repo, "init", "-q", "-b", "main");
  await writeFile(join(repo, "a.txt"), "a\n");
  await git(repo, "add", "a.txt");
  await git(repo, "commit", "-q", "-m", `one\n\n${"long message ".repeat(2000)}`);
  const [commit, tree] = [await git(repo, "rev-parse", "HEAD"), await git(repo, "rev-parse", "HEAD^{tree}")];
  assert.equal(await commitTreeFromFile(join(repo, ".git"), commit), tree);
  assert.equal(await commitTreeFromFile(join(repo, ".git"), tree), undefined, "a tree is no commit");
  assert.equal(await commitTreeFromFile(join(repo, ".git"), "HEAD"), undefined, "only an object id is looked up");
  await git(repo, "gc", "-q");
  assert.equal(await commitTreeFromFile(join(repo, ".git"), commit), undefined, "packed: ask git");
});

test("whether a commit descends from another, read from the loose objects, is git's answer; packed history is left to git", async (t) => {
  const temp = await dir({ unsafeCleanup: true });
  t.after(() => temp.cleanup());
  const repo = temp.path;
  const objects = join(repo, ".git");
  await git(repo, "init", "-q", "-b", "main");
  await git(repo, "commit", "-q", "--allow-empty", "-m", "base");
  const base = await git(repo, "rev-parse", "HEAD");
  await git(repo, "checkout", "-q", "-b", "side");
  await git(repo, "commit", "-q", "--allow-empty", "-m", "side");
  const side = await git(repo, "rev-parse", "HEAD");
  await git(repo, "checkout", "-q", "main");
  await git(repo, "commit", "-q", "--allow-empty", "-m", "host one");
  await git(repo, "merge", "-q", "--no-ff", "-m", "merge side", "side");
  await git(repo, "commit", "-q", "--allow-empty", "-m", "host two");
  const head = await git(repo, "rev-parse", "HEAD");
  await git(repo, "checkout", "-q", "--orphan", "other");
  await git(repo, "commit", "-q", "--allow-empty", "-m", "unrelated");
  const unrelated = await git(repo, "rev-parse", "HEAD");
  assert.equal(await reachesFromFiles(objects, head, base), true);
  assert.equal(await reachesFromFiles(objects, head, side), true, "through a merge's second parent");
  assert.equal(await reachesFromFiles(objects, base, head), false, "the walk ends at the root without it");
  assert.equal(await reachesFromFiles(objects, unrelated, base), false);
  assert.equal(await reachesFromFiles(objects, head, base, 2), undefined, "past the limit: ask git");
  await git(repo, "gc", "-q");
  assert.equal(await reachesFromFiles(objects, head, base), undefined, "packed: ask git");
});

test("a change summary: counts, the heaviest files first, binaries and renames as git prints them", () => {
  const file = (path: string, insertions: number, deletions: number, more: Partial<ChangedFile> = {}): ChangedFile => ({
    path,
    status: "modified",
    insertions,
    deletions,
    binary: false,
    mode: "100644",
    ...more,
  });
  const files = [
    file("src/a.ts", 3, 1),
    file("logo.png", 0, 0, { binary: true }),
    file("src/new/x.ts", 0, 0, { status: "renamed", oldPath: "src/old/x.ts" }),
    file("lib/z.js", 7, 0, { status: "renamed", oldPath: "lib/y.js" }),
    file("src/top.txt", 1, 1, { status: "renamed", oldPath: "top.txt" }),
    file(`${"deep/".repeat(20)}file.ts`, 1, 0),
  ];
  assert.deepEqual(changeSummary(files), {
    files: 6,
    insertions: 12,
    deletions: 2,
    top: [
      "lib/{y.js => z.js} +7 -0",
      "src/a.ts +3 -1",
      "top.txt => src/top.txt +1 -1",
      `…${`${"deep/".repeat(20)}file.ts`.slice(-79)} +1 -0`,
      "logo.png (binary)",
    ],
    more: 1,
  });
  assert.equal(renamed("src/old/x.ts", "src/new/x.ts"), "src/{old => new}/x.ts");
  assert.equal(renamed("a/b/c.ts", "a/b/d.ts"), "a/b/{c.ts => d.ts}");
  assert.equal(renamed("x.ts", "y.ts"), "x.ts => y.ts");
});

test("a store lists jobs by their logged creation, times an unlogged one by its task file once, and keeps the later of two times", async (t) => {
  const temp = await dir({ unsafeCleanup: true });
  t.after(() => temp.cleanup());
  const store = new JobStore(temp.path);
  // A job from before the log: only its directory and task file.
  await mkdir(join(temp.path, "jobs", "old-aaaa"), { recursive: true });
  await writeFile(join(temp.path, "jobs", "old-aaaa", "task.md"), "old");
  await mkdir(join(temp.path, "jobs", "new-bbbb"));
  await writeFile(join(temp.path, "created.log"), "5 new-bbbb\n9000000000000 gone-cccc\n7 new-bbbb\n");
  const created = await store.created();
  const old = created.find((job) => job.id === "old-aaaa")!;
  assert.ok(old.at > 1_000_000_000_000, "timed by its task file");
  assert.deepEqual(
    created.filter((job) => job.id !== "old-aaaa"),
    [{ id: "new-bbbb", at: 7 }],
    "a logged job whose directory is gone is no job; the later time wins",
  );
  assert.match(
    await readFile(join(temp.path, "created.log"), "utf8"),
    new RegExp(`\\n${old.at} old-aaaa\\n$`),
    "logged, so the next list stats nothing",
  );
  await rm(join(temp.path, "jobs", "old-aaaa", "task.md"));
  assert.equal((await store.created()).find((job) => job.id === "old-aaaa")?.at, old.at, "read from the log now");
});

test("a store's creation list is read again as soon as a job is made or its directory goes, however quickly", async (t) => {
  const temp = await dir({ unsafeCleanup: true });
  t.after(() => temp.cleanup());
  const store = new JobStore(temp.path);
  const ids = async () => (await new JobStore(temp.path).created()).map((job) => job.id).sort();
  await store.create(sampleRecord({ id: "one-aaaa" }), "one");
  assert.deepEqual(await ids(), ["one-aaaa"]);
  // Within the same clock tick as the list before it: the log grew, so the list is read anew.
  await store.create(sampleRecord({ id: "two-bbbb" }), "two");
  assert.deepEqual(await ids(), ["one-aaaa", "two-bbbb"]);
  assert.deepEqual(await ids(), ["one-aaaa", "two-bbbb"], "unchanged, the same answer");
  await rm(join(temp.path, "jobs", "two-bbbb"), { recursive: true });
  assert.deepEqual(await ids(), ["one-aaaa"]);
});

test("runFile hands back exit code, output and stdin as values, and says why a program did not run to its end", async () => {
  const env = { PATH: process.env.PATH ?? "" };
  assert.deepEqual(await runFile("sh", ["-c", "cat; echo err >&2; exit 3"], { env, input: "in\n" }), {
    exitCode: 3,
    stdout: "in\n",
    stderr: "err\n",
  });
  assert.deepEqual(await runFile("sh", ["-c", "cat"], { env }), { exitCode: 0, stdout: "", stderr: "" }, "no input: an empty stdin");
  const missing = await runFile("no-such-program-here", [], { env });
  assert.equal(missing.exitCode, -1);
  assert.match(missing.failure ?? "", /ENOENT/);
  const slow = await runFile("sleep", ["5"], { env, timeoutMs: 100 });
  assert.deepEqual([slow.exitCode, slow.failure], [-1, "stopped by SIGTERM"]);
});
