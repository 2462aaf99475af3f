// Writing an applied change into the host's checkout with git's own checkout machinery
// (`read-tree -m -u <from> <to>`, what `git checkout` does between two commits): only the paths
// that differ between the two trees are rewritten, every other uncommitted change stays as it is,
// and git refuses, before writing anything, if a path it must rewrite is dirty.
import { copyFile } from "node:fs/promises";
import { join } from "node:path";
import { dir } from "tmp-promise";
import { UserError } from "../errors.js";
import { short } from "./merge.js";
import { quotedPaths } from "./parse.js";
import { firstLine, gitRun } from "./raw.js";

/**
 * Moves the host's checked-out branch from `from` to the commit `to`, with its index and working
 * tree. git checks every path in a dry run first; the ref then moves by compare-and-swap, so a host
 * that committed meanwhile is refused rather than clobbered, and moves back if the checkout fails.
 */
export async function moveHost(root: string, from: string, to: string, reflogMessage: string): Promise<void> {
  await runOrRefuse(root, ["update-index", "-q", "--refresh"]); // a file merely touched is not a change
  await runOrRefuse(root, ["read-tree", "-n", "-m", "-u", from, to]);
  const moved = await gitRun(root, ["update-ref", "-m", reflogMessage, "HEAD", to, from]);
  if (moved.exitCode !== 0) {
    const why = moved.stderr.includes("but expected") ? `it moved during apply and is no longer ${short(from)}` : firstLine(moved.stderr);
    throw new UserError("busy", `could not move the host's HEAD (${why}); nothing was changed, apply again`, { host_head: from });
  }
  try {
    await runOrRefuse(root, ["read-tree", "-m", "-u", from, to]);
  } catch (error) {
    const undone = await gitRun(root, ["update-ref", "-m", "code-worker: undo apply", "HEAD", from, to]);
    if (undone.exitCode !== 0) {
      throw new UserError(
        "host_dirty",
        `the host's HEAD moved on to ${short(to)} but its files could not follow, and it changed again meanwhile; check the host with git status`,
        { host_head: to },
      );
    }
    throw error;
  }
}

/**
 * Writes the paths that differ between the commits `from` (the host's HEAD) and `to` into the host's
 * working tree only. The checkout runs against a private copy of the index, set to `from`, so git
 * still refuses to overwrite dirty files while HEAD and the real index stay untouched.
 */
export async function writeWorkingTree(root: string, gitDir: string, from: string, to: string): Promise<void> {
  const scratch = await dir({ prefix: "code-worker-index-", unsafeCleanup: true });
  try {
    const env = { GIT_INDEX_FILE: join(scratch.path, "index") };
    // Starting from the real index keeps its cached file stats, so the refresh hashes only what changed.
    await copyFile(join(gitDir, "index"), env.GIT_INDEX_FILE).catch(() => undefined);
    await runOrRefuse(root, ["read-tree", "-m", from], env);
    await runOrRefuse(root, ["update-index", "-q", "--refresh"], env);
    await runOrRefuse(root, ["read-tree", "-m", "-u", from, to], env);
  } finally {
    await scratch.cleanup();
  }
}

/** Runs git on the host's checkout; a refusal becomes one line saying which paths and what to do. */
async function runOrRefuse(root: string, args: string[], env: Record<string, string> = {}): Promise<void> {
  const run = await gitRun(root, args, { env });
  if (run.exitCode === 0) return;
  if (run.stderr.includes("index.lock")) {
    throw new UserError("busy", "another git command is using the host's index (index.lock exists); let it finish, then apply again");
  }
  const paths = quotedPaths(run.stderr);
  const where = paths.length > 0 ? ` in ${paths.slice(0, 5).join(", ")}` : "";
  throw new UserError(
    "host_dirty",
    `git refused to update the host's files${where} (${firstLine(run.stderr)}); commit or stash them, then apply again`,
    { paths },
  );
}
