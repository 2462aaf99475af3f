// Reading a checkout's HEAD and a few branch heads straight from the git dir's files (loose refs,
// then packed-refs), for the control plane's every read: a git process costs more than the read
// it serves. Anything this does not understand (a linked worktree's HEAD, reftable, a symbolic
// chain) answers undefined, and the caller asks git instead.
import { lstat, readFile, realpath, stat } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { isObjectId, parseGitdirPointer, parseHeadFile, parsePackedRefs } from "./parse.js";
import { resolveAll } from "./raw.js";

/** HEAD's commit and each branch's, or undefined when the files do not settle it (ask git then). */
export async function headsFromFiles(
  gitDir: string,
  branches: string[],
): Promise<{ head: string | undefined; branches: (string | undefined)[] } | undefined> {
  if (
    await stat(join(gitDir, "reftable")).then(
      () => true,
      () => false,
    )
  )
    return undefined;
  const headText = await readFile(join(gitDir, "HEAD"), "utf8").catch(() => undefined);
  const headFile = headText === undefined ? undefined : parseHeadFile(headText);
  if (!headFile) return undefined;
  // No packed-refs file is an empty one: every ref is loose.
  const packed = parsePackedRefs(await readFile(join(gitDir, "packed-refs"), "utf8").catch(() => ""));
  if (!packed) return undefined;
  const resolve = async (ref: string) => {
    const loose = (await readFile(join(gitDir, ref), "utf8").catch(() => undefined))?.trim();
    if (loose !== undefined) return isObjectId(loose) ? loose : null;
    return packed.get(ref);
  };
  let head: string | undefined;
  if ("commit" in headFile) head = headFile.commit;
  else {
    const resolved = await resolve(headFile.branch);
    if (resolved === null) return undefined;
    head = resolved; // undefined: a branch with no commits yet
  }
  const heads = await Promise.all(branches.map((branch) => resolve(`refs/heads/${branch}`)));
  if (heads.includes(null)) return undefined;
  return { head, branches: heads as (string | undefined)[] };
}

/** A branch's commit (undefined when there is no such branch), from its ref file when the files settle it, else from git. */
export async function branchHead(root: string, commonDir: string, branch: string): Promise<string | undefined> {
  const found = await headsFromFiles(commonDir, [branch]);
  if (found) return found.branches[0];
  return (await resolveAll(root, [`refs/heads/${branch}^{commit}`]))[0];
}

/** headsFromFiles for a host checkout: only one whose git dir is its own `.git` keeps its HEAD in the common dir. */
export async function checkoutHeadsFromFiles(
  root: string,
  commonDir: string,
  branches: string[],
): Promise<{ head: string | undefined; branches: (string | undefined)[] } | undefined> {
  return commonDir === join(root, ".git") ? headsFromFiles(commonDir, branches) : undefined;
}

/**
 * The common git dir of the repository holding `cwd`, found the way git walks up to its `.git`
 * (a directory, or a linked worktree's `gitdir:` file and its `commondir`), with no git process.
 * Our git runs with no GIT_* variable from the environment (src/git/safe.ts), so none steers this
 * walk either. Undefined for anything else (a bare repository, no `.git`, an odd pointer): ask git.
 */
export async function commonDirFromFiles(cwd: string): Promise<string | undefined> {
  for (let dir = await realpath(cwd).catch(() => undefined); dir; dir = dirname(dir) === dir ? undefined : dirname(dir)) {
    const dotGit = join(dir, ".git");
    const found = await lstat(dotGit).catch(() => undefined);
    if (!found) continue;
    if (found.isDirectory()) return (await isFile(join(dotGit, "HEAD"))) ? dotGit : undefined;
    if (!found.isFile()) return undefined;
    const pointer = parseGitdirPointer(await readFile(dotGit, "utf8").catch(() => ""));
    if (!pointer) return undefined;
    const gitDir = resolve(dir, pointer);
    const common = await readFile(join(gitDir, "commondir"), "utf8").catch(() => undefined);
    return common === undefined ? gitDir : resolve(gitDir, common.trim());
  }
  return undefined;
}

async function isFile(path: string): Promise<boolean> {
  return (await lstat(path).catch(() => undefined))?.isFile() ?? false;
}
