// The links and directories of a commit's tree, so its symlinks can be resolved as a checkout
// would: one ls-tree for the shape and one cat-file --batch for every target (a second only after
// a target that is not valid UTF-8, see parseBatch in parse.ts).
import type { TreeLinks } from "./link-resolution.js";
import { parseBatch, parseLsTree } from "./parse.js";
import { firstLine, gitList, gitRun } from "./raw.js";

export async function readTreeLinks(root: string, commit: string): Promise<TreeLinks> {
  // The plain `<mode> <type> <object>\t<path>` lines: --format's %(path) is C-quoted even with -z.
  const { dirs, links: blobs } = parseLsTree(await gitList(root, ["ls-tree", "-r", "-t", "-z", "--full-tree", commit]));
  const unique = [...new Set(blobs.values())].filter((blob) => blob !== undefined);
  const targets = await readTargets(root, unique);
  const byBlob = new Map(unique.map((blob, i) => [blob, targets[i]]));
  return { links: new Map([...blobs].map(([path, blob]) => [path, blob && byBlob.get(blob)])), dirs };
}

async function readTargets(root: string, blobs: string[]): Promise<(string | undefined)[]> {
  const targets: (string | undefined)[] = [];
  while (targets.length < blobs.length) {
    const rest = blobs.slice(targets.length);
    const run = await gitRun(root, ["cat-file", "--batch"], { input: rest.map((blob) => `${blob}\n`).join("") });
    if (run.exitCode !== 0) throw new Error(`git cat-file failed: ${firstLine(run.stderr)}`);
    targets.push(...parseBatch(run.stdout, rest));
  }
  return targets;
}
