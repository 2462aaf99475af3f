// The pure half of the git layer: git's output (and the few files of a git dir code-worker reads
// itself) as values. No process and no file here, so each parser is tested with canned output.
import { parsePatch } from "diff";
import type { ChangedFile } from "../facts/change.js";

const objectId = /^[0-9a-f]{40}(?:[0-9a-f]{24})?$/;

/** A full SHA-1 or SHA-256 object id, as git prints and stores them. */
export function isObjectId(text: string): boolean {
  return objectId.test(text);
}

/** The entries of NUL-terminated output (`-z`); a path keeps its leading and trailing spaces. */
export function nulEntries(stdout: string): string[] {
  return stdout.split("\0").slice(0, -1);
}

/** `git cat-file --batch-check=%(objectname)`: an id per revision asked, or undefined for "<rev> missing". */
export function parseObjectIds(stdout: string, count: number): (string | undefined)[] {
  return stdout
    .split("\n")
    .slice(0, count)
    .map((line) => (isObjectId(line) ? line : undefined));
}

/** `git cat-file --batch-check="%(objectname) %(objectsize)"` as object → size. */
export function parseObjectSizes(stdout: string): Map<string, number> {
  return new Map(
    stdout
      .split("\n")
      .filter(Boolean)
      .map((line) => {
        const [blob, size] = line.split(" ");
        return [blob!, Number(size)] as const;
      }),
  );
}

/** `git var GIT_COMMITTER_IDENT` ("Name <email> 1700000000 +0100") as name and email. */
export function parseIdent(stdout: string): { name: string; email: string } | undefined {
  const signature = parseSignature(stdout);
  return signature && { name: signature.name, email: signature.email };
}

/** An identity line as git writes it (a commit's author, `git var`): name, email and the date as git reads it back. */
export function parseSignature(line: string): { name: string; email: string; date: string } | undefined {
  const match = /^(.*?) <([^>]*)> (\d+ [+-]\d{4})$/.exec(line.trim());
  return match ? { name: match[1]!, email: match[2]!, date: match[3]! } : undefined;
}

/** The `gitdir: <path>` a linked worktree's .git file points with. */
export function parseGitdirPointer(text: string): string | undefined {
  return /^gitdir:\s*(.+)$/m.exec(text)?.[1]?.trim() || undefined;
}

/** What a HEAD file holds: a detached commit, or the branch it points to; undefined for anything else. */
export function parseHeadFile(text: string): { commit: string } | { branch: string } | undefined {
  const head = text.trim();
  if (isObjectId(head)) return { commit: head };
  const branch = /^ref: (refs\/heads\/\S+)$/.exec(head)?.[1];
  return branch ? { branch } : undefined;
}

/** packed-refs as ref → id; undefined when a line is not the plain `<id> <ref>` format. */
export function parsePackedRefs(text: string): Map<string, string> | undefined {
  const refs = new Map<string, string>();
  for (const line of text.split("\n")) {
    if (!line || line.startsWith("#") || line.startsWith("^")) continue;
    const [id, ref] = line.split(" ");
    if (!id || !ref || !isObjectId(id)) return undefined;
    refs.set(ref, id);
  }
  return refs;
}

/** `git worktree list --porcelain` lines (`-z` entries or plain lines): each checkout and its branch ref. */
export function parseWorktreeList(lines: string[]): { path: string; branch?: string }[] {
  const checkouts: { path: string; branch?: string }[] = [];
  for (const line of lines) {
    if (line.startsWith("worktree ")) checkouts.push({ path: line.slice("worktree ".length) });
    else if (line.startsWith("branch ") && checkouts.length) checkouts.at(-1)!.branch = line.slice("branch ".length);
  }
  return checkouts;
}

/** `git diff-tree -z --name-status --no-renames` entries: a status letter, then its path. */
export function parseNameStatus(entries: string[]): { status: string; path: string }[] {
  const changes: { status: string; path: string }[] = [];
  for (let i = 0; i + 1 < entries.length; i += 2) changes.push({ status: entries[i]!, path: entries[i + 1]! });
  return changes;
}

export interface UncommittedWork {
  /** Tracked paths whose index or working tree differs from HEAD. */
  changed: Set<string>;
  /** Paths with unresolved conflicts in the index. */
  unmerged: string[];
}

