// Shared set-up for the tests: a real sample repository in a temp dir, the scripted provider on
// loopback, a key file and an engine whose runners inherit a private environment.
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, lstatSync, readlinkSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join, relative } from "node:path";
import type { TestContext } from "node:test";
import { dir } from "tmp-promise";
import { loadConfig } from "../src/config.js";
import { createSampleRepo, samplePolicy } from "../src/demo/sample.js";
import { Engine } from "../src/control/engine.js";
import { startScriptedProvider, type ProviderOptions, type ScriptedProvider } from "../src/provider/scripted-provider.js";
import { sandboxProblem } from "../src/worker/sandbox.js";

export const testKey = "sk-test-4f1c9e2a7b3d5e6f8a9b0c1d2e3f4a5b";

export interface Fixture extends FixturePaths {
  provider: ScriptedProvider;
  env: NodeJS.ProcessEnv;
  engine: Engine;
}

export interface FixturePaths {
  root: string;
  repo: string;
  home: string;
  keyFile: string;
}

export interface FixtureOptions {
  /** Scripts by model, or a function of the fixture's paths for scripts that name them. */
  scripts: ProviderOptions["scripts"] | ((paths: FixturePaths) => ProviderOptions["scripts"]);
  /** The key the provider accepts; by default the one in the key file. */
  providerKey?: string;
  env?: Record<string, string>;
  /** The sample's committed policy; by default the demo's, with plain Bash allowed. */
  policy?: string;
}

export const sandboxAvailable = (await sandboxProblem()) === undefined;

export async function fixture(t: TestContext, options: FixtureOptions): Promise<Fixture> {
  const temp = await dir({ prefix: "code-worker-test-", unsafeCleanup: true });
  const root = temp.path;
  const repo = join(root, "repo");
  await createSampleRepo(repo, options.policy ?? samplePolicy(["Read", "Glob", "Grep", "Edit", "Write", "Bash"]));
  const keyFile = join(root, "provider.key");
  await writeFile(keyFile, `${testKey}\n`, { mode: 0o600 });
  const paths = { root, repo, home: join(root, "home"), keyFile };
  const scripts = typeof options.scripts === "function" ? options.scripts(paths) : options.scripts;
  const provider = await startScriptedProvider({ scripts, apiKey: options.providerKey ?? testKey });
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    CODE_WORKER_HOME: paths.home,
    CODE_WORKER_API_KEY_FILE: keyFile,
    CODE_WORKER_BASE_URL: `${provider.url}/v1`,
    CODE_WORKER_FAST_MODEL: "test-fast",
    CODE_WORKER_FAST_LABEL: "fast-label",
    CODE_WORKER_THINK_MODEL: "test-think",
    CODE_WORKER_SANDBOX: sandboxAvailable ? "on" : "off",
    // CLAUDE_BIN=/path/to/claude runs every worker case against another Claude Code, so drift shows.
    ...(process.env.CLAUDE_BIN ? { CLAUDE_BIN: process.env.CLAUDE_BIN } : {}),
    ...options.env,
  };
  const engine = new Engine(loadConfig(env), env);
  t.after(async () => {
    await provider.close();
    await temp.cleanup();
  });
  return { ...paths, provider, env, engine };
}

/** Polls until check returns a value other than undefined, or fails after timeoutMs. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined> | T | undefined, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** A hash of every file and symlink under dir (the .git dir included unless skipped). */
export function treeDigest(dir: string, skip: (path: string) => boolean = () => false): Map<string, string> {
  const digest = new Map<string, string>();
  const walk = (path: string) => {
    const rel = relative(dir, path);
    if (rel && skip(rel)) return;
    const stat = lstatSync(path);
    if (stat.isDirectory()) for (const name of readdirSync(path)) walk(join(path, name));
    else if (stat.isSymbolicLink()) digest.set(rel, `link:${readlinkSync(path)}`);
    else digest.set(rel, `${stat.mode}:${createHash("sha256").update(readFileSync(path)).digest("hex")}`);
  };
  walk(dir);
  return digest;
}

/** The host's files, index, HEAD, config and own branches; not the objects and refs a job adds. */
export function hostState(repo: string): Map<string, string> {
  const jobOwned = /^\.git\/(objects|code-worker|worktrees|logs|refs\/heads\/code-worker)(\/|$)/;
  return treeDigest(repo, (path) => jobOwned.test(path));
}

/** Paths of files under dir whose bytes contain needle. */
export function filesContaining(dir: string, needle: string): string[] {
  const found: string[] = [];
  const walk = (path: string) => {
    const stat = lstatSync(path);
    if (stat.isDirectory()) for (const name of readdirSync(path)) walk(join(path, name));
    else if (stat.isFile() && readFileSync(path).includes(needle)) found.push(path);
  };
  walk(dir);
  return found;
}

/** Pids of live processes whose command line contains marker. */
export function processesWith(marker: string): number[] {
  const found: number[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      const cmdline = readFileSync(`/proc/${name}/cmdline`, "utf8").replace(/\0/g, " ");
      const state = readFileSync(`/proc/${name}/stat`, "utf8").split(") ")[1]?.[0];
      if (cmdline.includes(marker) && state !== "Z") found.push(Number(name));
    } catch {
      // gone while reading
    }
  }
  return found;
}
