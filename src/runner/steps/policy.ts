// Step 1: the policy a job is judged by, read from its base commit (never the worker's worktree, so a
// worker cannot approve itself by editing the policy), with .worktreeinclude from the same commit.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { gitBytes, gitRun } from "../../git/raw.js";
import { loadPolicy, pickPolicySource, PolicyError, policyFileNames, type PolicySource } from "../../policy/load.js";
import type { EffectivePolicy } from "../../policy/layering.js";
import { maxPolicyBytes } from "../../policy/parse.js";
import { formatBytes } from "../../policy/sizes.js";
import { defaultFixRounds, defaultMaxRounds, type JobRecord } from "../../store/record.js";

export interface BasePolicy {
  policy: EffectivePolicy;
  worktreeInclude?: string;
}

/** Throws PolicyError (file:line:col [CODE] key: message) when the policy stack is invalid. */
export async function readBasePolicy(root: string, commit: string, overlay?: string): Promise<BasePolicy> {
  const found: PolicySource[] = [];
  for (const name of policyFileNames) {
    const text = await blobAt(root, commit, name, maxPolicyBytes);
    if (text) found.push({ name, text });
  }
  const policy = loadPolicy(pickPolicySource(found), { overlay });
  const include = await blobAt(root, commit, ".worktreeinclude", maxPolicyBytes);
  return { policy, worktreeInclude: include?.toString("utf8") };
}

/**
 * The host's policy file that differs from the one at the base commit (edited, or never
 * committed), if any: jobs never use it, and the person should hear so.
 */
export async function uncommittedPolicy(root: string, commit: string): Promise<string | undefined> {
  for (const name of policyFileNames) {
    const onDisk = await readFile(join(root, name)).catch(() => undefined);
    if (!onDisk) continue;
    const committed = await blobAt(root, commit, name, maxPolicyBytes).catch(() => undefined);
    if (!committed || !committed.equals(onDisk)) return name;
  }
  return undefined;
}

/** A file's bytes at a commit, or undefined when it has none; a blob over the limit is refused unread. */
async function blobAt(root: string, commit: string, path: string, limit: number): Promise<Buffer | undefined> {
  const size = await gitRun(root, ["cat-file", "-s", `${commit}:${path}`]);
  if (size.exitCode !== 0) return undefined;
  const bytes = Number(size.stdout.trim());
  if (bytes > limit)
    throw new PolicyError([`${path}:1:1 [TOO_LARGE] ${path.split("/").at(-1)} is ${formatBytes(bytes)}; the limit is 64KiB`]);
  return gitBytes(root, ["cat-file", "blob", `${commit}:${path}`]);
}

export interface SettledPolicy extends BasePolicy {
  facts: Pick<JobRecord, "policy_sources" | "policy_unused" | "settings" | "limits">;
}

export async function settlePolicy(job: Readonly<JobRecord>): Promise<SettledPolicy> {
  const base = await readBasePolicy(job.repo.root, job.base.commit, job.policy_overlay);
  const unused = await uncommittedPolicy(job.repo.root, job.base.commit);
  const limit = base.policy.worker.timeout_s;
  const settings = limit ? { ...job.settings, timeout_s: Math.min(job.settings.timeout_s, limit) } : job.settings;
  const { max_rounds = defaultMaxRounds, fix_rounds = defaultFixRounds, max_cost_usd } = base.policy.worker;
  const limits = { max_rounds, fix_rounds, ...(max_cost_usd === undefined ? {} : { max_cost_usd }) };
  return { ...base, facts: { policy_sources: base.policy.sources, ...(unused ? { policy_unused: unused } : {}), settings, limits } };
}
