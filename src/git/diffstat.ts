// What a job changed, from base..branch, in the compact shape the host reads.
import type { ChangeSummary } from "../facts/change.js";
import { git } from "./repo.js";

const topCount = 5;
const pathMax = 80;

export async function changeSummary(root: string, base: string, head: string): Promise<ChangeSummary> {
  const diff = await git(root).diffSummary(["--numstat", "-M", `${base}..${head}`]);
  const files = [...diff.files].sort((a, b) => weight(b) - weight(a));
  return {
    files: files.length,
    insertions: diff.insertions,
    deletions: diff.deletions,
    top: files
      .slice(0, topCount)
      .map((f) => (f.binary ? `${shortPath(f.file)} (binary)` : `${shortPath(f.file)} +${f.insertions} -${f.deletions}`)),
    more: Math.max(0, files.length - topCount),
  };
}

function weight(file: { binary: boolean } & Partial<{ insertions: number; deletions: number }>): number {
  return file.binary ? 0 : (file.insertions ?? 0) + (file.deletions ?? 0);
}

/** Keeps the end of a long path, where the file name is. */
export function shortPath(path: string): string {
  return path.length <= pathMax ? path : `…${path.slice(-(pathMax - 1))}`;
}
