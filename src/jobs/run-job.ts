// The life of one job, top to bottom: slot, policy and worktree, worker, commit, checks, verdict,
// terminal state. Runs inside the detached runner process; the control plane only reads what it writes.
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { checkCounts, runChecks } from "../checks/run-checks.js";
import { loadConfig, type Config } from "../config.js";
import { UserError } from "../errors.js";
import { addTrailers, commitAll } from "../git/commit.js";
import { changeSummary } from "../git/diffstat.js";
import { changeInventory } from "../git/inventory.js";
import { mergeStatus } from "../git/merge.js";
import { git } from "../git/repo.js";
import { addWorktree } from "../git/worktree.js";
import { startTicks } from "../os/processes.js";
import { evaluatePolicy, type ChangedFile, type CheckOutcome } from "../policy/evaluate.js";
import type { EffectivePolicy } from "../policy/merge.js";
import { claudeBinary } from "../worker/claude-bin.js";
import { workerCommand } from "../worker/command.js";
import { startWorker, type RunningWorker } from "../worker/run-worker.js";
import { existingMountNames, sandboxProblem, sweepSandboxMounts } from "../worker/sandbox.js";
import { oneLine, type WorkerOutcome } from "../worker/stream.js";
import { EventLog } from "./event-log.js";
import { readBasePolicy } from "./job-policy.js";
import { JobRun, now } from "./job-run.js";
import { cancelReasons, type CancelReason, type JobRecord } from "./record.js";
import { redactFiles, redactor } from "./redact.js";
import { acquireSlot } from "./slots.js";
import type { JobStore } from "./store.js";
import { credentialPaths, defaultMaxTurns, denyRules, denyWritePaths, instructions, workerAllowRules } from "./worker-setup.js";
import { prepareWorktree } from "./worktree-prep.js";

/** Why the job was stopped early, if it was. */
type StopCause = { kind: "cancel"; reason: CancelReason; note?: string } | { kind: "timeout" } | { kind: "stall" };

/** The first reason to stop wins; stopping ends the worker and any setup or check command running. */
class Stopper {
  cause?: StopCause;
  worker?: RunningWorker;
  private readonly aborter = new AbortController();
  readonly signal = this.aborter.signal;

  stop(cause: StopCause): void {
    this.cause ??= cause;
    this.aborter.abort();
    void this.worker?.stop();
  }
}

/** What preparing a job settles for the steps after it. */
interface Prepared {
  policy: EffectivePolicy;
  bin: string;
  runtimeDir: string;
  /** HOME of setup and check commands. */
  commandHome: string;
  /** What setup and check commands may not read. */
  hidden: string[];
}

export async function runJob(store: JobStore, id: string): Promise<void> {
  const run = await JobRun.open(store, id);
  const job = run.record;
  const stopper = new Stopper();
  for (const sig of ["SIGTERM", "SIGINT", "SIGHUP"] as const) {
    process.on(sig, () => void readCancel(store, id).then((cancel) => stopper.stop({ kind: "cancel", ...cancel })));
  }

  try {
    const config = loadConfig();
    const apiKey = await readKey(config);
    run.redact = redactor(apiKey);

    const release = await acquireSlot(job.settings.home, job.settings.max_jobs, { id, createdAt: job.created_at }, () => stopper.cause !== undefined);
    if (!release) return await endStopped(run, stopper.cause);
    try {
      await run.moveTo("preparing");
      const prepared = await prepare(store, job, config, stopper.signal);
      if (stopper.cause) return await finish(run, stopper.cause);

      await run.moveTo("working");
      const outcome = await work(run, prepared, config, apiKey, stopper);
      await commitWork(job, outcome, stopper.cause);
      if (stopper.cause) return await finish(run, stopper.cause);
      if (!outcome.ok) return await run.end("failed", failureMessage(job, config, outcome));

      await run.moveTo("checking");
      const files = await changeInventory(job.repo.root, job.base.commit, job.head_commit!);
      const checks = await runChecks(prepared.policy, files, {
        worktree: job.worktree,
        logDir: store.checksDir(id),
        home: prepared.commandHome,
        hidden: job.settings.sandbox ? prepared.hidden : undefined,
        signal: stopper.signal,
        onCheck: (name) => {
          job.worker = { ...job.worker!, last_activity: `check ${name}` };
          void run.progress(true);
        },
      });
      job.checks = { ...checkCounts(checks), results: checks };
      if (stopper.cause) return await finish(run, stopper.cause);

      await run.moveTo("reviewing");
      await review(job, prepared.policy, files, checks);
      await run.end("done");
    } finally {
      await release();
    }
  } catch (error) {
    const message = error instanceof UserError ? error.message : `runner error: ${oneLine(String(error))}`;
    if (job.status === "working") await commitWork(job, undefined, stopper.cause).catch(() => undefined);
    await run.end("failed", run.redact(message));
  }
}

