// The facts a policy judges, read from git after the commit step: every changed path with its
// status, line counts, binary-ness (git's own test, which honours .gitattributes), mode, size,
// symlink target, the links that now resolve outside the repository, and added lines. Read from the
// job branch's commits, never from the worktree.
import { posix } from "node:path";
import { parsePatch } from "diff";
import { packageDepsChanged } from "../policy/lockfiles.js";
import type { ChangedFile } from "../facts/change.js";
import { escapingLinks } from "./link-resolution.js";
import { gitList, gitRun } from "./raw.js";
import { readTreeLinks } from "./tree-links.js";

/** Longer added lines are cut: secret patterns are short, and a minified file must not cost memory. */
const addedLineMax = 4096;

const linkMode = "120000";

interface RawEntry {
  status: ChangedFile["status"];
  path: string;
  oldPath?: string;
  oldMode: string;
  newMode: string;
  newBlob: string;
}

export async function changeInventory(root: string, base: string, head: string): Promise<ChangedFile[]> {
  const range = [base, head];
  const [raw, numstat, patch] = await Promise.all([
    gitList(root, ["diff", "-z", "-M", "--raw", "--no-abbrev", ...range]),
    gitList(root, ["diff", "-z", "-M", "--numstat", ...range]),
    gitRun(root, ["diff", "-M", "-U0", "--no-color", "--no-ext-diff", "--src-prefix=a/", "--dst-prefix=b/", ...range]),
  ]);
  const entries = parseRaw(raw);
  const counts = parseNumstat(numstat);
  const added = addedLinesByFile(patch.stdout);
  // Where a link leads depends on every link of the tree, so both trees are read, but only when
  // the change touches a link: otherwise no link of the tree can land anywhere new.
  const touchingLinks = entries.filter((entry) => entry.oldMode === linkMode || entry.newMode === linkMode);
  const [sizes, trees] = await Promise.all([
    blobSizes(root, entries.filter((e) => e.status !== "deleted").map((e) => e.newBlob)),
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
        file.manifestDepsChanged = packageDepsChanged(before, after);
      }
      return file;
    }),
  );
}

/** `:old-mode new-mode old-blob new-blob status\0path\0[new-path\0]` per change. */
function parseRaw(fields: string[]): RawEntry[] {
  const entries: RawEntry[] = [];
  for (let i = 0; i < fields.length; ) {
    const [oldMode, newMode, , newBlob, code] = fields[i]!.slice(1).split(" ");
    const letter = code![0]!;
    if (letter === "R" || letter === "C") {
      entries.push({ status: letter === "R" ? "renamed" : "added", oldPath: letter === "R" ? fields[i + 1] : undefined, path: fields[i + 2]!, oldMode: oldMode!, newMode: newMode!, newBlob: newBlob! });
      i += 3;
    } else {
      const status = letter === "A" ? "added" : letter === "D" ? "deleted" : "modified";
      entries.push({ status, path: fields[i + 1]!, oldMode: oldMode!, newMode: newMode!, newBlob: newBlob! });
      i += 2;
    }
  }
  return entries;
}

/** `added\tdeleted\tpath\0`, or for a rename `added\tdeleted\t\0old\0new\0`; `-` marks a binary. */
function parseNumstat(fields: string[]): { insertions: number; deletions: number; binary: boolean }[] {
  const counts: { insertions: number; deletions: number; binary: boolean }[] = [];
  for (let i = 0; i < fields.length; i++) {
    const [insertions, deletions, path] = fields[i]!.split("\t");
    if (path === "") i += 2; // a rename's two paths follow
    const binary = insertions === "-";
    counts.push({ insertions: binary ? 0 : Number(insertions), deletions: binary ? 0 : Number(deletions), binary });
  }
  return counts;
}

/** Added lines per file of a patch, in the patch's file order (the same order as --raw). */
function addedLinesByFile(patch: string): { line: number; text: string }[][] {
  return parsePatch(patch).map((file) =>
    file.hunks.flatMap((hunk) => {
      const added: { line: number; text: string }[] = [];
      let next = hunk.newStart;
      for (const line of hunk.lines) {
        if (line.startsWith("+")) added.push({ line: next++, text: line.slice(1, addedLineMax + 1) });
        else if (line.startsWith(" ")) next++;
      }
      return added;
    }),
  );
}

async function blobSizes(root: string, blobs: string[]): Promise<Map<string, number>> {
  if (!blobs.length) return new Map();
  const run = await gitRun(root, ["cat-file", "--batch-check=%(objectname) %(objectsize)"], { input: blobs.map((b) => `${b}\n`).join("") });
  return new Map(run.stdout.split("\n").filter(Boolean).map((line) => {
    const [blob, size] = line.split(" ");
    return [blob!, Number(size)] as const;
  }));
}

async function showFile(root: string, commit: string, path: string): Promise<string | undefined> {
  const run = await gitRun(root, ["show", `${commit}:${path}`]);
  return run.exitCode === 0 ? run.stdout : undefined;
}
