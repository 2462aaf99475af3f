// Records everything the worker changed as one commit on the job branch.
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
  const committer: Record<string, string> = (await hasIdentity(worktree)) ? {} : { GIT_COMMITTER_NAME: author.GIT_AUTHOR_NAME, GIT_COMMITTER_EMAIL: author.GIT_AUTHOR_EMAIL };
  const trailers = Object.entries(message.trailers).map(([key, value]) => `${key}: ${value}`).join("\n");
  const paragraphs = [message.subject, message.body, trailers].filter((p): p is string => Boolean(p));
  const args = ["-c", "commit.gpgsign=false", "commit", "--quiet", "--no-verify", ...paragraphs.flatMap((p) => ["-m", p])];
  await gitWithoutHooks(worktree, args, { ...author, ...committer });
  return repo.revparse(["HEAD"]);
}

/** Adds trailers to the job's last commit (the verdict is known only after the commit is checked). */
export async function addTrailers(worktree: string, trailers: Record<string, string>): Promise<string> {
  const committer: Record<string, string> = (await hasIdentity(worktree)) ? {} : { GIT_COMMITTER_NAME: author.GIT_AUTHOR_NAME, GIT_COMMITTER_EMAIL: author.GIT_AUTHOR_EMAIL };
  const args = ["-c", "commit.gpgsign=false", "commit", "--amend", "--quiet", "--no-edit", "--no-verify", "--allow-empty", ...Object.entries(trailers).flatMap(([key, value]) => ["--trailer", `${key}: ${value}`])];
  await gitWithoutHooks(worktree, args, committer);
  return gitWithoutHooks(worktree, ["rev-parse", "HEAD"]);
}

async function hasIdentity(dir: string): Promise<boolean> {
  try {
    return Boolean(await git(dir).raw(["config", "user.email"]));
  } catch {
    return false; // git config exits 1 when the key is unset
  }
}
