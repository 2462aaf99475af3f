// A commit's tree, parents and author, or whether it descends from another, read straight from
// loose object files, for the control plane's every read and the verdict's reword: a git process
// costs more than the read it serves. A commit git has packed (or keeps elsewhere, or
// in another object format) answers undefined, and the caller asks git instead.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { inflateSync } from "node:zlib";

const sha1 = /^[0-9a-f]{40}$/;

/** A commit's tree, parents, author line ("Name <email> 1700000000 +0100") and message. */
export interface CommitObject {
  tree: string;
  parents: string[];
  author: string;
  message: string;
}

export async function commitTreeFromFile(commonDir: string, commit: string): Promise<string | undefined> {
  return (await commitFromFile(commonDir, commit))?.tree;
}

/** A commit from its loose object, or undefined when the file does not settle it. */
export async function commitFromFile(commonDir: string, commit: string): Promise<CommitObject | undefined> {
  if (!sha1.test(commit)) return undefined;
  const file = await readFile(join(commonDir, "objects", commit.slice(0, 2), commit.slice(2))).catch(() => undefined);
  if (!file) return undefined;
  try {
    // A loose object is zlib over "commit <size>\0" and the commit's text.
    const text = inflateSync(file).toString("utf8");
    return text.startsWith("commit ") ? parseCommit(text.slice(text.indexOf("\0") + 1)) : undefined;
  } catch {
    return undefined;
  }
}

/** A commit's text (`git cat-file commit`), or undefined when it lacks a tree or an author. */
export function parseCommit(text: string): CommitObject | undefined {
  const end = text.indexOf("\n\n");
  const lines = (end === -1 ? text : text.slice(0, end)).split("\n");
  const field = (name: string) => lines.filter((line) => line.startsWith(`${name} `)).map((line) => line.slice(name.length + 1));
  const [tree] = field("tree");
  const [author] = field("author");
  if (!tree || !sha1.test(tree) || !author) return undefined;
  return { tree, parents: field("parent"), author, message: end === -1 ? "" : text.slice(end + 2) };
}

/**
 * Whether `ancestor` is in `head`'s history, walking at most `limit` loose commits back: true only
 * when found. Undefined when the walk meets a packed commit or the limit first (ask git then).
 */
export async function reachesFromFiles(commonDir: string, head: string, ancestor: string, limit = 64): Promise<boolean | undefined> {
  const seen = new Set<string>();
  let frontier = [head];
  while (frontier.length) {
    if (frontier.includes(ancestor)) return true;
    if (seen.size + frontier.length > limit) return undefined;
    frontier.forEach((commit) => seen.add(commit));
    const parents = await Promise.all(frontier.map(async (commit) => (await commitFromFile(commonDir, commit))?.parents));
    const known = parents.filter((found): found is string[] => found !== undefined);
    if (known.length < parents.length) return undefined;
    frontier = [...new Set(known.flat())].filter((commit) => !seen.has(commit));
  }
  return false;
}
