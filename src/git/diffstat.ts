// What a job changed, in the compact shape the host reads: counts and the biggest files, from the
// inventory the policy judges (one listing of base..branch serves both).
import type { ChangedFile, ChangeSummary } from "../facts/change.js";

const topCount = 5;
const pathMax = 80;

export function changeSummary(files: readonly ChangedFile[]): ChangeSummary {
  const heaviest = [...files].sort((a, b) => weight(b) - weight(a));
  return {
    files: files.length,
    insertions: files.reduce((sum, file) => sum + file.insertions, 0),
    deletions: files.reduce((sum, file) => sum + file.deletions, 0),
    top: heaviest.slice(0, topCount).map((file) => {
      const name = shortPath(file.oldPath ? renamed(file.oldPath, file.path) : file.path);
      return file.binary ? `${name} (binary)` : `${name} +${file.insertions} -${file.deletions}`;
    }),
    more: Math.max(0, files.length - topCount),
  };
}

function weight(file: ChangedFile): number {
  return file.binary ? 0 : file.insertions + file.deletions;
}

/** A rename as git prints it: the directories both paths share outside the braces, `src/{old => new}.ts`. */
export function renamed(from: string, to: string): string {
  let head = 0;
  for (let i = 0; i < Math.min(from.length, to.length) && from[i] === to[i]; i++) if (from[i] === "/") head = i + 1;
  let tail = 0;
  for (let i = 1; i <= Math.min(from.length, to.length) - head && from.at(-i) === to.at(-i); i++) if (from.at(-i) === "/") tail = i;
  const middle = (path: string) => path.slice(head, path.length - tail);
  if (!head && !tail) return `${from} => ${to}`;
  return `${from.slice(0, head)}{${middle(from)} => ${middle(to)}}${from.slice(from.length - tail)}`;
}

/** Keeps the end of a long path, where the file name is. */
export function shortPath(path: string): string {
  return path.length <= pathMax ? path : `…${path.slice(-(pathMax - 1))}`;
}
