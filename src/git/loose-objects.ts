// A commit's tree, or whether it descends from another, read straight from loose object files, for the control plane's every read: a
// git process costs more than the read it serves. A commit git has packed (or keeps elsewhere, or
// in another object format) answers undefined, and the caller asks git instead.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { inflateSync } from "node:zlib";

const sha1 = /^[0-9a-f]{40}$/;

export async function commitTreeFromFile(commonDir: string, commit: string): Promise<string | undefined> {
  if (!sha1.test(commit)) return undefined;
  const file = await readFile(join(commonDir, "objects", commit.slice(0, 2), commit.slice(2))).catch(() => undefined);
  if (!file) return undefined;
  try {
    // A loose object is zlib over "commit <size>\0" and the commit's text, whose first line names its tree.
    const head = inflateSync(file).subarray(0, 80).toString("latin1");
    return /^commit \d+\0tree ([0-9a-f]{40})\n/.exec(head)?.[1];
  } catch {
    return undefined;
  }
}

/** A commit's parents from its loose object, or undefined when the file does not settle it. */
async function parentsFromFile(commonDir: string, commit: string): Promise<string[] | undefined> {
  if (!sha1.test(commit)) return undefined;
  const file = await readFile(join(commonDir, "objects", commit.slice(0, 2), commit.slice(2))).catch(() => undefined);
  if (!file) return undefined;
  try {
    const text = inflateSync(file).toString("latin1");
    if (!text.startsWith("commit ")) return undefined;
    const header = text.slice(text.indexOf("\0") + 1, text.indexOf("\n\n"));
    return header
      .split("\n")
      .filter((line) => line.startsWith("parent "))
      .map((line) => line.slice("parent ".length));
  } catch {
    return undefined;
  }
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
    const parents = await Promise.all(frontier.map((commit) => parentsFromFile(commonDir, commit)));
    const known = parents.filter((found): found is string[] => found !== undefined);
    if (known.length < parents.length) return undefined;
    frontier = [...new Set(known.flat())].filter((commit) => !seen.has(commit));
  }
  return false;
}
