// Facts about the host's repository, read without touching its working tree, index or branch.
import { existsSync, statSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import { simpleGit, type SimpleGit } from "simple-git";
import { UserError } from "../errors.js";
import { firstLine, gitRun } from "./raw.js";
import { gitEnv, gitSafetyArgs } from "./safe.js";

export interface HostRepo {
  /** Top of the host checkout (the directory the host works in). */
  root: string;
  /** The common git dir shared by all worktrees (holds the job store). */
  commonDir: string;
}

export function git(dir: string): SimpleGit {
  const config = gitSafetyArgs(dir).filter((arg) => arg !== "-c");
  // simple-git refuses these keys whatever their value; ours only ever turn the feature off.
  const unsafe = {
    allowUnsafeHooksPath: true,
    allowUnsafeFsMonitor: true,
    allowUnsafeDiffExternal: true,
    allowUnsafeFilter: true,
    allowUnsafeDiffTextConv: true,
    allowUnsafeProtocolOverride: true,
    allowUnsafeConfigPaths: true,
  };
  const env = gitEnv();
  return simpleGit({ baseDir: dir, trimmed: true, config, unsafe, allowEnvironment: Object.keys(env) }).env(env);
}

// Lives with the raw runs, so what needs only it does not load simple-git.
export { gitOrThrow } from "./raw.js";

export async function resolveRepo(cwd: string): Promise<HostRepo> {
  if (!isAbsolute(cwd)) throw new UserError("invalid_input", `cwd must be an absolute path, got "${cwd}"`, { cwd });
  if (!existsSync(cwd) || !statSync(cwd).isDirectory()) throw new UserError("not_found", `cwd "${cwd}" is not a directory`, { cwd });
  // Plain git, not simple-git: every list and start asks, and the answer is needed at once.
  // Absolute: a relative answer is relative to the physical directory, not a linked cwd.
  const run = await gitRun(cwd, ["rev-parse", "--path-format=absolute", "--show-toplevel", "--git-common-dir"]);
  const [root, commonDir] = run.stdout.replace(/\n$/, "").split("\n") as [string, string | undefined];
  if (run.exitCode !== 0 || commonDir === undefined) {
    throw new UserError("invalid_input", `"${cwd}" is not inside a git repository (run git init there, or pass the repository's path)`, {
      cwd,
    });
  }
  if (!root) throw new UserError("invalid_input", `"${cwd}" is a bare repository; pass the path of a checkout`, { cwd });
  return { root, commonDir: resolve(cwd, commonDir) };
}

/** The commit a ref names, or a UserError that says what to pass instead. */
export async function resolveCommit(root: string, ref: string): Promise<string> {
  // With --quiet git says nothing on a miss.
  const run = await gitRun(root, ["rev-parse", "--verify", "--quiet", `${ref}^{commit}`]);
  const commit = run.exitCode === 0 ? run.stdout.trim() : "";
  if (commit) return commit;
  if (ref === "HEAD") throw new UserError("invalid_state", `the repository at "${root}" has no commits yet; commit something first`);
  throw new UserError("not_found", `base "${ref}" is not a commit in "${root}"`, { base: ref });
}

/**
 * Whether every commit a base holds is reachable from the checkout's HEAD, a tag, a remote branch
 * or a branch other than those `excludedBranches` matches (the job branches): a commit only a worker made would make its policy the judge of the next job.
 */
export async function reachableFromOwnRefs(root: string, commit: string, excludedBranches: string): Promise<boolean> {
  // Not --all: it counts every worktree's HEAD, and a job's worktree has its job branch checked out.
  const run = await gitRun(root, [
    "rev-list",
    "-n",
    "1",
    commit,
    "--not",
    `--exclude=${excludedBranches}`,
    "--branches",
    "--tags",
    "--remotes",
    "HEAD",
  ]);
  if (run.exitCode !== 0) throw new Error(`git rev-list failed: ${firstLine(run.stderr)}`);
  return run.stdout.trim() === "";
}
