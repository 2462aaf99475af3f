// Step 2: the worktree on its branch and the job's private runtime dirs (made while the policy is
// read), then the setup the policy asks for: everything the worker needs before it starts. A later
// round (a follow-up the host sent) finds all three where its first round left them.
import { realpathSync } from "node:fs";
import { lstat } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { CommandPlace } from "../../checks/run-command.js";
import type { Config } from "../../config.js";
import { UserError } from "../../errors.js";
import { refreshIndex, userIdentity, type Identity, type WorktreePlace } from "../../git/commit.js";
import { addWorktree } from "../../git/worktree.js";
import type { Confinement } from "../../os/confine.js";
import type { EffectivePolicy } from "../../policy/layering.js";
import type { Redact, SecretScanner } from "../../secret/redact.js";
import { HomeLayout } from "../../store/home.js";
import { now, type JobRecord } from "../../store/record.js";
import type { JobStore } from "../../store/store.js";
import {
  chownTree,
  commandConfinement,
  createRuntime,
  jobConfinement,
  linkedDirs,
  reopenRuntime,
  tidyRuntime,
  type Runtime,
} from "../runtime.js";
import { prepareWorktree } from "../worktree-prep.js";

/** What preparing a job settles for the steps after it. */
export interface Prepared extends Workspace {
  bin: string;
  /** What every process of the job sees; undefined with the sandbox off. */
  confinement?: Omit<Confinement, "cwd" | "network" | "writable" | "tmp">;
  /** Where setup and check commands run. */
  commands: Omit<CommandPlace, "network" | "logDir">;
  /** What setup copied or linked into the worktree: never committed. */
  placed: string[];
  /** Called by the commit: waits for the index refreshes begun while the worker works, or calls off one not yet begun. */
  indexRefreshed: () => Promise<void>;
}

/** Where a job works and who commits its work: nothing of it waits for the policy, which is read meanwhile. */
export interface Workspace {
  runtime: Runtime;
  place: WorktreePlace;
  /** Who commits on the job branch: the person's own identity, read before any worker ran. */
  committer: Identity;
  /** Takes a lent worktree back for the person, once: after the last verdict, or however the job ends. */
  giveBack: () => Promise<void>;
}

export interface WorkspaceInput {
  store: JobStore;
  job: Readonly<JobRecord>;
  scanner: SecretScanner;
  /** Registers what must be undone however the job ends; runs in the runner's `finally`. */
  defer: (cleanup: () => Promise<void>) => void;
  time: <T>(phase: "worktree", part: () => Promise<T>) => Promise<T>;
}

/** The worktree on its branch (a later round finds it), the job's runtime dirs and the committer. */
export async function makeWorkspace(input: WorkspaceInput): Promise<Workspace> {
  const { store, job, time } = input;
  const later = isLaterRound(job);
  const home = new HomeLayout(job.settings.home);
  // Three independent reads and writes, side by side, the longest begun first; whatever of them was
  // made is undone however the job ends.
  const [worktree, made, identity] = await Promise.allSettled([
    later
      ? existingWorktree(job)
      : time("worktree", () =>
          addWorktree(job.repo.root, job.worktree, job.branch, job.base.commit, join(store.root, "worktree-add.lock")),
        ),
    later ? reopenRuntime(home, job.id) : createRuntime(home, job.id),
    userIdentity(job.repo.root),
  ]);
  const madeRuntime = made.status === "fulfilled" ? made.value : undefined;
  // A root runner lends the worktree to the job's uid: the person gets it back however the job ends.
  const giveBack = onlyOnce(async () => {
    if (madeRuntime?.uid !== undefined) await chownTree(job.worktree, process.getuid!(), process.getgid!());
  });
  if (madeRuntime) {
    input.defer(() => tidyRuntime(madeRuntime, input.scanner));
    input.defer(giveBack);
  }
  return { committer: valueOf(identity), runtime: valueOf(made), place: valueOf(worktree), giveBack };
}

export interface PrepareInput {
  store: JobStore;
  job: Readonly<JobRecord>;
  workspace: Workspace;
  policy: EffectivePolicy;
  worktreeInclude?: string;
  bin: string;
  keySource: Config["keySource"];
  redact: Redact;
  signal: AbortSignal;
  time: <T>(phase: "setup", part: () => Promise<T>) => Promise<T>;
}

