// What of the worker's files never becomes a git object: a file over the policy's size limit, a
// file, link or path holding the provider key in any form the scanner knows, and a directory that
// holds a git repository of its own (git would record it as a submodule, or refuse). Objects written
// once stay in the host's object store even after discard, so these are judged before staging,
// and the verdict says what was withheld and why, never what the secret is.
import { lstat, readFile, readlink } from "node:fs/promises";
import { join } from "node:path";
import { pendingPaths, type WorktreePlace } from "../git/commit.js";
import type { ChangedFile } from "../facts/change.js";
import type { FiredRule, PolicyVerdict } from "../policy/evaluate.js";
import type { EffectivePolicy } from "../policy/layering.js";
import { pathMatcher } from "../policy/paths.js";
import { sizeBytes } from "../policy/sizes.js";
import type { SecretScanner } from "../secret/redact.js";
import type { Withheld } from "../facts/change.js";

/** The worker's pending files (pendingPaths' answer, when the caller has it) to keep out of the commit; `placed` (what setup put there) is not the worker's. */
export async function filesToWithhold(
  place: WorktreePlace,
  policy: EffectivePolicy,
  scanner: SecretScanner,
  placed: string[] = [],
  pending?: string[],
): Promise<Withheld[]> {
  const limit = sizeLimit(policy);
  const withheld: Withheld[] = [];
  const kept: { path: string; bytes: number }[] = [];
  for (const path of pending ?? (await pendingPaths(place))) {
    if (placed.includes(path.replace(/\/$/, ""))) continue;
    const { why, bytes } = await judge(join(place.worktree, path), path, limit(path), scanner);
    if (why) withheld.push({ path, why, ...(why === "size" ? { bytes } : {}) });
    else kept.push({ path, bytes });
  }
  return [...withheld, ...overTotal(kept)];
}

/** What a change may add to the object store in all: many files each under the size limit add up too. */
export const totalBytesMax = 64 * 1024 * 1024;

/** The largest files, withheld until what is left fits the total. */
function overTotal(kept: { path: string; bytes: number }[]): Withheld[] {
  let total = kept.reduce((sum, file) => sum + file.bytes, 0);
  const withheld: Withheld[] = [];
  for (const file of [...kept].sort((a, b) => b.bytes - a.bytes)) {
    if (total <= totalBytesMax) break;
    withheld.push({ path: file.path, why: "total", bytes: file.bytes });
    total -= file.bytes;
  }
  return withheld;
}

/** Why a pending path is withheld, if it is, and its size (0 for what is not a regular file). */
async function judge(file: string, path: string, limit: number, scanner: SecretScanner): Promise<{ why?: Withheld["why"]; bytes: number }> {
  if (scanner.found(path)) return { why: "secret", bytes: 0 };
  // git lists a directory holding a repository of its own once, with a trailing slash.
  if (path.endsWith("/")) return { why: "repository", bytes: 0 };
  const stat = await lstat(file).catch(() => undefined);
  if (!stat) return { bytes: 0 };
  if (stat.isSymbolicLink()) return scanner.found(await readlink(file)) ? { why: "secret", bytes: 0 } : { bytes: 0 };
  if (!stat.isFile()) return { bytes: 0 };
  if (stat.size > limit) return { why: "size", bytes: stat.size };
  return scanner.found(await readFile(file)) ? { why: "secret", bytes: stat.size } : { bytes: stat.size };
}

/** The smallest max-file-size limit that applies to a path (the floor always sets one). */
function sizeLimit(policy: EffectivePolicy): (path: string) => number {
  const rules = policy.rules.flatMap((rule) => {
    if (rule.type !== "max-file-size") return [];
    const params = rule.params as { max: number | string; exclude?: string[] };
    return [{ max: sizeBytes(params.max), excluded: params.exclude ? pathMatcher(params.exclude) : () => false }];
  });
  return (path) => Math.min(Infinity, ...rules.filter((rule) => !rule.excluded(path)).map((rule) => rule.max));
}

/**
 * What was withheld for its size or as a repository, as facts for the policy (they are the worker's
 * change too): max-file-size rules see the size, the floor's git-internals rule the planted .git.
 */
export function withheldFacts(withheld: Withheld[]): ChangedFile[] {
  return withheld.flatMap((file): ChangedFile[] => {
    if (file.why === "size") return [{ path: file.path, status: "added", insertions: 0, deletions: 0, binary: true, size: file.bytes }];
    if (file.why === "repository") return [{ path: `${file.path}.git`, status: "added", insertions: 0, deletions: 0, binary: true }];
    return [];
  });
}

export const secretRule = "floor-provider-key";
export const totalRule = "floor-change-size";

/** A verdict with what was withheld for the key or the total size in it: always reject, those reasons first. */
export function withWithheldJudged(
  verdict: PolicyVerdict,
  fired: FiredRule[],
  withheld: Withheld[],
): { verdict: PolicyVerdict; fired: FiredRule[] } {
  const added = [
    withheldRule(
      withheld,
      "secret",
      secretRule,
      "the provider key (or an encoding of it) was found in",
      "; not committed, and the diff is not served",
    ),
    withheldRule(
      withheld,
      "total",
      totalRule,
      `the change's files add up to more than ${totalBytesMax / 1024 / 1024}MiB; not committed:`,
      "",
    ),
  ].filter((rule) => rule !== undefined);
  if (!added.length) return { verdict, fired };
  const reasons = [...added.map((rule) => rule.reason), ...verdict.reasons].slice(0, 5);
  const more = (verdict.more ?? 0) + Math.max(0, verdict.reasons.length + added.length - 5);
  return { verdict: { verdict: "reject", reasons, ...(more ? { more } : {}) }, fired: [...added, ...fired] };
}

function withheldRule(withheld: Withheld[], why: Withheld["why"], rule: string, text: string, tail: string): FiredRule | undefined {
  const paths = withheld.filter((file) => file.why === why).map((file) => file.path);
  if (!paths.length) return undefined;
  const shown = paths.slice(0, 3).join(", ") + (paths.length > 3 ? ` +${paths.length - 3} more` : "");
  return {
    rule,
    type: why === "secret" ? "secrets" : "max-file-size",
    verdict: "reject",
    reason: `${rule}: ${text} ${shown}${tail}`,
    paths,
  };
}
