// The links and directories of a commit's tree, so its symlinks can be resolved as a checkout
// would: one ls-tree for the shape and one cat-file --batch for every target (a second only after
// a target that is not valid UTF-8, see parseBatch).
import type { TreeLinks } from "./link-resolution.js";
import { firstLine, gitList, gitRun } from "./raw.js";

/** The kernel refuses a longer target (PATH_MAX), so no checkout holds such a link; and it bounds a walk. */
const targetMax = 4095;

export async function readTreeLinks(root: string, commit: string): Promise<TreeLinks> {
  // The plain `<mode> <type> <object>\t<path>` lines: --format's %(path) is C-quoted even with -z.
  const entries = await gitList(root, ["ls-tree", "-r", "-t", "-z", "--full-tree", commit]);
  const dirs = new Set<string>();
  const blobs = new Map<string, string | undefined>();
  for (const entry of entries) {
    const tab = entry.indexOf("\t");
    const [mode, , object] = entry.slice(0, tab).split(" ");
    const path = entry.slice(tab + 1);
    if (mode === "040000") dirs.add(path);
    // Names that are not valid UTF-8 arrive as U+FFFD, so two such links would share one entry and
    // one of the two targets would decide for both.
    else if (mode === "120000") blobs.set(path, path.includes("\uFFFD") ? undefined : object);
  }
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

/**
 * Link targets from `git cat-file --batch` output, in the order asked; undefined for one that is
 * missing, not a blob, too long, or holds a NUL (the kernel would cut the target there). The text
 * arrives decoded, so a target that was not valid UTF-8 shows U+FFFD and no longer has its byte
 * size: it is unreadable too, and the answer stops after it, since what follows cannot be found by
 * size any more. It always answers at least the first asked.
 */
export function parseBatch(output: string, blobs: string[]): (string | undefined)[] {
  const bytes = Buffer.from(output, "utf8");
  const targets: (string | undefined)[] = [];
  let at = 0;
  for (const blob of blobs) {
    const end = bytes.indexOf("\n", at);
    const header = bytes.subarray(at, end < 0 ? undefined : end).toString();
    const [object, type, size] = header.split(" ");
    if (end < 0 || object !== blob) {
      throw new Error(`git cat-file --batch answered ${JSON.stringify(header)} where ${blob} was asked; check the repository with git fsck`);
    }
    at = end + 1;
    if (type === "missing") {
      targets.push(undefined);
      continue;
    }
    const content = bytes.subarray(at, at + Number(size)).toString();
    at += Number(size) + 1;
    if (content.includes("\uFFFD")) {
      targets.push(undefined);
      break;
    }
    targets.push(type !== "blob" || Number(size) > targetMax || content.includes("\0") ? undefined : content);
  }
  return targets;
}
