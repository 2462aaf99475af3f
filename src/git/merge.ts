// Whether a job's change would merge into the host's current HEAD, computed with
// `git merge-tree --write-tree`: it writes objects only, never a checkout, index or working tree,
// so it is cheap to recompute whenever the host's HEAD or the job's branch moves.
import { UserError } from "../errors.js";
import { parseMergeTree, type MergeResult } from "./parse.js";
import { commitTreeFromFile, reachesFromFiles } from "./loose-objects.js";
import { firstLine, gitRun, gitOrThrow, resolveAll } from "./raw.js";

export interface MergeStatus {
  status: "clean" | "conflicts" | "empty";
  /** Up to five conflicted paths, and how many there are in all. */
  conflicts?: { paths: string[]; count: number };
  /** The job's base commit, short. */
  base: string;
  /** The host's HEAD commit, short; empty while the host's branch has no commits. */
  host_head: string;
  host_head_full: string;
}

/** What a merge status depends on: cache one under these and recompute when either moves. */
export interface MergeInputs {
  /** The host's HEAD commit; undefined while the host's branch has no commits. */
  hostHead: string | undefined;
  branchHead: string;
}

/** The commits a status or an apply starts from. */
export interface JobCommits extends MergeInputs {
  base: string;
  /** The host's HEAD tree; undefined while the host's branch has no commits. */
  hostTree: string | undefined;
  /** The branch's tree is its base's: the job changed nothing. */
  empty: boolean;
}

const shownConflicts = 5;

export async function mergeInputs(hostRoot: string, branch: string): Promise<MergeInputs> {
  const [hostHead, branchHead] = await resolveAll(hostRoot, ["HEAD^{commit}", `refs/heads/${branch}^{commit}`]);
  if (!branchHead) throw missingBranch(branch);
  return { hostHead, branchHead };
}

export async function jobCommits(hostRoot: string, branch: string, baseCommit: string): Promise<JobCommits> {
  const ref = `refs/heads/${branch}`;
  const [hostHead, branchHead, base, baseTree, branchTree, hostTree] = await resolveAll(hostRoot, [
    "HEAD^{commit}",
    `${ref}^{commit}`,
    `${baseCommit}^{commit}`,
    `${baseCommit}^{tree}`,
    `${ref}^{tree}`,
    "HEAD^{tree}",
  ]);
  if (!branchHead) throw missingBranch(branch);
  if (!base) throw new UserError("not_found", `base "${baseCommit}" is not a commit in "${hostRoot}"`, { base: baseCommit });
  return { hostHead, branchHead, base, hostTree, empty: baseTree === branchTree };
}

/**
 * "empty" when applying would change nothing (the branch has no changes against its base, or the
 * host's HEAD already has them: apply refuses both), else whether it merges cleanly. With the heads
 * already known (read from the ref files), the trees are read beside the throwaway commit's making.
 */
export async function mergeStatus(
  hostRoot: string,
  branch: string,
  baseCommit: string,
  known?: MergeInputs & { commonDir: string },
): Promise<MergeStatus> {
  const { hostHead, branchHead } = known ?? (await mergeInputs(hostRoot, branch));
  const [[base, baseTree, branchTree, hostTree], onto] = await Promise.all([
    trees(hostRoot, known?.commonDir, baseCommit, branchHead, hostHead),
    mergeOnto(hostRoot, known?.commonDir, hostHead, baseCommit).catch((error: unknown) => error as Error),
  ]);
  if (!base) throw new UserError("not_found", `base "${baseCommit}" is not a commit in "${hostRoot}"`, { base: baseCommit });
  if (onto instanceof Error) throw onto;
  const heads = { base: short(base), host_head: short(hostHead ?? ""), host_head_full: hostHead ?? "" };
  if (baseTree === branchTree) return { status: "empty", ...heads };
  const { tree, conflicts } = await mergeCommits(hostRoot, onto, branchHead);
  if (conflicts.length === 0) return { status: hostHead && tree === hostTree ? "empty" : "clean", ...heads };
  return { status: "conflicts", conflicts: { paths: conflicts.slice(0, shownConflicts), count: conflicts.length }, ...heads };
}

