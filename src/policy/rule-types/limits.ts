// Rules that count: files changed, lines changed, files deleted, and the size of each file.
import type { ChangedFile } from "../../facts/change.js";
import { pathList, size, wholeNumber } from "../fields.js";
import { pathMatcher } from "../paths.js";
import { formatBytes, sizeBytes } from "../sizes.js";
import { listed, ruleType, type Finding } from "./entry.js";

const count = wholeNumber(0, 1_000_000);

export const maxFiles = ruleType({
  fails: "more than `max` files changed",
  verdict: "review",
  params: { max: count, exclude: pathList.optional() },
  find(params, { files }) {
    const counted = files.filter(notExcluded(params.exclude));
    return over(counted.length, params.max, (n, max) => `${fileCount(n)} changed, limit ${max}`);
  },
});

export const maxLines = ruleType({
  fails: "more text lines changed, added or deleted than a limit",
  verdict: "review",
  params: { max: count.optional(), max_added: count.optional(), max_deleted: count.optional(), exclude: pathList.optional() },
  oneOf: ["max", "max_added", "max_deleted"],
  find(params, { files }) {
    const counted = files.filter((file) => !file.binary).filter(notExcluded(params.exclude));
    const added = counted.reduce((sum, file) => sum + file.insertions, 0);
    const deleted = counted.reduce((sum, file) => sum + file.deletions, 0);
    const limits: [number, number | undefined, string][] = [
      [added + deleted, params.max, "changed"],
      [added, params.max_added, "added"],
      [deleted, params.max_deleted, "deleted"],
    ];
    const exceeded = limits.filter(([count, max]) => max !== undefined && count > max);
    if (!exceeded.length) return undefined;
    return {
      text: exceeded.map(([count, max, what]) => `${count} lines ${what}, limit ${max}`).join("; "),
      facts: true,
      items: [],
      paths: [],
    };
  },
});

export const maxDeletedFiles = ruleType({
  fails: "more than `max` files deleted",
  verdict: "review",
  params: { max: count, exclude: pathList.optional() },
  find(params, { files }) {
    const deleted = files.filter((file) => file.status === "deleted").filter(notExcluded(params.exclude));
    const finding = over(deleted.length, params.max, (n, max) => `${fileCount(n)} deleted, limit ${max}`);
    return finding && { ...finding, items: deleted.map((file) => file.path), paths: deleted.map((file) => file.path) };
  },
});

export const maxFileSize = ruleType({
  fails: "an added or modified file is larger than `max`",
  verdict: "reject",
  params: { max: size, exclude: pathList.optional() },
  find(params, { files }) {
    const limit = sizeBytes(params.max);
    const shown = typeof params.max === "string" ? params.max : formatBytes(limit);
    const large = files.filter((file) => file.status !== "deleted" && (file.size ?? 0) > limit).filter(notExcluded(params.exclude));
    const finding = listed(
      `larger than ${shown}`,
      large.map((file) => file.path),
    );
    return finding && { ...finding, items: large.map((file) => `${file.path} (${formatBytes(file.size!)})`) };
  },
});

function fileCount(n: number): string {
  return `${n} file${n === 1 ? "" : "s"}`;
}

function over(count: number, max: number, text: (count: number, max: number) => string): Finding | undefined {
  return count > max ? { text: text(count, max), facts: true, items: [], paths: [] } : undefined;
}

function notExcluded(exclude: string[] | undefined): (file: ChangedFile) => boolean {
  if (!exclude) return () => true;
  const excluded = pathMatcher(exclude);
  return (file) => !excluded(file.path);
}
