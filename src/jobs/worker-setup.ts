// What one job's worker may touch: its worktree and nothing of the host's. Claude Code's sandbox
// grants broad write access on some machines, so the paths that matter are denied explicitly.
import { existsSync } from "node:fs";
import { readdir } from "node:fs/promises";
import { homedir } from "node:os";
import { join, relative, isAbsolute } from "node:path";
import { worktreePaths } from "../git/repo.js";
import type { JobRecord } from "./record.js";

const homeSecrets = [
  ".ssh", ".gnupg", ".aws", ".azure", ".kube", ".docker", ".config", ".codex", ".claude", ".claude.json",
  ".bashrc", ".bash_profile", ".profile", ".zshrc", ".zprofile", ".gitconfig", ".git-credentials", ".npmrc", ".netrc",
];

export const defaultMaxTurns = 60;

/** Without a policy list: read anything, write in the worktree, run commands in the sandbox. */
export const allowRules = ["Read", "Glob", "Grep", "Edit(./**)", "Write(./**)", "Bash"];

/**
 * The policy's allow list, or ours. A bare Edit or Write would let the file tools (which the
 * sandbox does not cover) write anywhere, so they are narrowed to the worktree.
 */
export function workerAllowRules(policyAllow: string[] | undefined): string[] {
  if (!policyAllow) return allowRules;
  return policyAllow.map((rule) => (rule === "Edit" || rule === "Write" ? `${rule}(./**)` : rule));
}
export const denyRules = ["Bash(git push:*)", "Bash(git remote:*)", "Bash(git config:*)", "WebFetch", "WebSearch"];

/** Paths the worker's sandboxed commands may not write, never an ancestor of its own worktree. */
export async function denyWritePaths(job: JobRecord): Promise<string[]> {
  const { home } = job.settings;
  const paths = [
    ...(await worktreePaths(job.repo.root)),
    job.repo.common_dir,
    ...["index", "stores", "queue", "slots"].map((dir) => join(home, dir)),
    ...(await siblings(join(home, "worktrees"), job.id)),
    ...(await siblings(join(home, "run"), job.id)),
    ...credentialPaths(),
  ];
  return [...new Set(paths)].filter((path) => !contains(path, job.worktree) && existsSync(path));
}

/** Credential files and directories in the user's home that exist. */
export function credentialPaths(): string[] {
  return homeSecrets.map((name) => join(homedir(), name)).filter((path) => existsSync(path));
}

async function siblings(dir: string, own: string): Promise<string[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  return names.filter((name) => name !== own).map((name) => join(dir, name));
}

function contains(ancestor: string, path: string): boolean {
  const rel = relative(ancestor, path);
  return rel === "" || (!rel.startsWith("..") && !isAbsolute(rel));
}

/** The system prompt's addition: where the worker is, what it may do, and how its work is judged. */
export function instructions(job: JobRecord, checks: Record<string, { run: string | string[] }>): string {
  const names = Object.entries(checks).map(([name, check]) => `${name} (${typeof check.run === "string" ? check.run : check.run.join(" ")})`);
  return [
    `You are a code-worker job in a git worktree (branch ${job.branch}).`,
    "Make the change the task asks for, in files under the current directory only.",
    names.length
      ? `When you finish, these checks run on your change and decide whether it is accepted: ${names.join("; ")}. Run them yourself first when you can.`
      : "Run the project's tests or checks when there are any.",
    "Do not commit, push, switch branches or change git configuration: code-worker commits your changes when you finish.",
    "End with one or two sentences saying what you changed and how you checked it.",
  ].join(" ");
}
