// The paths a change touched and how, as the path rules and the checks' when_changed read them.
import type { ChangedFile } from "../facts/change.js";

export const changeKinds = ["added", "modified", "deleted", "renamed"] as const;
export type ChangeKind = (typeof changeKinds)[number];

/** One path a change touched and how; a rename is its old path deleted and its new path added. */
export interface PathEvent {
  path: string;
  kinds: ChangeKind[];
}

export function pathEvents(files: ChangedFile[]): PathEvent[] {
  return files.flatMap((file): PathEvent[] => {
    if (file.status !== "renamed" || file.oldPath === undefined) return [{ path: file.path, kinds: [file.status] }];
    return [
      { path: file.oldPath, kinds: ["deleted", "renamed"] },
      { path: file.path, kinds: ["added", "renamed"] },
    ];
  });
}
