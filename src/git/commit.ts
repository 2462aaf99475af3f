// Commits on the job branch (everything the worker changed, then the verdict as a trailer), and
// what every code-worker commit shares: its message layout and its identities. The worktree is
// named by its git dir explicitly, so nothing the worker wrote in the worktree decides which
// repository or branch git writes to.
import { runFile } from "../os/run-file.js";
import { nulEntries, parseIdent } from "./parse.js";
import { firstLine, gitRun } from "./raw.js";

export interface CommitMessage {
  subject: string;
  body?: string;
  trailers: Record<string, string>;
}

/** A job's checkout: its work tree and the git dir git worktree add made for it. */
export interface WorktreePlace {
  worktree: string;
  gitDir: string;
}

export interface Identity {
  name: string;
  email: string;
}

export const codeWorkerIdentity: Identity = { name: "code-worker", email: "code-worker@localhost" };

/** Names the worktree's git dir and work tree explicitly: nothing in the worktree decides them. */
function placeArgs(place: WorktreePlace): string[] {
  return [`--git-dir=${place.gitDir}`, `--work-tree=${place.worktree}`];
}

async function inWorktree(place: WorktreePlace, args: string[], env: Record<string, string> = {}): Promise<string> {
  const run = await gitRun(place.worktree, [...placeArgs(place), ...args], { env });
  if (run.exitCode !== 0) throw new Error(`git ${args[0]} failed: ${firstLine(run.stderr)}`);
  return run.stdout;
}

/**
 * Writes the worktree's current stat info into its index. A fresh worktree's index is racy (its
 * files are as new as it is), and a worktree lent to another uid has a new owner and ctime on every
 * file: either way every command that compares them rehashes every file until one refresh writes
 * them down. Best effort: a lock left behind only costs the rehash.
 */
export async function refreshIndex(place: WorktreePlace): Promise<void> {
  await gitRun(place.worktree, [...placeArgs(place), "update-index", "-q", "--refresh"]);
}

/**
 * Paths the worker added or changed (not deleted), which the commit would store as new objects.
 * The index should be fresh (refreshIndex before the worker ran), or this and each command after it
 * rehashes every racy file again.
 */
export async function pendingPaths(place: WorktreePlace): Promise<string[]> {
  const out = await inWorktree(place, ["ls-files", "-z", "--others", "--modified", "--exclude-standard"]);
  return [...new Set(nulEntries(out))];
}

/**
 * Commits all changes in the worktree but the paths withheld (they never become objects); true when
 * it made a commit, false when nothing changed. `pending` is pendingPaths' answer, when the caller has it.
 */
export async function commitAll(
  place: WorktreePlace,
  message: CommitMessage,
  committer: Identity,
  withheld: string[] = [],
  pending?: string[],
): Promise<boolean> {
  // Only what git would add is excluded: it refuses to be told about a path it ignores anyway.
  const adding = new Set((pending ?? (await pendingPaths(place))).map((path) => path.replace(/\/$/, "")));
  const excludes = withheld
    .map((path) => path.replace(/\/$/, ""))
    .filter((path) => adding.has(path))
    .map((path) => `:(exclude,literal)${path}`);
  await inWorktree(place, ["add", "--all", "--", ".", ...excludes]);
  const commit = await gitRun(
    place.worktree,
    [...placeArgs(place), "commit", "--quiet", "--no-verify", "--untracked-files=no", ...messageArgs(message)],
    { env: identityEnv(codeWorkerIdentity, committer) },
  );
  if (commit.exitCode === 0) return true;
  // A commit refused: with nothing staged that is no change at all (exit 0 here); otherwise git's reason.
  const staged = await gitRun(place.worktree, [...placeArgs(place), "diff", "--cached", "--quiet"]);
  if (staged.exitCode === 0) return false;
  throw new Error(`git commit failed: ${firstLine(commit.stderr || commit.stdout)}`);
}

/**
 * Adds trailers to the job's last commit (the verdict is known only after the commit is checked);
 * the caller reads the new head. Given the commit's own message, the new one is written whole;
 * otherwise git appends them (through a second process, git interpret-trailers).
 */
export async function addTrailers(
  place: WorktreePlace,
  trailers: Record<string, string>,
  committer: Identity,
  last?: CommitMessage,
): Promise<void> {
  const message = last
    ? messageArgs({ ...last, trailers: { ...last.trailers, ...trailers } })
    : ["--no-edit", ...Object.entries(trailers).flatMap(([key, value]) => ["--trailer", `${key}: ${value}`])];
  await inWorktree(place, ["commit", "--amend", "--quiet", "--no-verify", "--allow-empty", ...message], identityEnv(undefined, committer));
}

/** Subject, body and trailers as git's -m paragraphs. */
export function messageArgs(message: CommitMessage): string[] {
  const trailers = Object.entries(message.trailers)
    .map(([key, value]) => `${key}: ${value}`)
    .join("\n");
  return [message.subject, message.body, trailers].filter((p): p is string => Boolean(p)).flatMap((p) => ["-m", p]);
}

export function identityEnv(author: Identity | undefined, committer: Identity): Record<string, string> {
  return {
    ...(author ? { GIT_AUTHOR_NAME: author.name, GIT_AUTHOR_EMAIL: author.email } : {}),
    GIT_COMMITTER_NAME: committer.name,
    GIT_COMMITTER_EMAIL: committer.email,
  };
}

/**
 * The person's own git identity, from their usual config (code-worker's git reads none but the
 * repository's), or code-worker's when they have none. Asked in the control plane or before any
 * worker runs: no worker can write the files it reads.
 */
export async function userIdentity(dir: string): Promise<Identity> {
  const env = { ...definedEnv(), GIT_TERMINAL_PROMPT: "0" };
  // git var invents "root <root@host>" when nothing is configured; only a configured email counts.
  const [ident, configured] = await Promise.all([
    runFile("git", ["var", "GIT_COMMITTER_IDENT"], { cwd: dir, env }),
    runFile("git", ["config", "user.email"], { cwd: dir, env: definedEnv() }),
  ]);
  const identity = parseIdent(ident.stdout);
  if (ident.exitCode !== 0 || !identity || !configured.stdout.trim()) return codeWorkerIdentity;
  return identity;
}

function definedEnv(): Record<string, string> {
  return Object.fromEntries(Object.entries(process.env).filter((entry): entry is [string, string] => entry[1] !== undefined));
}
