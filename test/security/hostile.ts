// The security suite's harness: a hostile scripted worker run as root or as an unprivileged uid,
// and the checks that nothing outside its worktree changed and the key is nowhere. Root's jobs run
// in a runner started ahead (the MCP server's way), the unprivileged uid's in a runner started for
// the job (the CLI's way), so every attack meets both.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { chownSync, existsSync, lstatSync, readdirSync, readFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { TestContext } from "node:test";
import { execa } from "execa";
import { Engine } from "../../src/control/engine.js";
import { localBackend } from "../../src/control/local-runner.js";
import type { JobRecord } from "../../src/store/record.js";
import { SecretScanner } from "../../src/secret/redact.js";
import { fixture, hostState, testKey, treeDigest, type Fixture, type FixtureOptions } from "../helpers.js";

export const asRoot = process.getuid?.() === 0;
/** The unprivileged uid the second half runs as (root can become it; others are it already). */
export const otherUid = 4242;
export const runAs: ("root" | "user")[] = asRoot ? ["root", "user"] : ["user"];
export const keyForms = new SecretScanner([testKey]);

const drive = join(import.meta.dirname, "drive.js");

export interface Hostile extends Fixture {
  as: "root" | "user";
  /** Starts a job and waits for its end, in this process or as the unprivileged uid. */
  run(task: string, tier?: "fast" | "think"): Promise<JobRecord>;
  /** Sends an ended job its next round and waits for its end, the same way. */
  continue(job: JobRecord, task: string): Promise<JobRecord>;
  /** Commits files to the repository as its owner would (the unprivileged uid owns it in that half). */
  commit(files: Record<string, string>): Promise<void>;
  events(job: JobRecord): string;
}

export async function hostile(t: TestContext, as: "root" | "user", options: FixtureOptions): Promise<Hostile> {
  const f = await fixture(t, options);
  const dropping = as === "user" && asRoot;
  if (dropping) chownTree(f.root, otherUid);
  const backend = localBackend(f.env, { standby: as === "root" });
  t.after(() => backend.close());
  const engine = new Engine(f.engine.config, f.env, backend);
  const run = async (task: string, tier: "fast" | "think" = "fast", continued?: string): Promise<JobRecord> => {
    if (!dropping) {
      const started = continued ? await engine.continue(continued, { task }) : await engine.start({ cwd: f.repo, task, tier });
      const job = await engine.wait(started.id, 150);
      const log = readFileSync(join(f.repo, ".git", "code-worker", "jobs", job.id, "runner.log"), "utf8");
      assert.equal(/started ahead/.test(log), as === "root", `the job ran in the runner this half means to attack:\n${log}`);
      return job;
    }
    const env = { ...f.env, HOME: join(f.root, "user-home") };
    const spec = JSON.stringify({ env, cwd: f.repo, task, tier, ...(continued ? { continue: continued } : {}) });
    const result = await execa(
      "setpriv",
      [`--reuid=${otherUid}`, `--regid=${otherUid}`, "--clear-groups", "--", process.execPath, drive, spec],
      { env, extendEnv: false, reject: false },
    );
    assert.equal(result.exitCode, 0, result.stderr);
    return JSON.parse(result.stdout) as JobRecord;
  };
  const commit = async (files: Record<string, string>): Promise<void> => {
    for (const [path, text] of Object.entries(files)) await writeFile(join(f.repo, path), text);
    await execa("git", ["-c", "safe.directory=*", "add", "-A"], { cwd: f.repo });
    await execa("git", ["-c", "safe.directory=*", "commit", "-qm", "Test setup"], { cwd: f.repo });
    if (dropping) chownTree(f.repo, otherUid);
  };
  const events = (job: JobRecord) => readFileSync(join(f.repo, ".git", "code-worker", "jobs", job.id, "events.jsonl"), "utf8");
  return { ...f, as, run: (task, tier) => run(task, tier), continue: (job, task) => run(task, "fast", job.id), commit, events };
}

function chownTree(path: string, uid: number): void {
  chownSync(path, uid, uid);
  if (lstatSync(path).isDirectory()) for (const name of readdirSync(path)) chownTree(join(path, name), uid);
}

/** Everything outside the job's own branch, worktree and records that a hostile worker might change. */
export function outsideState(f: Fixture): Map<string, string> {
  const home = existsSync(f.home)
    ? [...treeDigest(f.home, (path) => path === "gc-at")].map(([path, hash]) => [`home/${path}`, hash] as const)
    : [];
  return new Map([...hostState(f.repo), ...home]);
}

/** Asserts that nothing changed since `before` but what the given job itself owns (its worktree, runtime dirs, index entry, the queue). */
export function assertOnlyOwnChanged(f: Fixture, before: Map<string, string>, ownId: string): void {
  const own = new RegExp(`^home/(worktrees|run|index)/${ownId}(/|$)|^home/(queue|slots|stores)/`);
  const others = (state: Map<string, string>) => new Map([...state].filter(([path]) => !own.test(path)));
  assert.deepEqual(others(outsideState(f)), others(before));
}

/** Files under the fixture (the key file aside) and git objects of the repository holding a form of the key. */
export function keyHolders(f: Fixture): string[] {
  const found: string[] = [];
  const walk = (path: string) => {
    const stat = lstatSync(path);
    if (stat.isDirectory()) for (const name of readdirSync(path)) walk(join(path, name));
    else if (stat.isFile() && path !== f.keyFile && keyForms.found(readFileSync(path))) found.push(path);
  };
  walk(f.root);
  const objects = execFileSync("git", ["-c", "safe.directory=*", "-C", f.repo, "cat-file", "--batch-all-objects", "--batch"], {
    maxBuffer: 1 << 30,
  });
  if (keyForms.found(objects)) found.push("git objects");
  return found;
}

/** The largest object in the repository's object store, in bytes. */
export function largestObject(repo: string): number {
  const sizes = execFileSync(
    "git",
    ["-c", "safe.directory=*", "-C", repo, "cat-file", "--batch-all-objects", "--batch-check=%(objectsize)"],
    { encoding: "utf8" },
  );
  return Math.max(0, ...sizes.split("\n").filter(Boolean).map(Number));
}
