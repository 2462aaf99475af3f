// Bringing a job's change into the host's checkout (one commit, a merge commit, or uncommitted
// files), or throwing the job's branch away. Every refusal comes before anything is written and
// says in one line why and what to do.
import { UserError } from "../errors.js";
import { identityEnv, messageArgs, userIdentity, type CommitMessage } from "./commit.js";
import { occupiedPaths, readHostCheckout, uncommittedWork } from "./host.js";
import { moveHost, writeWorkingTree } from "./host-update.js";
import { jobCommits, mergeChange, mergeCommits, short } from "./merge.js";
import { parseNameStatus, parseWorktreeList } from "./parse.js";
import { gitList, resolveAll } from "./raw.js";
import { gitOrThrow } from "./repo.js";
import { removeWorktree } from "./worktree.js";

export type ApplyMode = "commit" | "merge" | "working-tree";

export interface ApplyRequest {
  hostRoot: string;
  branch: string;
  baseCommit: string;
  mode: ApplyMode;
  /** The new commit's message in the commit and merge modes. */
  message: CommitMessage;
}

export interface ApplyResult {
  mode: ApplyMode;
  /** The host's HEAD afterwards, short: the new commit, except in working-tree mode. */
  host_head: string;
  host_head_full: string;
  /** The new commit, short; absent in working-tree mode. */
  commit?: string;
  /** Every path written in the host's checkout (a rename as both its paths). */
  files: string[];
}

/** What applying changes in the host's checkout: paths from HEAD's tree to the applied tree. */
interface TreeChange {
  files: string[];
  added: string[];
  deleted: Set<string>;
}

export async function applyJob(req: ApplyRequest): Promise<ApplyResult> {
  const { hostRoot: root, branch, mode } = req;
  const [host, job] = await Promise.all([readHostCheckout(root), jobCommits(root, branch, req.baseCommit)]);
  const { hostHead, branchHead, base } = job;
  if (host.unfinished) throw new UserError("host_dirty", `the host's checkout is in the middle of ${host.unfinished}, then apply again`);
  if (!hostHead) throw new UserError("invalid_state", "the host's branch has no commits yet; commit something, then apply again");
  if (!host.branch && mode !== "working-tree") {
    throw new UserError("invalid_state", `the host's checkout has a detached HEAD; check out a branch, or apply with mode "working-tree"`);
  }
  if (job.empty)
    throw new UserError(
      "invalid_state",
      `job branch "${branch}" has no changes against its base ${short(base)}; nothing to apply, discard the job instead`,
      { branch, base },
    );
  // A merge commit records the branch's whole history as merged, so it needs the true merge; the other modes bring the job's change alone.
  const merged = mode === "merge" ? await mergeCommits(root, hostHead, branchHead) : await mergeChange(root, hostHead, base, branchHead);
  if (merged.conflicts.length > 0) {
    const data = { host_head: hostHead, branch, paths: merged.conflicts };
    throw new UserError(
      "conflict",
      `the job's change conflicts with the host's HEAD ${short(hostHead)} in ${listed(merged.conflicts)}; run the job again from the current HEAD, or merge ${branch} by hand`,
      data,
    );
  }
  // The same test as merge status "empty": the merged tree is the host's own.
  if (merged.tree === job.hostTree)
    throw new UserError("invalid_state", `the job's change is already in the host's HEAD ${short(hostHead)}; nothing to apply`, {
      host_head: hostHead,
    });
  const change = await treeChange(root, hostHead, merged.tree);
  await refuseToOverwrite(root, change);

  if (mode === "working-tree") {
    await writeWorkingTree(root, host.gitDir, hostHead, merged.tree);
    return { mode, host_head: short(hostHead), host_head_full: hostHead, files: change.files };
  }
  const parents = mode === "merge" ? [hostHead, branchHead] : [hostHead];
  const commit = await commitTree(root, merged.tree, parents, req.message);
  await moveHost(root, hostHead, commit, `code-worker: apply ${branch} (${mode})`);
  return { mode, host_head: short(commit), host_head_full: commit, commit: short(commit), files: change.files };
}

/** Removes the job's worktree (if present) and deletes its branch; idempotent. */
export async function discardJob(hostRoot: string, worktree: string, branch: string): Promise<void> {
  await removeWorktree(hostRoot, worktree);
  const ref = `refs/heads/${branch}`;
  const holder = await checkoutHolding(hostRoot, ref);
  if (holder)
    throw new UserError(
      "invalid_state",
      `branch "${branch}" is checked out in "${holder}"; switch that checkout to another branch, then discard again`,
      { branch, checkout: holder },
    );
  const [branchHead] = await resolveAll(hostRoot, [ref]);
  if (branchHead) await gitOrThrow(hostRoot, ["branch", "--quiet", "-D", branch]);
}

async function treeChange(root: string, from: string, to: string): Promise<TreeChange> {
  // Renames come as a deletion and an addition: both paths are written, and both must be free.
  const entries = await gitList(root, ["diff-tree", "-r", "-z", "--no-renames", "--name-status", from, to]);
  const change: TreeChange = { files: [], added: [], deleted: new Set() };
  for (const { status, path } of parseNameStatus(entries)) {
    change.files.push(path);
    if (status === "A") change.added.push(path);
    if (status === "D") change.deleted.add(path);
  }
  return change;
}

async function refuseToOverwrite(root: string, change: TreeChange): Promise<void> {
  const work = await uncommittedWork(root);
  if (work.unmerged.length > 0) {
    throw new UserError(
      "host_dirty",
      `the host has unresolved conflicts in ${listed(work.unmerged)}; resolve or reset them, then apply again`,
      { paths: work.unmerged },
    );
  }
  const dirty = change.files.filter((path) => work.changed.has(path));
  if (dirty.length > 0) {
    throw new UserError(
      "host_dirty",
      `the host has uncommitted changes in ${listed(dirty)}, which the job also changes; commit or stash them, then apply again`,
      { paths: dirty },
    );
  }
  const occupied = await occupiedPaths(root, change.added, change.deleted);
  if (occupied.length > 0) {
    throw new UserError(
      "host_dirty",
      `untracked files in the host are in the way of the job's new files: ${listed(occupied)}; move them away, then apply again`,
      { paths: occupied },
    );
  }
}

async function commitTree(root: string, tree: string, parents: string[], message: CommitMessage): Promise<string> {
  // The host's own identity when it has one: the commit lands in the host's history.
  const args = ["commit-tree", "--no-gpg-sign", ...parents.flatMap((p) => ["-p", p]), ...messageArgs(message), tree];
  const user = await userIdentity(root);
  return gitOrThrow(root, args, identityEnv(user, user));
}

/** The checkout that has `ref` checked out, if any. */
async function checkoutHolding(root: string, ref: string): Promise<string | undefined> {
  const checkouts = parseWorktreeList(await gitList(root, ["worktree", "list", "--porcelain", "-z"]));
  return checkouts.find((checkout) => checkout.branch === ref)?.path;
}

function listed(paths: string[]): string {
  const shown = paths.slice(0, 5).join(", ");
  return paths.length > 5 ? `${shown} and ${paths.length - 5} more` : shown;
}