/** The policy from the base commit, the worktree, and its setup: everything before the worker. */
async function prepare(store: JobStore, job: JobRecord, config: Config, signal: AbortSignal): Promise<Prepared> {
  const bin = claudeBinary(job.settings.claude_bin);
  await checkSandbox(job);
  const { policy, worktreeInclude } = await readBasePolicy(job.repo.root, job.base.commit, job.policy_overlay);
  job.policy_sources = policy.sources;
  if (policy.worker.timeout_s) job.settings.timeout_s = Math.min(job.settings.timeout_s, policy.worker.timeout_s);
  const runtimeDir = join(job.settings.home, "run", job.id);
  const commandHome = join(runtimeDir, "commands");
  await mkdir(commandHome, { recursive: true });
  const hidden = hiddenFromCommands(config);
  await addWorktree(job.repo.root, job.worktree, job.branch, job.base.commit);
  const prep = await prepareWorktree({ job, policy, worktreeInclude, logDir: join(store.dir(job.id), "setup"), home: commandHome, hidden, signal });
  console.error(`${now()} worktree ready: ${prep.copied} ignored paths copied, ${prep.linked} linked, ${prep.setup} setup steps run`); // to runner.log
  return { policy, bin, runtimeDir, commandHome, hidden };
}

/** Runs Claude Code in the worktree until it finishes or is stopped; its events go to the event log. */
async function work(run: JobRun, prepared: Prepared, config: Config, apiKey: string, stopper: Stopper): Promise<WorkerOutcome> {
  const { store, record: job } = run;
  const { policy, runtimeDir } = prepared;
  const mountsBefore = await existingMountNames(job.worktree);
  const tmpDir = await shortTempDir();
  const keyFile = config.keySource.kind === "file" ? config.keySource.path : undefined;
  const command = workerCommand({
    bin: prepared.bin,
    model: job.tier.model,
    cwd: job.worktree,
    runtimeDir,
    tmpDir,
    settingsFile: store.file(job.id, "worker-settings.json"),
    baseUrl: job.settings.base_url,
    apiKey,
    sandbox: job.settings.sandbox,
    permissionMode: policy.worker.permission_mode,
    allow: workerAllowRules(policy.worker.allow),
    deny: [...new Set([...denyRules, ...policy.worker.deny, ...(keyFile ? [`Read(/${keyFile})`] : [])])],
    denyWrite: await denyWritePaths(job),
    denyRead: keyFile ? [keyFile] : [],
    maxTurns: policy.worker.max_turns ?? defaultMaxTurns,
    instructions: instructions(job, policy.checks),
  });
  for (const dir of ["home", "config"]) await mkdir(join(runtimeDir, dir), { recursive: true });
  await writeFile(store.file(job.id, "worker-settings.json"), JSON.stringify(command.settings, null, 1));

  const events = new EventLog(store.file(job.id, "events.jsonl"), store.file(job.id, "events.1.jsonl"), run.redact);
  const task = await readFile(store.file(job.id, "task.md"), "utf8");
  job.worker = { turns: 0 };
  const worker = startWorker(command, job.worktree, task, {
    onLine: (line) => events.append(line),
    onEvent: (progress, activityChanged) => {
      job.worker = {
        ...job.worker,
        turns: progress.turns,
        last_event_at: now(),
        last_activity: progress.lastActivity,
        usage: progress.usage,
        session_id: progress.sessionId,
      };
      void run.progress(activityChanged);
    },
  });
  stopper.worker = worker;
  job.worker = { ...job.worker, pid: worker.pid, start_ticks: startTicks(worker.pid) };
  void run.save();
  const watchdog = watch(job, worker, (cause) => stopper.stop(cause));
  if (stopper.cause) void worker.stop(); // a cancel that arrived while the worker was starting
  const finished = await worker.outcome.finally(() => clearInterval(watchdog));
  // The summary goes into a commit message too, which no record-level redaction would reach.
  const outcome: WorkerOutcome = { ...finished, ...(finished.summary ? { summary: run.redact(finished.summary) } : {}) };
  await rm(tmpDir, { recursive: true, force: true });
  await redactFiles(runtimeDir, apiKey, run.redact);
  recordOutcome(job, outcome);
  await sweepSandboxMounts(job.worktree, mountsBefore);
  return outcome;
}

