// The job's own checkout: a linked worktree on its own branch, created from the host's repository
// without touching the host's working tree, index or current branch.
import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { dirname } from "node:path";
import { git, gitWithoutHooks } from "./repo.js";

export async function addWorktree(root: string, path: string, branch: string, baseCommit: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await gitWithoutHooks(root, ["worktree", "add", "--quiet", "-b", branch, path, baseCommit]);
}

export async function removeWorktree(root: string, path: string): Promise<void> {
  if (existsSync(path)) await git(root).raw(["worktree", "remove", "--force", "--force", path]);
  await git(root).raw(["worktree", "prune"]);
}
