// `code-worker policy test`: the committed policy's worktree setup and checks, run the way a job
// runs them (a fresh worktree of HEAD, the runner's own setup code, the job's sandbox and scrubbed
// environment) but with no worker, so a person learns whether their checks work before paying for
// one. Nothing of it stays: the worktree (detached, no branch) and runtime dirs go however it ends.
import { readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { runPolicyCommand, type CommandOutcome, type CommandPlace } from "../checks/run-command.js";
import type { Config } from "../config.js";
import { UserError } from "../errors.js";
import { resolveCommit, resolveRepo } from "../git/repo.js";
import { addWorktree, removeWorktree } from "../git/worktree.js";
import type { EffectivePolicy } from "../policy/layering.js";
import { readKey } from "../runner/key.js";
import { chownTree, commandConfinement, createRuntime, jobConfinement, linkedDirs, type Runtime } from "../runner/runtime.js";
import { readBasePolicy, uncommittedPolicy } from "../runner/steps/policy.js";
import { display, prepareWorktree } from "../runner/worktree-prep.js";
import { redactor } from "../secret/redact.js";
import { HomeLayout } from "../store/home.js";
import { newJobId } from "../store/ids.js";
import type { JobRecord } from "../store/record.js";
import { JobStore } from "../store/store.js";
import { sandboxProblem } from "../worker/sandbox.js";
import { hiddenLinks, missingPrograms } from "./sandbox-hints.js";

export interface TrialStep {
  kind: "setup" | "check";
  name: string;
  run: string;
  /** not_run: a setup step failed before it, as it would end a job. */
  outcome: CommandOutcome["outcome"] | "not_run";
  exit_code?: number;
  duration_s?: number;
  /** The last lines of its log, the runner's `[exit N]` footer left out. */
  tail: string[];
  /** What the sandbox lacks, one line each. */
  hints: string[];
  /** A job runs this check only when these paths changed. */
  when_changed?: string[];
}

export interface Trial {
  commit: string;
  policy: string;
  sandbox: boolean;
  /** The checkout's policy file that differs from HEAD's and so was not used. */
  uncommitted?: string;
  /** About the directories worktree.link shares: links inside them the sandbox cannot follow. */
  hints: string[];
  steps: TrialStep[];
}

export interface TrialOptions {
  cwd: string;
  setup: boolean;
  checks: boolean;
  config: Config;
  signal: AbortSignal;
}

const tailLines = { pass: 3, other: 15 };

/** What of a job the trial has: enough for the runner's worktree and sandbox code. */
type TrialJob = Pick<JobRecord, "id" | "repo" | "worktree"> & { settings: Pick<JobRecord["settings"], "home"> };

export async function runTrial(options: TrialOptions): Promise<Trial> {
  const { config } = options;
  const repo = await resolveRepo(options.cwd);
  const commit = await resolveCommit(repo.root, "HEAD");
  if (config.sandbox) {
    const problem = await sandboxProblem();
    if (problem) throw new UserError("prerequisite", `${problem}; or set CODE_WORKER_SANDBOX=off to run without it`);
  }
  const { policy, worktreeInclude } = await readBasePolicy(repo.root, commit);
  const uncommitted = await uncommittedPolicy(repo.root, commit);
  const home = new HomeLayout(config.home);
  const id = newJobId("policy-test");
  const job = {
    id,
    repo: { root: repo.root, common_dir: repo.commonDir },
    worktree: home.worktree(id),
    settings: { home: config.home },
  } satisfies TrialJob;
  let runtime: Runtime | undefined;
  try {
    runtime = await createRuntime(home, id);
    // Detached: no branch, so the host's refs stay exactly as they were.
    await addWorktree(repo.root, job.worktree, undefined, commit, join(JobStore.forCommonDir(repo.commonDir).root, "worktree-add.lock"));
    const place = await commandPlace(job, runtime, policy, config, options.signal);
    const trial: Trial = {
      commit,
      policy: policy.sources,
      sandbox: config.sandbox,
      ...(uncommitted ? { uncommitted } : {}),
      hints: [],
      steps: [],
    };
    const setupOk = await runSetup(job, policy, worktreeInclude, place, runtime, options, trial);
    if (options.checks) await runTrialChecks(job, policy, place, setupOk, trial);
    return trial;
  } finally {
    await removeTrial(repo.root, job.worktree, runtime);
  }
}

/** Where the commands run: exactly a job's place, its logs in the runtime dir that goes afterwards. */
async function commandPlace(
  job: TrialJob,
  runtime: Runtime,
  policy: EffectivePolicy,
  config: Config,
  signal: AbortSignal,
): Promise<Omit<CommandPlace, "network">> {
  const keyFile = config.keySource.kind === "file" ? config.keySource.path : undefined;
  const confinement = config.sandbox ? jobConfinement(job, runtime, linkedDirs(job, policy), keyFile) : undefined;
  // Nothing here needs the key, but its output is redacted as a job's is, when the key can be read.
  const key = config.keySource.kind === "none" ? undefined : await readKey(config.keySource).catch(() => undefined);
  return {
    worktree: job.worktree,
    logDir: join(runtime.dir, "logs"),
    home: runtime.commands.home,
    confinement: confinement && commandConfinement(confinement, job, runtime),
    redact: redactor(key),
    signal,
  };
}

/** Copies, links and (with --setup, the default) the setup steps; false when a step failed. */
async function runSetup(
  job: TrialJob,
  policy: EffectivePolicy,
  worktreeInclude: string | undefined,
  place: Omit<CommandPlace, "network">,
  runtime: Runtime,
  options: TrialOptions,
  trial: Trial,
): Promise<boolean> {
  const setup = options.setup ? policy.worktree.setup : {};
  const ended: [string, CommandOutcome][] = [];
  const handOver = async () => {
    if (runtime.uid !== undefined) await chownTree(job.worktree, runtime.uid, runtime.uid);
    if (place.confinement) trial.hints.push(...(await hiddenLinks(job, policy.worktree.link, place)));
  };
  let ok = true;
  try {
    await prepareWorktree({
      job,
      policy: { ...policy, worktree: { ...policy.worktree, setup } },
      worktreeInclude,
      place,
      handOver,
      onStep: (name, outcome) => ended.push([name, outcome]),
    });
  } catch (error) {
    if (!(error instanceof UserError && error.code === "prerequisite" && error.data.step !== undefined)) throw error;
    ok = false;
  }
  for (const [name, outcome] of ended) {
    const step = setup[name]!;
    trial.steps.push({ kind: "setup", name, run: display(step.run), ...(await stepFacts(outcome, place, name, step.env, job)) });
  }
  return ok;
}

/** Every check, when_changed or not: the point is to learn whether each one works in the sandbox. */
async function runTrialChecks(
  job: TrialJob,
  policy: EffectivePolicy,
  place: Omit<CommandPlace, "network">,
  setupOk: boolean,
  trial: Trial,
): Promise<void> {
  for (const [name, check] of Object.entries(policy.checks)) {
    const base = {
      kind: "check" as const,
      name,
      run: display(check.run),
      ...(check.when_changed ? { when_changed: check.when_changed } : {}),
    };
    if (!setupOk || place.signal.aborted) {
      trial.steps.push({ ...base, outcome: "not_run", tail: [], hints: [] });
      continue;
    }
    const outcome = await runPolicyCommand(name, check, { ...place, network: false });
    trial.steps.push({ ...base, ...(await stepFacts(outcome, place, name, check.env, job)) });
  }
}

/** A step's outcome with its log's tail and, when it failed, what the sandbox lacked. */
async function stepFacts(
  outcome: CommandOutcome,
  place: Omit<CommandPlace, "network">,
  name: string,
  env: Record<string, string> | undefined,
  job: TrialJob,
): Promise<Pick<TrialStep, "outcome" | "exit_code" | "duration_s" | "tail" | "hints">> {
  const lines = (await readFile(join(place.logDir, `${name}.log`), "utf8").catch(() => ""))
    .split("\n")
    .filter((line) => line.trim() && !/^\[exit -?\d+\]$/.test(line));
  const passed = outcome.outcome === "pass";
  const hints = passed ? [] : missingPrograms(lines.slice(-40), { job, path: env?.PATH, sandbox: place.confinement !== undefined });
  return {
    outcome: outcome.outcome,
    ...(outcome.exit_code !== undefined ? { exit_code: outcome.exit_code } : {}),
    duration_s: outcome.duration_s,
    tail: lines.slice(-(passed ? tailLines.pass : tailLines.other)),
    hints,
  };
}

/** Removes the worktree and the runtime dirs; each even when another part failed. */
async function removeTrial(root: string, worktree: string, runtime: Runtime | undefined): Promise<void> {
  const parts: [string, () => Promise<unknown>][] = [
    ["take the worktree back", async () => runtime?.uid !== undefined && (await chownTree(worktree, process.getuid!(), process.getgid!()))],
    ["remove the worktree", () => removeWorktree(root, worktree)],
    ["remove the runtime dir", async () => runtime && (await rm(runtime.dir, { recursive: true, force: true }))],
  ];
  for (const [what, part] of parts) {
    await part().catch((error: unknown) => console.error(`code-worker: could not ${what} (${worktree}): ${String(error)}`));
  }
}
