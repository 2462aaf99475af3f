// lockfile-sync: a manifest and its lockfile change together. Only changed files are known here, so
// "its lockfile" is a changed lockfile of the pair in the manifest's directory or an ancestor (a
// workspace package locks at the root), and a lockfile needs a changed manifest at or below it.
import { posix } from "node:path";

export interface LockfilePair {
  manifest: string;
  lockfiles: string[];
  deps_only?: boolean;
}

export interface ManifestChange {
  path: string;
  /** Without it the manifest counts as changed. */
  manifestText?: { before?: string; after?: string };
}

export function lockfileSyncProblems(pairs: LockfilePair[], changed: ManifestChange[]): { unlocked: string[]; orphaned: string[] } {
  const unlocked: string[] = [];
  const orphaned: string[] = [];
  for (const pair of pairs) {
    const manifests = changed.filter((file) => posix.basename(file.path) === pair.manifest);
    const locks = changed.filter((file) => pair.lockfiles.includes(posix.basename(file.path)));
    for (const manifest of manifests) {
      if (pair.deps_only && manifest.manifestText && !packageDepsChanged(manifest.manifestText.before, manifest.manifestText.after))
        continue;
      const dir = posix.dirname(manifest.path);
      if (!locks.some((lock) => contains(posix.dirname(lock.path), dir))) unlocked.push(manifest.path);
    }
    for (const lock of locks) {
      const dir = posix.dirname(lock.path);
      if (!manifests.some((manifest) => contains(dir, posix.dirname(manifest.path)))) orphaned.push(lock.path);
    }
  }
  return { unlocked, orphaned };
}

function contains(ancestor: string, dir: string): boolean {
  return ancestor === "." || ancestor === dir || dir.startsWith(`${ancestor}/`);
}

/** package.json fields whose change should show in a lockfile. */
const dependencyFields = [
  "dependencies",
  "devDependencies",
  "peerDependencies",
  "optionalDependencies",
  "bundleDependencies",
  "bundledDependencies",
  "overrides",
  "resolutions",
  "workspaces",
  "pnpm",
];

/** Whether a package.json change touches dependencies; an added, deleted or unparsable file does. */
export function packageDepsChanged(oldText: string | undefined, newText: string | undefined): boolean {
  if (oldText === undefined || newText === undefined) return true;
  let before: Record<string, unknown>;
  let after: Record<string, unknown>;
  try {
    before = JSON.parse(oldText) as Record<string, unknown>;
    after = JSON.parse(newText) as Record<string, unknown>;
  } catch {
    return true;
  }
  if (!isObject(before) || !isObject(after)) return true;
  return dependencyFields.some((field) => canonical(before[field]) !== canonical(after[field]));
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** JSON with sorted keys: reordering dependencies changes nothing in a lockfile. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (isObject(value)) {
    return `{${Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonical(value[key])}`)
      .join(",")}}`;
  }
  return JSON.stringify(value) ?? "undefined";
}
