// The facts of a change, as git, the checks and the policy all speak of them: git computes them,
// the checks and the policy read them, and none of those three imports another for them.

export interface ChangedFile {
  path: string;
  /** The path before a rename. */
  oldPath?: string;
  status: "added" | "modified" | "deleted" | "renamed";
  /** 0 and 0 for binaries. */
  insertions: number;
  deletions: number;
  binary: boolean;
  /** git's mode: "120000" is a symlink, "160000" a submodule. */
  mode?: string;
  /** Bytes of the new blob of an added or modified file. */
  size?: number;
  symlinkTarget?: string;
  /**
   * Set when a side of the change is a symlink: the head tree's links that resolve outside the
   * repository because of it, following every link on the way as a checkout would. Its own path
   * when it is such a link, and unchanged links that escape only since this change.
   */
  escapingLinks?: string[];
  /** Added lines of text files, for the secrets rules. */
  addedLines?: { line: number; text: string }[];
  /** package.json only: its text before and after; a side is missing when added, deleted or unreadable. */
  manifestText?: { before?: string; after?: string };
}

export interface CheckOutcome {
  name: string;
  outcome: "pass" | "fail" | "timeout" | "error" | "skipped";
  exit_code?: number;
  duration_s?: number;
}

export interface ChangeSummary {
  files: number;
  insertions: number;
  deletions: number;
  /** Largest changes first, as "path +a -d". */
  top: string[];
  /** How many changed files `top` leaves out. */
  more: number;
}

/** A file of the worker's kept out of the commit: it holds the key, is over a size limit, or is a nested repository. */
export interface Withheld {
  path: string;
  why: "secret" | "size" | "total" | "repository";
  /** The file's size, for a file withheld for its size. */
  bytes?: number;
}