/** The verdict over the committed change and the checks; it goes into the commit's trailers too. */
async function review(job: JobRecord, policy: EffectivePolicy, files: ChangedFile[], checks: CheckOutcome[]): Promise<void> {
  const { verdict, fired } = evaluatePolicy(policy, files, checks);
  job.verdict = { ...verdict, fired };
  if (job.head_commit !== job.base.commit) job.head_commit = await addTrailers(job.worktree, { "Code-Worker-Verdict": verdict.verdict });
  const merge = await mergeStatus(job.repo.root, job.branch, job.base.commit);
  job.merge = { ...merge, branch_head: job.head_commit! };
}

async function readKey(config: Config): Promise<string> {
  const source = config.keySource;
  if (source.kind === "env") return process.env[source.variable]!.trim();
  if (source.kind === "none") {
    throw new UserError("no provider key: set CODE_WORKER_API_KEY_FILE to a file holding the key");
  }
  let key: string;
  try {
    key = (await readFile(source.path, "utf8")).trim();
  } catch {
    throw new UserError(`cannot read the key file "${source.path}" named by CODE_WORKER_API_KEY_FILE`);
  }
  if (!key) throw new UserError(`the key file "${source.path}" (CODE_WORKER_API_KEY_FILE) is empty`);
  return key;
}

/** Unix socket paths end at 107 bytes; the sandbox names its sockets `<tmp>/claude-socks-<16 hex>.sock`. */
const socketPathMax = 107 - "/claude-socks-0123456789abcdef.sock".length;

async function shortTempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "cw-"));
  if (Buffer.byteLength(dir) > socketPathMax) {
    await rm(dir, { recursive: true, force: true });
    throw new UserError(`the temp dir "${dir}" is too long for the sandbox's sockets; set TMPDIR to a shorter path`);
  }
  return dir;
}

/** What check and setup commands must not read: the key file and the usual credential stores. */
function hiddenFromCommands(config: Config): string[] {
  return [...(config.keySource.kind === "file" ? [config.keySource.path] : []), ...credentialPaths()];
}

async function checkSandbox(job: JobRecord): Promise<void> {
  if (!job.settings.sandbox) return;
  const problem = await sandboxProblem();
  if (problem) throw new UserError(`${problem}; or set CODE_WORKER_SANDBOX=off to run without it`);
}

/** Stops the worker past its wall-clock limit, or when the provider has gone silent with no tool running. */
function watch(job: JobRecord, worker: RunningWorker, stop: (cause: StopCause) => void): NodeJS.Timeout {
  const startedAt = Date.now();
  return setInterval(() => {
    if (Date.now() - startedAt > job.settings.timeout_s * 1000) return stop({ kind: "timeout" });
    const lastEvent = Date.parse(job.worker?.last_event_at ?? new Date(startedAt).toISOString());
    const silentFor = Date.now() - lastEvent;
    if (silentFor > job.settings.stall_s * 1000 && worker.progress.toolsRunning === 0) stop({ kind: "stall" });
  }, 1000);
}

