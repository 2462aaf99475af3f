// The facts a policy judges, read from git after the commit step: every changed path with its
// status, line counts, binary-ness (git's own test, which honours .gitattributes), mode, size,
// symlink target, the links that now resolve outside the repository, added lines, and package.json's
// text on both sides (the policy compares its dependency fields). Read from the job branch's commits,
// never from the worktree.
import { posix } from "node:path";
import type { ChangedFile } from "../facts/change.js";
import { escapingLinks } from "./link-resolution.js";
import { addedLinesByFile, parseDiffRaw, parseNumstat, parseObjectSizes } from "./parse.js";
import { gitList, gitRun } from "./raw.js";
import { readTreeLinks } from "./tree-links.js";

const linkMode = "120000";

export async function changeInventory(root: string, base: string, head: string): Promise<ChangedFile[]> {
  const range = [base, head];
  const [raw, numstat, patch] = await Promise.all([
    gitList(root, ["diff", "-z", "-M", "--raw", "--no-abbrev", ...range]),
    gitList(root, ["diff", "-z", "-M", "--numstat", ...range]),
    gitRun(root, ["diff", "-M", "-U0", "--no-color", "--no-ext-diff", "--src-prefix=a/", "--dst-prefix=b/", ...range]),
  ]);
  const entries = parseDiffRaw(raw);
  const counts = parseNumstat(numstat);
  const added = addedLinesByFile(patch.stdout);
  // Where a link leads depends on every link of the tree, so both trees are read, but only when
  // the change touches a link: otherwise no link of the tree can land anywhere new.
  const touchingLinks = entries.filter((entry) => entry.oldMode === linkMode || entry.newMode === linkMode);
  const [sizes, trees] = await Promise.all([
    blobSizes(
      root,
      entries.filter((e) => e.status !== "deleted").map((e) => e.newBlob),
    ),
    touchingLinks.length ? Promise.all([readTreeLinks(root, base), readTreeLinks(root, head)]) : undefined,
  ]);
  const escaping = new Map(trees ? escapingLinks(trees[0], trees[1], touchingLinks).map((links, i) => [touchingLinks[i]!, links]) : []);

  return Promise.all(
    entries.map(async (entry, i): Promise<ChangedFile> => {
      const count = counts[i] ?? { insertions: 0, deletions: 0, binary: false };
      const file: ChangedFile = { path: entry.path, status: entry.status, ...count, mode: entry.newMode };
      if (entry.oldPath) file.oldPath = entry.oldPath;
      if (entry.status !== "deleted") file.size = sizes.get(entry.newBlob);
      if (!count.binary && entry.status !== "deleted") file.addedLines = added[i] ?? [];
      if (entry.newMode === linkMode) file.symlinkTarget = trees?.[1].links.get(entry.path);
      if (escaping.has(entry)) file.escapingLinks = escaping.get(entry);
      if (posix.basename(entry.path) === "package.json") {
        const before = entry.status === "added" ? undefined : await showFile(root, base, entry.oldPath ?? entry.path);
        const after = entry.status === "deleted" ? undefined : await showFile(root, head, entry.path);
        file.manifestText = { before, after };
      }
      return file;
    }),
  );
}

async function blobSizes(root: string, blobs: string[]): Promise<Map<string, number>> {
  if (!blobs.length) return new Map();
  const run = await gitRun(root, ["cat-file", "--batch-check=%(objectname) %(objectsize)"], { input: blobs.map((b) => `${b}\n`).join("") });
  return parseObjectSizes(run.stdout);
}

async function showFile(root: string, commit: string, path: string): Promise<string | undefined> {
  const run = await gitRun(root, ["show", `${commit}:${path}`]);
  return run.exitCode === 0 ? run.stdout : undefined;
}
