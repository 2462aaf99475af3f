// A commit's tree read straight from its loose object file, for the control plane's every read: a
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
