// A fresh worktree has none of the host checkout's ignored files (.env.local, node_modules), so
// checks would fail for the wrong reason. Before the worker starts: copy the ignored files that
// .worktreeinclude or the policy's worktree.copy name, link the directories worktree.link names,
// then run worktree.setup's commands. All of it comes from the base commit, never the worker.
import { cp, lstat, mkdir, symlink } from "node:fs/promises";
import { dirname, join } from "node:path";
import { UserError } from "../errors.js";
import { gitList, gitRun } from "../git/raw.js";
import type { EffectivePolicy } from "../policy/layering.js";
import { pathMatcher } from "../policy/paths.js";
import { runPolicyCommand, type CommandOutcome, type CommandPlace } from "../checks/run-command.js";
import type { JobRecord } from "../store/record.js";

export interface PrepContext {
  job: Readonly<Pick<JobRecord, "repo" | "worktree">>;
  policy: EffectivePolicy;
  /** .worktreeinclude at the base commit, if the repository has one. */
  worktreeInclude?: string;
  /** Where setup steps run; they may use the network. */
  place: Omit<CommandPlace, "network">;
  /** Called once the worktree holds its copies and links, before any setup step runs in it. */
  handOver(): Promise<void>;
  /** Told each setup step's outcome as it ends, the failing one included (`policy test` prints them). */
  onStep?(name: string, outcome: CommandOutcome): void;
}

export interface PrepSummary {
  /** Paths setup put in the worktree (copied and linked): never part of the job's change. */
  copied: string[];
  linked: string[];
  setup: number;
}

export async function prepareWorktree(ctx: PrepContext): Promise<PrepSummary> {
  const { job, policy } = ctx;
  const includeLines = (ctx.worktreeInclude ?? "")
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith("#"));
  const copied = await copyIgnored(job.repo.root, job.worktree, [...includeLines, ...policy.worktree.copy]);
  const linked = await linkIgnored(job.repo.root, job.worktree, policy.worktree.link);
  await ctx.handOver();
  const steps = Object.entries(policy.worktree.setup);
  for (const [name, step] of steps) {
    if (ctx.place.signal.aborted) break;
    const outcome = await runPolicyCommand(name, step, { ...ctx.place, network: true });
    if (ctx.place.signal.aborted) break;
    ctx.onStep?.(name, outcome);
    if (outcome.outcome !== "pass") {
      const how =
        outcome.outcome === "timeout"
          ? `ran past its ${step.timeout_s}s limit`
          : outcome.outcome === "error"
            ? "could not start"
            : `exited ${outcome.exit_code}`;
      throw new UserError("prerequisite", `worktree setup "${name}" (${display(step.run)}) ${how}: ${outcome.tail}`, { step: name });
    }
  }
  return { copied, linked, setup: steps.length };
}

/** Copies the host's ignored files and directories that the patterns select; returns their paths. */
async function copyIgnored(root: string, worktree: string, patterns: string[]): Promise<string[]> {
  if (!patterns.length) return [];
  const wanted = pathMatcher(patterns);
  // --directory lists an ignored directory once instead of every file in it (node_modules).
  const ignored = await gitList(root, ["ls-files", "-z", "--others", "--ignored", "--exclude-standard", "--directory"]);
  const copied: string[] = [];
  for (const entry of ignored) {
    const path = entry.replace(/\/$/, "");
    if (!wanted(entry) && !wanted(path)) continue;
    await assertNoLinkOnTheWay(worktree, path, "worktree.copy");
    await mkdir(dirname(join(worktree, path)), { recursive: true });
    await cp(join(root, path), join(worktree, path), { recursive: true, verbatimSymlinks: true, errorOnExist: false, force: false });
    copied.push(path);
  }
  return copied;
}

/** Links ignored directories of the host into the worktree (a dependency cache, say); shared, not copied. */
async function linkIgnored(root: string, worktree: string, paths: string[]): Promise<string[]> {
  for (const path of paths) {
    const ignored = await gitRun(root, ["check-ignore", "-q", "--no-index", path]);
    if (ignored.exitCode !== 0)
      throw new UserError(
        "configuration",
        `worktree.link "${path}" is not ignored by git in the repository; only ignored paths can be linked, or the link would be committed`,
        { path },
      );
    if (!(await lstat(join(root, path)).catch(() => undefined)))
      throw new UserError("configuration", `worktree.link "${path}" does not exist in ${root}`, { path });
    await assertNoLinkOnTheWay(worktree, path, "worktree.link");
    await mkdir(dirname(join(worktree, path)), { recursive: true });
    await symlink(join(root, path), join(worktree, path));
  }
  return paths;
}

/**
 * Refuses a destination reached through a symlink of the checked-out tree: the runner would copy
 * or link to wherever it points, outside the worktree.
 */
async function assertNoLinkOnTheWay(worktree: string, path: string, key: string): Promise<void> {
  const names = path.replace(/\/$/, "").split("/");
  for (let i = 1; i <= names.length; i++) {
    const on = names.slice(0, i).join("/");
    if ((await lstat(join(worktree, on)).catch(() => undefined))?.isSymbolicLink()) {
      throw new UserError(
        "configuration",
        `${key} "${path}" goes through the symlink "${on}" of the repository; setup writes only to paths without links`,
        { path },
      );
    }
  }
}

export function display(run: string | string[]): string {
  return typeof run === "string" ? run : run.join(" ");
}
