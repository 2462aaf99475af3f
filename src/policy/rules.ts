// What each rule type finds in a change. A finding is the generic text, the items a reason lists
// (paths, or detector and file:line), and the paths for the job record; no finding means it passed.
import { posix } from "node:path";
import type { ChangedFile, CheckOutcome } from "../facts/change.js";
import { lockfileSyncProblems } from "./lockfiles.js";
import type { EffectivePolicy, EffectiveRule, RuleParams } from "./layering.js";
import { pathMatcher, type PathMatcher } from "./paths.js";
import type { ChangeKind } from "./schema.js";
import { builtinDetectors, customDetector, detectorIds, scanForSecrets } from "./secrets.js";
import { formatBytes, sizeBytes } from "./sizes.js";

export interface Finding {
  text: string;
  /** The text states numbers worth keeping next to a rule's own reason. */
  facts?: true;
  items: string[];
  paths: string[];
}

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

export function ruleFinding(rule: EffectiveRule, files: ChangedFile[], checks: CheckOutcome[], policy: EffectivePolicy): Finding | undefined {
  switch (rule.type) {
    case "allowed-paths": {
      const allowed = pathMatcher(rule.params.paths);
      return listed("changed outside the allowed paths", pathEvents(files).filter((event) => !allowed(event.path)).map((event) => event.path));
    }
    case "forbidden-paths":
    case "protected-paths":
      return listed(rule.type === "forbidden-paths" ? "forbidden path changed" : "protected path changed", matchingPaths(rule.params, files));
    case "max-files": {
      const counted = files.filter(notExcluded(rule.params.exclude));
      return over(counted.length, rule.params.max, (n, max) => `${fileCount(n)} changed, limit ${max}`);
    }
    case "max-lines":
      return maxLines(rule.params, files);
    case "max-deleted-files": {
      const deleted = files.filter((file) => file.status === "deleted").filter(notExcluded(rule.params.exclude));
      const finding = over(deleted.length, rule.params.max, (n, max) => `${fileCount(n)} deleted, limit ${max}`);
      return finding && { ...finding, items: deleted.map((file) => file.path), paths: deleted.map((file) => file.path) };
    }
    case "max-file-size": {
      const limit = sizeBytes(rule.params.max);
      const shown = typeof rule.params.max === "string" ? rule.params.max : formatBytes(limit);
      const large = files.filter((file) => file.status !== "deleted" && (file.size ?? 0) > limit).filter(notExcluded(rule.params.exclude));
      const finding = listed(`larger than ${shown}`, large.map((file) => file.path));
      return finding && { ...finding, items: large.map((file) => `${file.path} (${formatBytes(file.size!)})`) };
    }
    case "binary-files": {
      const allowed = rule.params.allow ? pathMatcher(rule.params.allow) : () => false;
      const binaries = files.filter((file) => file.binary && (file.status === "added" || file.status === "modified") && !allowed(file.path));
      return listed("binary file added or changed", binaries.map((file) => file.path));
    }
    case "lockfile-sync": {
      const { unlocked, orphaned } = lockfileSyncProblems(rule.params.pairs, files);
      if (!unlocked.length && !orphaned.length) return undefined;
      const text = !orphaned.length ? "manifest changed without its lockfile" : !unlocked.length ? "lockfile changed without its manifest" : "manifests and lockfiles out of step";
      return listed(text, [...unlocked, ...orphaned]);
    }
    case "secrets":
      return secrets(rule.params, files);
    case "tests-required": {
      const source = pathMatcher(rule.params.source);
      const tests = pathMatcher(rule.params.tests);
      const present = files.filter((file) => file.status !== "deleted");
      if (present.some((file) => tests(file.path))) return undefined;
      return listed("source changed without a test change", present.filter((file) => source(file.path)).map((file) => file.path));
    }
    case "checks-ran": {
      const configured = Object.keys(policy.checks);
      const ran = checks.filter((check) => configured.includes(check.name) && check.outcome !== "skipped").length;
      if (ran >= rule.params.min!) return undefined;
      if (!configured.length) return { text: "no checks are configured, so nothing was verified", items: [], paths: [] };
      return { text: `${ran} of ${configured.length} checks ran, at least ${rule.params.min} needed`, facts: true, items: [], paths: [] };
    }
    case "symlinks": {
      const escaping = files.flatMap((file) => file.escapingLinks ?? (file.mode === "120000" && file.status !== "deleted" && escapes(file.path, file.symlinkTarget) ? [file.path] : []));
      return listed("symlink points outside the repository", escaping);
    }
    case "submodules":
      return listed("submodule pointer changed", files.filter((file) => file.mode === "160000").map((file) => file.path));
  }
}

function fileCount(n: number): string {
  return `${n} file${n === 1 ? "" : "s"}`;
}

function listed(text: string, paths: string[]): Finding | undefined {
  const unique = [...new Set(paths)];
  return unique.length ? { text, items: unique, paths: unique } : undefined;
}

function over(count: number, max: number, text: (count: number, max: number) => string): Finding | undefined {
  return count > max ? { text: text(count, max), facts: true, items: [], paths: [] } : undefined;
}

function notExcluded(exclude: string[] | undefined): (file: ChangedFile) => boolean {
  if (!exclude) return () => true;
  const excluded: PathMatcher = pathMatcher(exclude);
  return (file) => !excluded(file.path);
}

function matchingPaths(params: RuleParams<"forbidden-paths">, files: ChangedFile[]): string[] {
  const matches = pathMatcher(params.paths);
  const on = params.on;
  return pathEvents(files)
    .filter((event) => matches(event.path) && (!on || event.kinds.some((kind) => on.includes(kind))))
    .map((event) => event.path);
}

function maxLines(params: RuleParams<"max-lines">, files: ChangedFile[]): Finding | undefined {
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
  return { text: exceeded.map(([count, max, what]) => `${count} lines ${what}, limit ${max}`).join("; "), facts: true, items: [], paths: [] };
}

function secrets(params: RuleParams<"secrets">, files: ChangedFile[]): Finding | undefined {
  const ids = params.detectors === "all" || params.detectors === undefined ? detectorIds : params.detectors;
  const findings = scanForSecrets(
    files.filter((file) => !file.binary && file.status !== "deleted").map((file) => ({ path: file.path, addedLines: file.addedLines ?? [] })),
    {
      detectors: [...builtinDetectors(ids), ...(params.custom ?? []).map(customDetector)],
      allowPaths: params.allow?.paths ? pathMatcher(params.allow.paths) : undefined,
      allowPatterns: (params.allow?.patterns ?? []).map((pattern) => new RegExp(pattern)),
    },
  );
  if (!findings.length) return undefined;
  return {
    text: "credential in added lines",
    items: findings.map((finding) => `${finding.detector} at ${finding.path}:${finding.line}`),
    paths: [...new Set(findings.map((finding) => finding.path))],
  };
}

/**
 * For facts without `escapingLinks`: lexically, an absolute target or one whose ".." climbs above
 * the root; unknown targets count.
 */
function escapes(path: string, target: string | undefined): boolean {
  if (target === undefined || target.startsWith("/")) return true;
  const resolved = posix.normalize(posix.join(posix.dirname(path), target));
  return resolved === ".." || resolved.startsWith("../");
}
