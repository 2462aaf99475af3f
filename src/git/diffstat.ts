// What a job changed, from base..branch, in the compact shape the host reads.
import type { ChangeSummary } from "../facts/change.js";
import { firstLine, gitRun } from "./raw.js";

const topCount = 5;
const pathMax = 80;

export async function changeSummary(root: string, base: string, head: string): Promise<ChangeSummary> {
  const run = await gitRun(root, ["diff", "--numstat", "-M", `${base}..${head}`]);
  if (run.exitCode !== 0) throw new Error(`git diff failed: ${firstLine(run.stderr)}`);
  const files = numstatLines(run.stdout).sort((a, b) => weight(b) - weight(a));
  return {
    files: files.length,
    insertions: files.reduce((sum, file) => sum + (file.insertions ?? 0), 0),
    deletions: files.reduce((sum, file) => sum + (file.deletions ?? 0), 0),
    top: files
      .slice(0, topCount)
      .map((f) => (f.binary ? `${shortPath(f.file)} (binary)` : `${shortPath(f.file)} +${f.insertions} -${f.deletions}`)),
    more: Math.max(0, files.length - topCount),
  };
}

interface NumstatLine {
  file: string;
  binary: boolean;
  insertions?: number;
  deletions?: number;
}

/** `git diff --numstat` lines (not -z: a rename reads as git shows it, `dir/{old => new}`); a binary file counts `-`. */
export function numstatLines(stdout: string): NumstatLine[] {
  return stdout.split("\n").flatMap((line): NumstatLine[] => {
    const counted = /^(\d+)\t(\d+)\t(.+)$/.exec(line);
    if (counted) return [{ file: counted[3]!, binary: false, insertions: Number(counted[1]), deletions: Number(counted[2]) }];
    const binary = /^-\t-\t(.+)$/.exec(line);
    return binary ? [{ file: binary[1]!, binary: true }] : [];
  });
}

function weight(file: NumstatLine): number {
  return file.binary ? 0 : (file.insertions ?? 0) + (file.deletions ?? 0);
}

/** Keeps the end of a long path, where the file name is. */
export function shortPath(path: string): string {
  return path.length <= pathMax ? path : `…${path.slice(-(pathMax - 1))}`;
}
