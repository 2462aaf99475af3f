// Commits on the job branch (everything the worker changed, then the verdict as a trailer), and
// what every code-worker commit shares: its message layout and its identities. The worktree is
// named by its git dir explicitly, so nothing the worker wrote in the worktree decides which
// repository or branch git writes to.
import { runFile } from "../os/run-file.js";
import { commitFromFile, parseCommit } from "./loose-objects.js";
import { nulEntries, parseIdent, parseSignature } from "./parse.js";
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

async function inWorktree(place: WorktreePlace, args: string[], env: Record<string, string> = {}, input?: string): Promise<string> {
  const run = await gitRun(place.worktree, [...placeArgs(place), ...args], { env, input });
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
 * Commits all changes in the worktree but the paths withheld (they never become objects); nothing
 * changed, no commit. `pending` is pendingPaths' answer, when the caller has it.
 */
export async function commitAll(
  place: WorktreePlace,
  message: CommitMessage,
  committer: Identity,
  withheld: string[] = [],
  pending?: string[],
): Promise<void> {
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
  if (commit.exitCode === 0) return;
  // A commit refused: with nothing staged that is no change at all (exit 0 here); otherwise git's reason.
  const staged = await gitRun(place.worktree, [...placeArgs(place), "diff", "--cached", "--quiet"]);
  if (staged.exitCode === 0) return;
  throw new Error(`git commit failed: ${firstLine(commit.stderr || commit.stdout)}`);
}

/**
 * The job's last commit made again with `trailers` set in its trailer block (the verdict is known
 * only once the commit is checked): the same tree, parents and author, and the branch moved to it
 * only from that commit; returns the new commit. No index is read or written, as `commit --amend`
 * would: in a worktree younger than a second git counts every file "racily clean" and rehashes it.
 */
export async function setTrailers(
  place: WorktreePlace,
  last: { commonDir: string; branch: string; commit: string },
  trailers: Record<string, string>,
  committer: Identity,
): Promise<string> {
  const commit =
    (await commitFromFile(last.commonDir, last.commit)) ?? parseCommit(await inWorktree(place, ["cat-file", "commit", last.commit]));
  const author = commit && parseSignature(commit.author);
  if (!commit || !author) throw new Error(`commit ${last.commit} on ${last.branch} has no tree or author git can read`);
  const made = await inWorktree(
    place,
    ["commit-tree", "--no-gpg-sign", commit.tree, ...commit.parents.flatMap((parent) => ["-p", parent])],
    { ...identityEnv(author, committer), GIT_AUTHOR_DATE: author.date },
    withTrailers(commit.message, trailers),
  );
  const reworded = made.trim();
  await inWorktree(place, ["update-ref", "-m", "code-worker: trailers", `refs/heads/${last.branch}`, reworded, last.commit]);
  return reworded;
}

/**
 * A message with `trailers` in its last paragraph when that is a trailer block (each line "Key:
 * value", as code-worker writes them; a key already there takes the new value), else in a
 * paragraph of their own. The subject is never a trailer block.
 */
export function withTrailers(message: string, trailers: Record<string, string>): string {
  const text = message.trimEnd();
  const cut = text.lastIndexOf("\n\n");
  const last = cut === -1 ? [] : text.slice(cut + 2).split("\n");
  const isBlock = last.length > 0 && last.every((line) => /^[A-Za-z0-9-]+: /.test(line));
  const kept = isBlock ? last.filter((line) => !Object.hasOwn(trailers, line.slice(0, line.indexOf(":")))) : [];
  const block = [...kept, ...Object.entries(trailers).map(([key, value]) => `${key}: ${value}`)].join("\n");
  return `${isBlock ? text.slice(0, cut) : text}\n\n${block}\n`;
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
