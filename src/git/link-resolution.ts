// Where a symlink of a commit's tree leads, walked name by name the way the kernel walks a path: a
// link met on the way is replaced by its target, relative to the link's directory, so a chain of
// links, or a link through a linked directory, is judged by where it finally lands rather than by
// its own target text. Pure: the tree comes in as data (read by tree-links.ts).

/** The links and directories of one commit's tree. */
export interface TreeLinks {
  /** Link path → target; undefined when the target could not be read exactly, which counts as escaping. */
  links: ReadonlyMap<string, string | undefined>;
  dirs: ReadonlySet<string>;
}

export interface LinkResolution {
  escapes: boolean;
  /** Where the path lands when it stays inside ("." is the root); it need not exist. */
  path?: string;
  /** Every path the walk looked up in the tree: only a change at one of them can move where it lands. */
  asked: string[];
}

/** Linux's MAXSYMLINKS: past it the kernel gives ELOOP, and so a loop never lands anywhere. */
const maxExpansions = 40;

export function resolveInTree(tree: TreeLinks, path: string): LinkResolution {
  const asked: string[] = [];
  const names: string[] = [];
  // How many leading names are directories of the tree. Under a missing path or a file nothing can
  // be a link, so the rest is walked lexically: stricter than the kernel, which stops there with
  // ENOENT, and still right if the worktree creates that directory later.
  let inTree = 0;
  const pending = reversedNames(path);
  let expansions = 0;
  while (pending.length) {
    const name = pending.pop()!;
    if (name === "" || name === ".") continue;
    if (name === "..") {
      if (!names.length) return { escapes: true, asked };
      names.pop();
      inTree = Math.min(inTree, names.length);
      continue;
    }
    if (inTree < names.length) {
      names.push(name);
      continue;
    }
    const candidate = [...names, name].join("/");
    asked.push(candidate);
    if (tree.links.has(candidate)) {
      const target = tree.links.get(candidate);
      if (target === undefined || target.startsWith("/") || ++expansions > maxExpansions) return { escapes: true, asked };
      pending.push(...reversedNames(target));
      continue;
    }
    names.push(name);
    if (tree.dirs.has(candidate)) inTree++;
  }
  return { escapes: false, path: names.join("/") || ".", asked };
}

/** Last name first, so the walk pops them in order and a link's target goes in front of what is left. */
function reversedNames(path: string): string[] {
  return path.split("/").reverse();
}

/** A changed path that is a symlink on at least one side of the change. */
export interface LinkChange {
  path: string;
  oldPath?: string;
}

/**
 * For each change (which must be every change that touches a link), the head tree's links that
 * resolve outside the repository because of it: its own path when it is a link that escapes, and
 * each unchanged link that escapes at head but not at base and whose walk looked up the change's
 * path. Walks that look up the same answers land in the same place, so an unchanged link that
 * newly escapes always looked up a changed link on one side or the other.
 */
export function escapingLinks(base: TreeLinks, head: TreeLinks, changes: LinkChange[]): string[][] {
  const found = changes.map((change) => (head.links.has(change.path) && resolveInTree(head, change.path).escapes ? [change.path] : []));
  const changesAt = new Map<string, number[]>();
  changes.forEach((change, i) => {
    for (const path of [change.path, change.oldPath]) if (path !== undefined) changesAt.set(path, [...(changesAt.get(path) ?? []), i]);
  });
  for (const link of head.links.keys()) {
    if (changesAt.has(link)) continue;
    const now = resolveInTree(head, link);
    if (!now.escapes) continue;
    const before = resolveInTree(base, link);
    if (before.escapes) continue;
    const blamed = new Set([...now.asked, ...before.asked].flatMap((path) => changesAt.get(path) ?? []));
    for (const i of blamed) found[i]!.push(link);
  }
  return found;
}
