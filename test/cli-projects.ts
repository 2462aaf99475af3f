// Small real projects in temp dirs for the CLI's first-hour commands (init, policy test), and the
// built CLI run on them as a subprocess with a private CODE_WORKER_HOME.
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { TestContext } from "node:test";
import { execa } from "execa";
import { simpleGit } from "simple-git";
import { dir } from "tmp-promise";
import { sandboxAvailable } from "./helpers.js";

const cli = join(import.meta.dirname, "..", "src", "cli", "main.js");

export interface Project {
  root: string;
  repo: string;
  home: string;
  env: Record<string, string>;
  /** The built CLI in the repository, stdout and stderr apart, never throwing on a non-zero exit. */
  cli(args: string[], env?: Record<string, string>): Promise<{ exitCode: number; stdout: string; stderr: string }>;
  head(): Promise<string>;
}

/** A git repository holding files, committed unless told not to. */
export async function project(t: TestContext, files: Record<string, string>, commit = true): Promise<Project> {
  const temp = await dir({ prefix: "code-worker-cli-", unsafeCleanup: true });
  t.after(() => temp.cleanup());
  const root = temp.path;
  const repo = join(root, "repo");
  const home = join(root, "home");
  await mkdir(repo, { recursive: true });
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(repo, path)), { recursive: true });
    await writeFile(join(repo, path), text);
  }
  const git = simpleGit(repo);
  await git.init(["--initial-branch=main"]);
  await git.addConfig("user.name", "Project Author").addConfig("user.email", "author@example.com");
  if (commit) await git.add(".").commit("The project");
  const env = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    CODE_WORKER_HOME: home,
    CODE_WORKER_SANDBOX: sandboxAvailable ? "on" : "off",
  };
  return {
    root,
    repo,
    home,
    env,
    async cli(args, extra = {}) {
      const run = await execa("node", [cli, ...args], { cwd: repo, env: { ...env, ...extra }, extendEnv: false, reject: false });
      return { exitCode: run.exitCode ?? -1, stdout: run.stdout, stderr: run.stderr };
    },
    head: () => git.revparse(["--short=7", "HEAD"]),
  };
}

/** Output lines with what varies between runs (durations, the policy's hash) made constant. */
export function steady(text: string): string[] {
  return text.split("\n").map((line) => line.replace(/ (in|after) \d+(?:\.\d+)?s /, " $1 Ns ").replace(/sha256:[0-9a-f]{12}/, "sha256:…"));
}
