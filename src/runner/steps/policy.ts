// Step 1: the policy a job is judged by, read from its base commit (never the worker's worktree, so a
// worker cannot approve itself by editing the policy), with .worktreeinclude from the same commit.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { firstLine, gitBytes, gitRun } from "../../git/raw.js";
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
  return basePolicyOf(await baseFiles(root, commit), overlay);
}

/**
 * The host's policy file that differs from the one at the base commit (edited, or never
 * committed), if any: jobs never use it, and the person should hear so.
 */
export async function uncommittedPolicy(root: string, commit: string): Promise<string | undefined> {
  return uncommittedOf(root, await baseFiles(root, commit));
}

function basePolicyOf(files: BaseFiles, overlay?: string): BasePolicy {
  const found: PolicySource[] = [];
  for (const name of policyFileNames) {
    const text = underLimit(name, files.get(name));
    if (text) found.push({ name, text });
  }
  const policy = loadPolicy(pickPolicySource(found), { overlay });
  const include = underLimit(".worktreeinclude", files.get(".worktreeinclude"));
  return { policy, worktreeInclude: include?.toString("utf8") };
}

async function uncommittedOf(root: string, files: BaseFiles): Promise<string | undefined> {
  for (const name of policyFileNames) {
    const onDisk = await readFile(join(root, name)).catch(() => undefined);
    if (!onDisk) continue;
    const committed = files.get(name)?.bytes;
    if (!committed || !committed.equals(onDisk)) return name;
  }
  return undefined;
}

/** What the base commit holds of the files a job's policy comes from: each one's size, and its bytes when under the limit. */
type BaseFiles = Map<string, { size: number; bytes?: Buffer }>;

const baseFileNames = [...policyFileNames, ".worktreeinclude"];

/** The policy files at a commit in two git processes: their sizes, then the bytes of those under the limit (a blob over it is never read). */
async function baseFiles(root: string, commit: string): Promise<BaseFiles> {
  const checked = await gitRun(root, ["cat-file", "--batch-check=%(objectname) %(objecttype) %(objectsize)"], {
    input: baseFileNames.map((name) => `${commit}:${name}\n`).join(""),
  });
  if (checked.exitCode !== 0) throw new Error(`git cat-file failed: ${firstLine(checked.stderr)}`);
  const files: BaseFiles = new Map();
  const wanted: { name: string; object: string; size: number }[] = [];
  checked.stdout.split("\n").forEach((line, i) => {
    const [object, type, size] = line.split(" ");
    const name = baseFileNames[i];
    if (!name || type === "missing" || size === undefined) return;
    if (type !== "blob") throw new Error(`git cat-file failed: ${commit}:${name} is a ${type}, not a file`);
    files.set(name, { size: Number(size) });
    if (Number(size) <= maxPolicyBytes) wanted.push({ name, object: object!, size: Number(size) });
  });
  if (!wanted.length) return files;
  const out = await gitBytes(root, ["cat-file", "--batch"], wanted.map((file) => `${file.object}\n`).join(""));
  let at = 0;
  for (const file of wanted) {
    // Each answer: "<object> blob <size>\n", the bytes, "\n".
    at = out.indexOf("\n", at) + 1;
    files.set(file.name, { size: file.size, bytes: out.subarray(at, at + file.size) });
    at += file.size + 1;
  }
  return files;
}

/** A file's bytes, or undefined when the commit has none; one over the limit is refused. */
function underLimit(path: string, file: { size: number; bytes?: Buffer } | undefined): Buffer | undefined {
  if (!file) return undefined;
  if (file.size > maxPolicyBytes)
    throw new PolicyError([`${path}:1:1 [TOO_LARGE] ${path.split("/").at(-1)} is ${formatBytes(file.size)}; the limit is 64KiB`]);
  return file.bytes;
}

export interface SettledPolicy extends BasePolicy {
  facts: Pick<JobRecord, "policy_sources" | "policy_unused" | "settings" | "limits">;
}

export async function settlePolicy(job: Readonly<JobRecord>): Promise<SettledPolicy> {
  const files = await baseFiles(job.repo.root, job.base.commit);
  const base = basePolicyOf(files, job.policy_overlay);
  const unused = await uncommittedOf(job.repo.root, files);
  const limit = base.policy.worker.timeout_s;
  const settings = limit ? { ...job.settings, timeout_s: Math.min(job.settings.timeout_s, limit) } : job.settings;
  const { max_rounds = defaultMaxRounds, fix_rounds = defaultFixRounds, max_cost_usd } = base.policy.worker;
  const limits = { max_rounds, fix_rounds, ...(max_cost_usd === undefined ? {} : { max_cost_usd }) };
  return { ...base, facts: { policy_sources: base.policy.sources, ...(unused ? { policy_unused: unused } : {}), settings, limits } };
}