/** The confinement and the setup the policy asks for, in the job's worktree, which is then lent to the job. */
export async function prepare(input: PrepareInput): Promise<Prepared> {
  const { store, job, policy, bin, time } = input;
  const { runtime } = input.workspace;
  const later = isLaterRound(job);
  const keyFile = input.keySource.kind === "file" ? input.keySource.path : undefined;
  const confinement = job.settings.sandbox
    ? jobConfinement(job, runtime, [...binaryDirs(bin), ...linkedDirs(job, policy)], keyFile)
    : undefined;
  const commands: Prepared["commands"] = {
    worktree: job.worktree,
    home: runtime.commands.home,
    confinement: confinement && commandConfinement(confinement, job, runtime),
    redact: input.redact,
    signal: input.signal,
  };
  const handOver = async () => {
    if (runtime.uid !== undefined) await chownTree(job.worktree, runtime.uid, runtime.uid);
  };
  // What the worker needs, once the worktree is the job's: the index refresh starts then.
  const ready = (placed: string[]): Prepared => ({
    ...input.workspace,
    bin,
    confinement,
    commands,
    placed,
    indexRefreshed: refreshInBackground(input.workspace.place),
  });
  if (later) {
    await handOver();
    return ready(job.placed ?? []);
  }
  const setupPlace = { ...commands, logDir: join(store.dir(job.id), "setup") };
  const prep = await time("setup", () =>
    prepareWorktree({ job, policy, worktreeInclude: input.worktreeInclude, place: setupPlace, handOver }),
  );
  console.error(
    `${now()} worktree ready: ${prep.copied.length} ignored paths copied, ${prep.linked.length} linked, ${prep.setup} setup steps run`,
  ); // to runner.log
  return ready([...prep.copied, ...prep.linked]);
}

/**
 * A lent worktree's files all have a new owner and ctime, so the index must learn them again, and
 * git (at its one-second resolution) counts a file no older than the index "racily clean" and
 * rehashes it on every command. So the index is refreshed at the handover, while the worker
 * thinks, and again in the second after that refresh was written, which leaves no file racy. A
 * commit that comes first waits for the first and calls off the second, paying for the files the
 * first left racy.
 */
function refreshInBackground(place: WorktreePlace): () => Promise<void> {
  let calledOff = false;
  let timer: NodeJS.Timeout | undefined;
  let second: Promise<void> | undefined;
  const first = refreshIndex(place)
    .catch(() => undefined)
    .then(() => {
      if (calledOff) return;
      timer = setTimeout(() => (second = refreshIndex(place).catch(() => undefined)), 1000 - (Date.now() % 1000) + secondMarginMs);
      timer.unref();
    });
  return async () => {
    calledOff = true;
    clearTimeout(timer);
    await first;
    await second;
  };
}

/** Past the second boundary by this much, so the index is written in a later second than any file. */
const secondMarginMs = 10;

/** The worktree a first round made: still there, with the git dir git gave it then. */
async function existingWorktree(job: Readonly<JobRecord>): Promise<WorktreePlace> {
  const found = await lstat(job.worktree).catch(() => undefined);
  if (!found?.isDirectory() || !job.worktree_git_dir)
    throw new UserError("not_found", `job ${job.id}'s worktree ${job.worktree} is gone; the job cannot go on, start a new one`, {
      job_id: job.id,
      path: job.worktree,
    });
  return { worktree: job.worktree, gitDir: job.worktree_git_dir };
}

/** A job that has run a round already finds its worktree and runtime dirs where that round left them. */
function isLaterRound(job: Readonly<JobRecord>): boolean {
  return (job.rounds?.length ?? 0) > 0;
}

/** The first call's promise, for every call. */
function onlyOnce(step: () => Promise<void>): () => Promise<void> {
  let started: Promise<void> | undefined;
  return () => (started ??= step());
}

/** A settled step's value; the first failure is the step's. */
function valueOf<T>(step: PromiseSettledResult<T>): T {
  if (step.status === "rejected") throw step.reason;
  return step.value;
}

/** The worker binary's directory, and its real one when it is reached through a link. */
function binaryDirs(bin: string): string[] {
  return [...new Set([dirname(bin), dirname(realpathSync(bin))])];
}
