// What apply must know about the host's checkout before it writes anything: whether HEAD is on a
// branch, whether an operation is half done, and which paths hold uncommitted work an apply would overwrite.
import { existsSync } from "node:fs";
import { lstat } from "node:fs/promises";
import { join } from "node:path";
import { parseStatusV2, type UncommittedWork } from "./parse.js";
import { gitList } from "./raw.js";
import { git } from "./repo.js";

export interface HostCheckout {
  gitDir: string;
  /** The checked-out branch, e.g. refs/heads/main; undefined when HEAD is detached. */
  branch: string | undefined;
  /** An operation left half done (a merge, a rebase…), as "<what> (finish it or run <abort>)". */
  unfinished: string | undefined;
}

// Each marker is in the checkout's own git dir, so a host working in a linked worktree is judged by its own state.
const unfinishedOperations: [marker: string, what: string, abort: string][] = [
  ["MERGE_HEAD", "a merge", "git merge --abort"],
  ["rebase-merge", "a rebase", "git rebase --abort"],
  ["rebase-apply", "a rebase or am", "git rebase --abort"],
  ["CHERRY_PICK_HEAD", "a cherry-pick", "git cherry-pick --abort"],
  ["REVERT_HEAD", "a revert", "git revert --abort"],
];

export async function readHostCheckout(root: string): Promise<HostCheckout> {
  const repo = git(root);
  const [gitDir, branch] = await Promise.all([
    repo.revparse(["--absolute-git-dir"]),
    repo.raw(["symbolic-ref", "--quiet", "HEAD"]), // empty when detached
  ]);
  const operation = unfinishedOperations.find(([marker]) => existsSync(join(gitDir, marker)));
  const unfinished = operation && `${operation[1]} (finish it or run ${operation[2]})`;
  return { gitDir, branch: branch || undefined, unfinished };
}

export async function uncommittedWork(root: string): Promise<UncommittedWork> {
  // Untracked files are left out (costly in big trees); the paths an apply adds are checked on disk instead.
  return parseStatusV2(await gitList(root, ["status", "--porcelain=v2", "-z", "--untracked-files=no", "--no-renames"]));
}

/**
 * Paths an apply would add that something on disk already occupies: an untracked file (ignored
 * ones included: git's checkout overwrites ignored files without asking) at the path itself, or a
 * file or symlink where the path needs a directory. Paths the apply deletes do not count.
 */
export async function occupiedPaths(root: string, added: string[], deleted: Set<string>): Promise<string[]> {
  const occupied: string[] = [];
  for (const path of added) {
    const parts = path.split("/");
    for (let depth = 1; depth <= parts.length; depth++) {
      const prefix = parts.slice(0, depth).join("/");
      const stat = await lstat(join(root, prefix)).catch(() => undefined);
      if (!stat || deleted.has(prefix)) break;
      if (depth < parts.length && stat.isDirectory()) continue;
      occupied.push(prefix);
      break;
    }
  }
  return [...new Set(occupied)];
}
