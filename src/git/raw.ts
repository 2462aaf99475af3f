// Plain git that hands back everything: stdout untrimmed (a NUL-separated path list must keep a
// path's leading space) and the exit code as a value (merge-tree exits 1 on conflicts, which is an
// answer, not a failure). Every git runs hardened (safe.ts): no hooks, no config or driver from
// outside the repository's own config.
import { nulEntries, parseObjectIds } from "./parse.js";
import { runFile, runFileBytes } from "../os/run-file.js";
import { gitEnv, gitSafetyArgs } from "./safe.js";

export interface GitRun {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface GitRunOptions {
  env?: Record<string, string>;
  /** Fed to git's stdin; without it git reads nothing. */
  input?: string;
}

export async function gitRun(dir: string, args: string[], { env = {}, input }: GitRunOptions = {}): Promise<GitRun> {
  const result = await runFile("git", [...gitSafetyArgs(dir), ...args], { cwd: dir, env: { ...gitEnv(), ...env }, input });
  return { exitCode: result.exitCode, stdout: result.stdout, stderr: result.stderr };
}

/**
 * Plain git whose failure is an error: for the commands simple-git's guards refuse (an author set through the environment).
 * Returns trimmed stdout; a failure throws with git's stderr.
 */
export async function gitOrThrow(dir: string, args: string[], env: Record<string, string> = {}): Promise<string> {
  const run = await gitRun(dir, args, { env });
  if (run.exitCode !== 0) throw new Error(`git ${args.join(" ")} failed: ${firstLine(run.stderr)}`);
  return run.stdout.trim();
}

/** The entries of a command's NUL-separated output; throws with git's message if it fails. */
export async function gitList(dir: string, args: string[]): Promise<string[]> {
  const run = await gitRun(dir, args);
  if (run.exitCode !== 0) throw new Error(`git ${args[0]} failed: ${firstLine(run.stderr)}`);
  return nulEntries(run.stdout);
}

/**
 * The object ids that revisions name (e.g. "HEAD^{commit}", "main^{tree}"), all in one git process;
 * undefined for a revision that names nothing, such as the HEAD of a branch with no commits yet.
 */
export async function resolveAll(dir: string, revisions: string[]): Promise<(string | undefined)[]> {
  if (revisions.some((revision) => revision.includes("\n")))
    throw new Error(`a revision cannot contain a newline: ${JSON.stringify(revisions)}`);
  const run = await gitRun(dir, ["cat-file", "--batch-check=%(objectname)"], { input: revisions.map((r) => `${r}\n`).join("") });
  if (run.exitCode !== 0) throw new Error(`git cat-file failed: ${firstLine(run.stderr)}`);
  // Each answer is an object id, or "<revision> missing" (or "ambiguous").
  return parseObjectIds(run.stdout, revisions.length);
}

export function firstLine(text: string): string {
  return text.trim().split("\n")[0] ?? "";
}

/** A command's stdout as bytes (a blob that may not be valid UTF-8); throws with git's message if it fails. */
export async function gitBytes(dir: string, args: string[], input?: string): Promise<Buffer> {
  const result = await runFileBytes("git", [...gitSafetyArgs(dir), ...args], { cwd: dir, env: gitEnv(), input });
  if (result.exitCode !== 0) throw new Error(`git ${args[0]} failed: ${firstLine(result.stderr)}`);
  return result.stdout;
}