/** The base commit and the trees of the base, the branch and the host's HEAD: from the loose objects when they settle it, else from git. */
async function trees(
  root: string,
  commonDir: string | undefined,
  baseCommit: string,
  branchHead: string,
  hostHead: string | undefined,
): Promise<(string | undefined)[]> {
  const commits = [baseCommit, branchHead, hostHead ?? baseCommit];
  const fromFiles = commonDir ? await Promise.all(commits.map((commit) => commitTreeFromFile(commonDir, commit))) : [];
  if (fromFiles.length && fromFiles.every(Boolean)) return [baseCommit, ...fromFiles];
  return resolveAll(root, [`${baseCommit}^{commit}`, ...commits.map((commit) => `${commit}^{tree}`)]);
}

/**
 * The job's change (base..branchHead) merged onto the host's tree, as a cherry-pick would merge
 * it. git 2.39's merge-tree has no --merge-base, and the merge base it finds by itself is the job's
 * base only while the host's HEAD descends from it. Recording the host's tree as a throwaway
 * commit whose one parent is the base makes the base the merge base whatever the host's history,
 * so a host on another branch gets the job's change and nothing else.
 */
export async function mergeChange(root: string, hostHead: string | undefined, base: string, branchHead: string): Promise<MergeResult> {
  return mergeCommits(root, await ontoBase(root, hostHead, base), branchHead);
}

/**
 * What the branch merges onto: the host's HEAD itself when its history holds the base (then the base
 * is the merge base git finds by itself; read from the loose objects, no process), else the throwaway commit.
 */
async function mergeOnto(root: string, commonDir: string | undefined, hostHead: string | undefined, base: string): Promise<string> {
  if (commonDir && hostHead && (await reachesFromFiles(commonDir, hostHead, base))) return hostHead;
  return ontoBase(root, hostHead, base);
}

/** The throwaway commit mergeChange merges onto: the host's tree, the job's base its one parent. */
async function ontoBase(root: string, hostHead: string | undefined, base: string): Promise<string> {
  const hostTree = hostHead ? `${hostHead}^{tree}` : await gitOrThrow(root, ["mktree"]); // an unborn branch: the empty tree
  return gitOrThrow(
    root,
    ["commit-tree", "--no-gpg-sign", "-p", base, "-m", "code-worker: host tree on job base", hostTree],
    throwawayIdentity,
  );
}

/** `git merge-tree --write-tree` of two commits: the merged tree (conflict markers and all) and the conflicted paths. */
export async function mergeCommits(root: string, ours: string, theirs: string): Promise<MergeResult> {
  const run = await gitRun(root, ["merge-tree", "--write-tree", "--name-only", "-z", "--no-messages", ours, theirs]);
  if (run.exitCode !== 0 && run.exitCode !== 1) throw new Error(`git merge-tree failed: ${firstLine(run.stderr)}`);
  return parseMergeTree(run.stdout);
}

function missingBranch(branch: string): UserError {
  return new UserError("not_found", `job branch "${branch}" no longer exists (was the job discarded?)`, { branch });
}

export function short(commit: string): string {
  return commit.slice(0, 7);
}

// A fixed identity and date make the throwaway commit the same object on every call, so
// recomputing a status adds nothing to the object store after the first time.
const throwawayIdentity = {
  GIT_AUTHOR_NAME: "code-worker",
  GIT_AUTHOR_EMAIL: "code-worker@localhost",
  GIT_AUTHOR_DATE: "1000000000 +0000",
  GIT_COMMITTER_NAME: "code-worker",
  GIT_COMMITTER_EMAIL: "code-worker@localhost",
  GIT_COMMITTER_DATE: "1000000000 +0000",
};
