// A job's private runtime: its directories under CODE_WORKER_HOME/run/<id>, made fresh and for this
// job alone, the uid its processes run as when the runner is root, and the OS confinement every one
// of them gets. Nothing of another job, present or future, is inside it: the confinement is built
// from nothing up, so what it does not name is not there.
import { lchown, lstat, mkdir, readdir, rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import { UserError } from "../errors.js";
import { jobUid, type Confinement } from "../os/confine.js";
import { runFile } from "../os/run-file.js";
import type { EffectivePolicy } from "../policy/layering.js";
import type { JobRecord } from "../store/record.js";
import { redactFiles, type SecretScanner } from "../secret/redact.js";
import type { HomeLayout } from "../store/home.js";
import { JobStore } from "../store/store.js";

export interface Runtime {
  dir: string;
  worker: { home: string; config: string; tmp: string };
  commands: { home: string; tmp: string };
  /** The relay's unix socket: in a directory only the runner can enter. */
  relaySocket: string;
  /** The unprivileged uid (and gid) the job's processes run as when the runner is root. */
  uid?: number;
}

function runtimeAt(dir: string, asRoot: boolean): Runtime {
  return {
    dir,
    worker: { home: join(dir, "worker", "home"), config: join(dir, "worker", "config"), tmp: join(dir, "worker", "tmp") },
    commands: { home: join(dir, "commands", "home"), tmp: join(dir, "commands", "tmp") },
    relaySocket: join(dir, "relay", "relay.sock"),
    ...(asRoot ? { uid: jobUid() } : {}),
  };
}

/** Creates the job's runtime dirs; fails if any exists, so nothing left by another process is reused. */
export async function createRuntime(home: HomeLayout, id: string, asRoot = process.getuid?.() === 0): Promise<Runtime> {
  await mkdir(home.runsDir, { recursive: true, mode: 0o700 });
  const dir = home.runDir(id);
  await mkdir(dir, { mode: 0o700 });
  const runtime = runtimeAt(dir, asRoot);
  for (const path of [
    dirname(runtime.worker.home),
    ...Object.values(runtime.worker),
    dirname(runtime.commands.home),
    ...Object.values(runtime.commands),
    dirname(runtime.relaySocket),
  ]) {
    await mkdir(path, { mode: 0o700 });
  }
  if (runtime.uid !== undefined) {
    for (const path of [...Object.values(runtime.worker), ...Object.values(runtime.commands)]) await lchown(path, runtime.uid, runtime.uid);
  }
  return runtime;
}

/**
 * The runtime an earlier round of this job made, for a later round: the same dirs (the worker's
 * session lives in its config dir), each checked to be a real directory, lent to a fresh uid.
 */
export async function reopenRuntime(home: HomeLayout, id: string, asRoot = process.getuid?.() === 0): Promise<Runtime> {
  const runtime = runtimeAt(home.runDir(id), asRoot);
  for (const path of [runtime.dir, ...Object.values(runtime.worker), ...Object.values(runtime.commands), dirname(runtime.relaySocket)]) {
    const found = await lstat(path).catch(() => undefined);
    if (!found?.isDirectory())
      throw new UserError("not_found", `job ${id}'s runtime dir ${path} is gone; the job cannot go on, start a new one`, {
        job_id: id,
        path,
      });
  }
  if (runtime.uid !== undefined)
    for (const path of [...Object.values(runtime.worker), ...Object.values(runtime.commands)])
      await chownTree(path, runtime.uid, runtime.uid);
  return runtime;
}

/**
 * What every process of the job sees besides what it writes: the repository's git dir read-only
 * (objects for git in the worktree) without code-worker's store or other jobs' worktree records,
 * the worktree's .git pointer read-only, the worker binary's directory; CODE_WORKER_HOME and the
 * key file hidden wherever they would otherwise show.
 */
export function jobConfinement(
  job: Readonly<Pick<JobRecord, "id" | "repo" | "worktree"> & { settings: Pick<JobRecord["settings"], "home"> }>,
  runtime: Runtime,
  extraReadable: string[],
  keyFile: string | undefined,
): Omit<Confinement, "cwd" | "network" | "writable" | "tmp"> {
  const worktrees = join(job.repo.common_dir, "worktrees");
  return {
    readable: [job.repo.common_dir, join(worktrees, job.id), join(job.worktree, ".git"), ...extraReadable],
    hidden: [JobStore.forCommonDir(job.repo.common_dir).root, worktrees, job.settings.home],
    masked: keyFile ? [keyFile] : [],
    ...(runtime.uid !== undefined ? { uid: runtime.uid } : {}),
  };
}

/** The host's directories the policy links into the worktree: the job sees them read-only, through their links. */
export function linkedDirs(job: Readonly<Pick<JobRecord, "repo">>, policy: EffectivePolicy): string[] {
  return policy.worktree.link.map((path) => join(job.repo.root, path));
}

/** Where the job's setup and check commands run: its confinement, with the worktree and their own home writable. */
export function commandConfinement(
  confinement: Omit<Confinement, "cwd" | "network" | "writable" | "tmp">,
  job: Readonly<Pick<JobRecord, "worktree">>,
  runtime: Runtime,
): Omit<Confinement, "cwd" | "network"> {
  return { ...confinement, writable: [job.worktree, runtime.commands.home], tmp: runtime.commands.tmp };
}

/** Gives a tree to the job's uid (root runners only), or takes it back; links are changed, never followed. */
export async function chownTree(path: string, uid: number, gid: number): Promise<void> {
  if (!(await lstat(path).catch(() => undefined))) return;
  // -R walks without following links (-P) and -h changes each link itself, never what it points to;
  // one process instead of a syscall round trip per file (10,000 files: 50 ms, not 600).
  const run = await runFile("chown", ["-R", "-P", "-h", `${uid}:${gid}`, "--", path], {
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin" },
  });
  if (run.exitCode !== 0) throw new Error(`chown of ${path} failed: ${run.stderr.trim().split("\n")[0] || run.failure}`);
}

/**
 * What the job's processes left in their private dirs: temp files go, and whatever stays (the
 * session, caches a later round may want) is redacted like every other output.
 */
export async function tidyRuntime(runtime: Runtime, scanner: SecretScanner): Promise<void> {
  for (const tmp of [runtime.worker.tmp, runtime.commands.tmp]) {
    for (const entry of await readdir(tmp).catch(() => [] as string[])) await rm(join(tmp, entry), { recursive: true, force: true });
  }
  await redactFiles(runtime.dir, scanner).catch(() => undefined);
}
