// The baseline of every job timing: the same steps a person would type, with nothing of
// code-worker's around them. Raw `git worktree add`, the worker's own `claude` command line
// (under the same bubblewrap confinement when the sandbox is on, straight to the provider), then
// raw `git add -A`, `commit`, `diff --shortstat` and `merge-tree --write-tree`.
import { realpathSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { dirname, join } from "node:path";
import { execa } from "execa";
import { confinedArgv } from "../../src/os/confine.js";
import { claudeBinary } from "../../src/worker/claude-bin.js";
import { workerCommand } from "../../src/worker/command.js";
import { peakSampler } from "./proc.js";
import { firstArrivalAfter, key, type World } from "./world.js";

export interface HandRun {
  startAt: number;
  /** After `git worktree add`. */
  worktreeAt: number;
  firstRequestAt?: number;
  workerExitAt: number;
  endAt: number;
  /** The claude process tree's peak resident bytes, when asked for. */
  peakWorkerBytes?: number;
}

/** The trivial job's task, as the jobs get it. */
export const task = "Write NOTE.md saying trivial.";

let runs = 0;

export async function byHand(world: World, repo: string, options: { memory?: boolean } = {}): Promise<HandRun> {
  const n = runs++;
  const branch = `hand/${n}`;
  const worktree = join(world.workspace.path, "hand", String(n), "worktree");
  const own = join(world.workspace.path, "hand", String(n));
  const git = (args: string[], cwd = repo) => execa("git", args, { cwd, env: gitEnv(world) });
  const base = (await git(["rev-parse", "HEAD"])).stdout.trim();
  await mkdir(own, { recursive: true });

  const startAt = Date.now();
  await git(["worktree", "add", "-q", "-b", branch, worktree, base]);
  const worktreeAt = Date.now();
  const dirs = { home: join(own, "home"), config: join(own, "config"), tmp: join(own, "tmp") };
  for (const path of Object.values(dirs)) await mkdir(path, { recursive: true });
  const command = claudeCommand(world, repo, worktree, dirs);
  const running = execa(command.file, command.args, { cwd: worktree, env: command.env, extendEnv: false, input: task, reject: false });
  const sampler = options.memory ? peakSampler(running.pid!) : undefined;
  const claude = await running;
  const workerExitAt = Date.now();
  const peakWorkerBytes = await sampler?.stop();
  if (claude.exitCode !== 0) throw new Error(`the by-hand claude run exited ${claude.exitCode}: ${String(claude.stderr || claude.stdout).slice(-300)}`);
  await git(["add", "-A"], worktree);
  await git(["commit", "-q", "-m", "by hand"], worktree);
  await git(["diff", "--shortstat", `${base}..HEAD`], worktree);
  await execa("git", ["merge-tree", "--write-tree", "HEAD", branch], { cwd: repo, env: gitEnv(world), reject: false });
  const endAt = Date.now();
  return { startAt, worktreeAt, firstRequestAt: firstArrivalAfter(world, worktreeAt), workerExitAt, endAt, ...(sampler ? { peakWorkerBytes } : {}) };
}

/** No system or global git config, as the runner's git has none. */
function gitEnv(world: World): Record<string, string> {
  return { PATH: world.env.PATH!, HOME: world.workspace.path, GIT_CONFIG_NOSYSTEM: "1" };
}

/** The worker's command line, talking to the provider directly; confined when the sandbox is on. */
function claudeCommand(world: World, repo: string, worktree: string, dirs: { home: string; config: string; tmp: string }): { file: string; args: string[]; env: Record<string, string> } {
  const bin = claudeBinary();
  const plain = workerCommand({
    bin,
    model: "trivial",
    cwd: worktree,
    home: dirs.home,
    configDir: dirs.config,
    tmpDir: dirs.tmp,
    token: key,
    relay: { url: world.provider.url },
    permissionMode: "dontAsk",
    allow: ["Read", "Glob", "Grep", "Edit(./**)", "Bash"],
    deny: [],
    maxTurns: 60,
    instructions: "Make the change the task asks for, in files under the current directory only.",
  });
  if (!world.sandbox) return plain;
  const argv = confinedArgv(
    {
      cwd: worktree,
      writable: [worktree, dirs.home, dirs.config],
      readable: [join(repo, ".git"), ...new Set([dirname(bin), dirname(realpathSync(bin))])],
      hidden: [],
      tmp: dirs.tmp,
      network: "host",
    },
    [plain.file, ...plain.args],
    plain.env.PATH,
  );
  return { file: argv[0]!, args: argv.slice(1), env: { ...plain.env, TMPDIR: "/tmp" } };
}
