// Reading a checkout's HEAD and a few branch heads straight from the git dir's files (loose refs,
// then packed-refs), for the control plane's every read: a git process costs more than the read
// it serves. Anything this does not understand (a linked worktree's HEAD, reftable, a symbolic
// chain) answers undefined, and the caller asks git instead.
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";

const objectId = /^[0-9a-f]{40}(?:[0-9a-f]{24})?$/;

/** HEAD's commit and each branch's, or undefined when the files do not settle it (ask git then). */
export async function headsFromFiles(gitDir: string, branches: string[]): Promise<{ head: string | undefined; branches: (string | undefined)[] } | undefined> {
  if (await stat(join(gitDir, "reftable")).then(() => true, () => false)) return undefined;
  const headText = (await readFile(join(gitDir, "HEAD"), "utf8").catch(() => undefined))?.trim();
  if (headText === undefined) return undefined;
  const packed = await packedRefs(gitDir);
  if (!packed) return undefined;
  const resolve = async (ref: string) => {
    const loose = (await readFile(join(gitDir, ref), "utf8").catch(() => undefined))?.trim();
    if (loose !== undefined) return objectId.test(loose) ? loose : null;
    return packed.get(ref);
  };
  let head: string | undefined;
  if (objectId.test(headText)) head = headText;
  else {
    const target = /^ref: (refs\/heads\/\S+)$/.exec(headText)?.[1];
    if (!target) return undefined;
    const resolved = await resolve(target);
    if (resolved === null) return undefined;
    head = resolved; // undefined: a branch with no commits yet
  }
  const heads: (string | undefined)[] = [];
  for (const branch of branches) {
    const resolved = await resolve(`refs/heads/${branch}`);
    if (resolved === null) return undefined;
    heads.push(resolved);
  }
  return { head, branches: heads };
}

/** packed-refs as ref → id; an empty map when there is none, undefined when it is not the plain format. */
async function packedRefs(gitDir: string): Promise<Map<string, string> | undefined> {
  const text = await readFile(join(gitDir, "packed-refs"), "utf8").catch(() => "");
  const refs = new Map<string, string>();
  for (const line of text.split("\n")) {
    if (!line || line.startsWith("#") || line.startsWith("^")) continue;
    const [id, ref] = line.split(" ");
    if (!id || !ref || !objectId.test(id)) return undefined;
    refs.set(ref, id);
  }
  return refs;
}