function recordOutcome(job: JobRecord, outcome: WorkerOutcome): void {
  job.worker = {
    ...job.worker,
    turns: outcome.turns,
    usage: outcome.usage,
    cost_usd: outcome.costUsd,
    denials: outcome.denials,
    session_id: outcome.sessionId,
    summary: outcome.summary ? oneLine(outcome.summary, 400) : undefined,
  };
}

/** Whatever the worker changed is committed, finished or not: nothing is thrown away unasked. */
async function commitWork(job: JobRecord, outcome: WorkerOutcome | undefined, stopCause: StopCause | undefined): Promise<void> {
  const summary = outcome?.summary;
  const partial = stopCause || !outcome?.ok;
  const subject = partial
    ? `${job.task_label}: partial work (${stopCause?.kind === "cancel" ? "cancelled" : stopCause?.kind ?? "failed"})`
    : `${job.task_label}: ${oneLine(summary?.split("\n")[0] || job.task_title, 60)}`;
  const head = await commitAll(job.worktree, {
    subject,
    body: summary,
    trailers: { "Code-Worker-Job": job.id, "Code-Worker-Model": job.tier.label },
  });
  job.head_commit = head ?? (await git(job.repo.root).revparse([job.branch]));
  job.changes = await changeSummary(job.repo.root, job.base.commit, job.head_commit);
}

async function finish(run: JobRun, cause: StopCause): Promise<void> {
  const job = run.record;
  const where = `partial work is on branch ${job.branch}`;
  if (cause.kind === "timeout") {
    return run.end("timed_out", `the worker ran past its ${job.settings.timeout_s}s limit (timeout_s, CODE_WORKER_JOB_TIMEOUT_S); ${where}`);
  }
  if (cause.kind === "stall") {
    return run.end("failed", `the provider sent nothing for ${job.settings.stall_s}s with no tool running (CODE_WORKER_STALL_S); ${where}`);
  }
  return endStopped(run, cause);
}

async function endStopped(run: JobRun, cause: StopCause | undefined): Promise<void> {
  if (cause?.kind !== "cancel") return run.end("failed", "the runner was stopped before the job started");
  run.record.cancel = { reason: cause.reason, note: cause.note, at: now() };
  const kept = run.record.changes?.files ? `; partial work is on branch ${run.record.branch}` : "";
  return run.end("cancelled", `cancelled (${cause.reason})${cause.note ? `: ${oneLine(cause.note, 120)}` : ""}${kept}`);
}

async function readCancel(store: JobStore, id: string): Promise<{ reason: CancelReason; note?: string }> {
  try {
    const cancel = JSON.parse(await readFile(store.file(id, "cancel.json"), "utf8")) as { reason: CancelReason; note?: string };
    if (cancelReasons.includes(cancel.reason)) return cancel;
  } catch {
    // a signal without a request file: someone stopped the runner by hand
  }
  return { reason: "user_requested", note: "runner received a stop signal" };
}

function failureMessage(job: JobRecord, config: Config, outcome: WorkerOutcome): string {
  const failure = outcome.failure!;
  const keyVar = config.keySource.kind === "env" ? "CODE_WORKER_API_KEY" : "CODE_WORKER_API_KEY_FILE";
  const kept = job.changes?.files ? `; partial work is on branch ${job.branch}` : "";
  switch (failure.kind) {
    case "auth":
      return `the provider rejected the key: ${failure.message} (check ${keyVar})`;
    case "unreachable":
      return `cannot reach the provider at ${job.settings.base_url ?? "the default endpoint"}: ${failure.message} (check CODE_WORKER_BASE_URL)`;
    case "provider":
      return `the provider failed after retries: ${failure.message}${kept}`;
    case "max_turns":
      return `the worker used all ${defaultMaxTurns} turns before finishing${kept}`;
    case "sandbox":
      return `${failure.message} (install bubblewrap and socat, or set CODE_WORKER_SANDBOX=off)`;
    default:
      return `${failure.message}${kept}`;
  }
}