/** `git status --porcelain=v2 -z --no-renames` entries: changed and unmerged paths (others are skipped). */
export function parseStatusV2(entries: string[]): UncommittedWork {
  const work: UncommittedWork = { changed: new Set(), unmerged: [] };
  for (const entry of entries) {
    // "1 XY sub mH mI mW hH hI path" for a changed entry, "u XY sub m1 m2 m3 mW h1 h2 h3 path" for an unmerged one
    if (entry.startsWith("1 ")) work.changed.add(fieldsAfter(entry, 8));
    else if (entry.startsWith("u ")) work.unmerged.push(fieldsAfter(entry, 10));
  }
  return work;
}

function fieldsAfter(entry: string, count: number): string {
  let start = 0;
  for (let i = 0; i < count; i++) start = entry.indexOf(" ", start) + 1;
  return entry.slice(start);
}

export interface MergeResult {
  tree: string;
  conflicts: string[];
}

/** With --name-only -z --no-messages the output is the tree, then each conflicted path, all NUL-terminated. */
export function parseMergeTree(stdout: string): MergeResult {
  const [tree, ...conflicts] = nulEntries(stdout);
  if (!tree) throw new Error(`git merge-tree printed no tree: ${JSON.stringify(stdout.slice(0, 100))}`);
  return { tree, conflicts };
}

/** The paths git quotes in a refusal ("Entry 'a.txt' not uptodate. Cannot merge."). */
export function quotedPaths(stderr: string): string[] {
  return [...stderr.matchAll(/'([^']+)'/g)].map((match) => match[1]!);
}

export interface RawEntry {
  status: ChangedFile["status"];
  path: string;
  oldPath?: string;
  oldMode: string;
  newMode: string;
  newBlob: string;
}

/** `git diff -z --raw --no-abbrev`: `:old-mode new-mode old-blob new-blob status\0path\0[new-path\0]` per change. */
export function parseDiffRaw(fields: string[]): RawEntry[] {
  const entries: RawEntry[] = [];
  for (let i = 0; i < fields.length;) {
    const [oldMode, newMode, , newBlob, code] = fields[i]!.slice(1).split(" ");
    const letter = code![0]!;
    if (letter === "R" || letter === "C") {
      entries.push({
        status: letter === "R" ? "renamed" : "added",
        oldPath: letter === "R" ? fields[i + 1] : undefined,
        path: fields[i + 2]!,
        oldMode: oldMode!,
        newMode: newMode!,
        newBlob: newBlob!,
      });
      i += 3;
    } else {
      const status = letter === "A" ? "added" : letter === "D" ? "deleted" : "modified";
      entries.push({ status, path: fields[i + 1]!, oldMode: oldMode!, newMode: newMode!, newBlob: newBlob! });
      i += 2;
    }
  }
  return entries;
}

export interface LineCounts {
  insertions: number;
  deletions: number;
  binary: boolean;
}

/** `git diff -z --numstat`: `added\tdeleted\tpath\0`, or for a rename `added\tdeleted\t\0old\0new\0`; `-` marks a binary. */
export function parseNumstat(fields: string[]): LineCounts[] {
  const counts: LineCounts[] = [];
  for (let i = 0; i < fields.length; i++) {
    const [insertions, deletions, path] = fields[i]!.split("\t");
    if (path === "") i += 2; // a rename's two paths follow
    const binary = insertions === "-";
    counts.push({ insertions: binary ? 0 : Number(insertions), deletions: binary ? 0 : Number(deletions), binary });
  }
  return counts;
}

/** Longer added lines are cut: secret patterns are short, and a minified file must not cost memory. */
export const addedLineMax = 4096;

/** Added lines per file of a `-U0` patch, in the patch's file order (the same order as --raw). */
export function addedLinesByFile(patch: string): { line: number; text: string }[][] {
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

/** `git ls-tree -r -t -z` entries (`<mode> <type> <object>\t<path>`): the tree's directories and its links' blobs. */
export function parseLsTree(entries: string[]): { dirs: Set<string>; links: Map<string, string | undefined> } {
  const dirs = new Set<string>();
  const links = new Map<string, string | undefined>();
  for (const entry of entries) {
    const tab = entry.indexOf("\t");
    const [mode, , object] = entry.slice(0, tab).split(" ");
    const path = entry.slice(tab + 1);
    if (mode === "040000") dirs.add(path);
    // Names that are not valid UTF-8 arrive as U+FFFD, so two such links would share one entry and
    // one of the two targets would decide for both.
    else if (mode === "120000") links.set(path, path.includes("\uFFFD") ? undefined : object);
  }
  return { dirs, links };
}

/** The kernel refuses a longer link target (PATH_MAX), so no checkout holds such a link; and it bounds a walk. */
const targetMax = 4095;

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
      throw new Error(
        `git cat-file --batch answered ${JSON.stringify(header)} where ${blob} was asked; check the repository with git fsck`,
      );
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
