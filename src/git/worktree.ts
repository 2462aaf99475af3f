// The job's own checkout: a linked worktree on its own branch, created from the host's repository
// without touching the host's working tree, index or current branch.
import { existsSync } from "node:fs";
import { mkdir, readFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import lockfile from "proper-lockfile";
import type { WorktreePlace } from "./commit.js";
import { parseGitdirPointer } from "./parse.js";
import { gitOrThrow } from "./raw.js";

/**
 * Adds the worktree on a new branch, or detached at the commit when branch is undefined (so the
 * host's refs are never touched); returns it with the git dir git made for it (read now, before any
 * worker could touch the pointer). Concurrent `git worktree add`s in one repository race inside git
 * (one reads another's half-made entry), so they take turns on `lockPath`.
 */
export async function addWorktree(
  root: string,
  path: string,
  branch: string | undefined,
  baseCommit: string,
  lockPath: string,
): Promise<WorktreePlace> {
  await mkdir(dirname(path), { recursive: true });
  await mkdir(dirname(lockPath), { recursive: true });
  const release = await lockfile.lock(dirname(lockPath), {
    lockfilePath: lockPath,
    realpath: false,
    stale: 30_000,
    retries: { retries: 600, minTimeout: 20, maxTimeout: 100 },
  });
  try {
    await gitOrThrow(root, ["worktree", "add", "--quiet", ...(branch ? ["-b", branch] : ["--detach"]), path, baseCommit]);
  } finally {
    await release();
  }
  const pointer = parseGitdirPointer(await readFile(resolve(path, ".git"), "utf8"));
  if (!pointer) throw new Error(`git worktree add left no gitdir pointer in ${path}/.git`);
  return { worktree: path, gitDir: resolve(path, pointer) };
}

export async function removeWorktree(root: string, path: string): Promise<void> {
  if (existsSync(path)) await gitOrThrow(root, ["worktree", "remove", "--force", "--force", path]);
  await gitOrThrow(root, ["worktree", "prune"]);
}
