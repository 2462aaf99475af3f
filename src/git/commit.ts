// Commits on the job branch (everything the worker changed, then the verdict as a trailer), and
// what every code-worker commit shares: its message layout and the identity used where git has none.
import { gitRun } from "./raw.js";
import { git, gitWithoutHooks } from "./repo.js";

export interface CommitMessage {
  subject: string;
  body?: string;
  trailers: Record<string, string>;
}

const author = { GIT_AUTHOR_NAME: "code-worker", GIT_AUTHOR_EMAIL: "code-worker@localhost" };

/** Commits all changes in the worktree; returns the new head, or undefined when nothing changed. */
export async function commitAll(worktree: string, message: CommitMessage): Promise<string | undefined> {
  const repo = git(worktree);
  await repo.raw(["add", "--all"]);
  const staged = await repo.raw(["diff", "--cached", "--name-only"]);
  if (!staged) return undefined;
  const args = ["-c", "commit.gpgsign=false", "commit", "--quiet", "--no-verify", ...messageArgs(message)];
  await gitWithoutHooks(worktree, args, { ...(await fallbackIdentity(worktree)), ...author });
  return repo.revparse(["HEAD"]);
}

/** Adds trailers to the job's last commit (the verdict is known only after the commit is checked). */
export async function addTrailers(worktree: string, trailers: Record<string, string>): Promise<string> {
  const args = ["-c", "commit.gpgsign=false", "commit", "--amend", "--quiet", "--no-edit", "--no-verify", "--allow-empty", ...Object.entries(trailers).flatMap(([key, value]) => ["--trailer", `${key}: ${value}`])];
  await gitWithoutHooks(worktree, args, await fallbackIdentity(worktree));
  return gitWithoutHooks(worktree, ["rev-parse", "HEAD"]);
}

/** Subject, body and trailers as git's -m paragraphs. */
export function messageArgs(message: CommitMessage): string[] {
  const trailers = Object.entries(message.trailers).map(([key, value]) => `${key}: ${value}`).join("\n");
  return [message.subject, message.body, trailers].filter((p): p is string => Boolean(p)).flatMap((p) => ["-m", p]);
}

/**
 * code-worker as author and committer where the repository has no user.email of its own, else
 * nothing. Asked through the same execa environment as the commit that relies on the answer.
 */
export async function fallbackIdentity(dir: string): Promise<Record<string, string>> {
  if ((await gitRun(dir, ["config", "user.email"])).stdout.trim()) return {};
  return { ...author, GIT_COMMITTER_NAME: author.GIT_AUTHOR_NAME, GIT_COMMITTER_EMAIL: author.GIT_AUTHOR_EMAIL };
}
