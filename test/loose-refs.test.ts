// HEAD and branch heads read from a git dir's files answer what git answers, loose or packed,
// detached or unborn; what the files cannot settle is left to git.
import assert from "node:assert/strict";
import { mkdir, realpath, symlink } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { execa } from "execa";
import { dir } from "tmp-promise";
import { commonDirFromFiles, headsFromFiles } from "../src/git/loose-refs.js";

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

test("the common git dir read from the files is git's, from a checkout, a subdirectory, a linked worktree and a link to it", async (t) => {
  const temp = await dir({ unsafeCleanup: true });
  t.after(() => temp.cleanup());
  const repo = join(temp.path, "repo");
  await mkdir(join(repo, "src", "deep"), { recursive: true });
  await git(repo, "init", "-q", "-b", "main");
  await git(repo, "commit", "-q", "--allow-empty", "-m", "one");
  const linked = join(temp.path, "linked");
  await git(repo, "worktree", "add", "-q", "-b", "side", linked);
  await mkdir(join(linked, "sub"));
  await symlink(join(repo, "src"), join(temp.path, "alias"));
  for (const cwd of [repo, join(repo, "src", "deep"), linked, join(linked, "sub"), join(temp.path, "alias")]) {
    const fromGit = await realpath(await git(cwd, "rev-parse", "--path-format=absolute", "--git-common-dir"));
    assert.equal(await commonDirFromFiles(cwd), fromGit, cwd);
  }
  // Nothing to settle it: git is asked instead.
  assert.equal(await commonDirFromFiles(temp.path), undefined);
  await mkdir(join(temp.path, "bare.git"));
  await git(join(temp.path, "bare.git"), "init", "-q", "--bare");
  assert.equal(await commonDirFromFiles(join(temp.path, "bare.git")), undefined);
});
