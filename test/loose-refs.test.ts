// HEAD and branch heads read from a git dir's files answer what git answers, loose or packed,
// detached or unborn; what the files cannot settle is left to git.
import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { execa } from "execa";
import { dir } from "tmp-promise";
import { headsFromFiles } from "../src/git/loose-refs.js";

async function git(cwd: string, ...args: string[]): Promise<string> {
  return (await execa("git", ["-c", "user.name=t", "-c", "user.email=t@t", ...args], { cwd })).stdout.trim();
}

test("heads read from the files match git's, loose, packed, detached and unborn", async (t) => {
  const temp = await dir({ unsafeCleanup: true });
  t.after(() => temp.cleanup());
  const repo = temp.path;
  const gitDir = join(repo, ".git");
  await git(repo, "init", "-q", "-b", "main");
  assert.deepEqual(await headsFromFiles(gitDir, ["main"]), { head: undefined, branches: [undefined] }); // unborn
  await git(repo, "commit", "-q", "--allow-empty", "-m", "one");
  await git(repo, "branch", "code-worker/job-a1b2");
  const one = await git(repo, "rev-parse", "HEAD");
  assert.deepEqual(await headsFromFiles(gitDir, ["code-worker/job-a1b2", "missing"]), { head: one, branches: [one, undefined] });

  await git(repo, "pack-refs", "--all");
  await git(repo, "commit", "-q", "--allow-empty", "-m", "two");
  const two = await git(repo, "rev-parse", "HEAD");
  assert.deepEqual(await headsFromFiles(gitDir, ["code-worker/job-a1b2"]), { head: two, branches: [one] }); // main loose again, the job packed

  await git(repo, "checkout", "-q", "--detach", one);
  assert.deepEqual(await headsFromFiles(gitDir, ["main"]), { head: one, branches: [two] });
});
