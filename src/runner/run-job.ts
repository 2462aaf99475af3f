// The life of one job, top to bottom: slot, policy and worktree, worker, commit, checks, verdict,
// terminal state. Runs inside the detached runner process; the control plane only reads what it writes.
import { realpathSync } from "node:fs";
import { readdir, readFile, rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import { checkCounts, runChecks } from "../checks/run-checks.js";
import type { CommandPlace } from "../checks/run-command.js";
import { loadConfig, type Config } from "../config.js";
import { UserError } from "../errors.js";
import { addTrailers, commitAll, userIdentity, type Identity, type WorktreePlace } from "../git/commit.js";
import { changeSummary } from "../git/diffstat.js";
import { changeInventory } from "../git/inventory.js";
import { mergeStatus } from "../git/merge.js";
import { git } from "../git/repo.js";
import { addWorktree } from "../git/worktree.js";
import type { Confinement } from "../os/confine.js";
import { startTicks } from "../os/processes.js";
import type { ChangedFile, CheckOutcome } from "../facts/change.js";
import { evaluatePolicy } from "../policy/evaluate.js";
import type { EffectivePolicy } from "../policy/layering.js";
import { startRelay, type Relay } from "../relay/relay.js";
import { claudeBinary } from "../worker/claude-bin.js";
import { providerBase, workerCommand, type WorkerCommand } from "../worker/command.js";
import { startWorker, type RunningWorker } from "../worker/run-worker.js";
import { sandboxProblem } from "../worker/sandbox.js";
import { type WorkerOutcome } from "../worker/stream.js";
import { oneLine } from "../text.js";
import { EventLog } from "../store/event-log.js";
import { readBasePolicy, uncommittedPolicy } from "./base-policy.js";
import { JobRun } from "./record-writer.js";
import { HomeLayout } from "../store/home.js";
import { cancelReasons, now, type CancelReason, type JobRecord } from "../store/record.js";
import { redactFiles, redactor, SecretScanner } from "../secret/redact.js";
import { chownTree, createRuntime, jobConfinement, type Runtime } from "./runtime.js";
import { acquireSlot } from "./slots.js";
import type { JobStore } from "../store/store.js";
import { defaultMaxTurns, denyRules, instructions, workerAllowRules } from "./worker-brief.js";
import { filesToWithhold, withheldFacts, withWithheldJudged, type Withheld } from "./withhold.js";
import { prepareWorktree } from "./worktree-prep.js";

const anthropicBase = "https://api.anthropic.com";

/** Why the job was stopped early, if it was. */
type StopCause =
  | { kind: "cancel"; reason: CancelReason; note?: string }
  | { kind: "timeout" }
  | { kind: "stall"; how: Silence }
  | { kind: "rate_limited"; retryAfterS: number }
  | { kind: "orphaned" };

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
  runtime: Runtime;
  place: WorktreePlace;
  /** Who commits on the job branch: the person's own identity, read before any worker ran. */
  committer: Identity;
  /** What every process of the job sees; undefined with the sandbox off. */
  confinement?: Omit<Confinement, "cwd" | "network" | "writable" | "tmp">;
  /** Where setup and check commands run. */
  commands: Omit<CommandPlace, "network" | "logDir">;
  /** What setup copied or linked into the worktree: never committed. */
  placed: string[];
}

export async function runJob(store: JobStore, id: string): Promise<void> {
  const run = await JobRun.open(store, id);
  const job = run.record;
  const stopper = new Stopper();
  // A job whose record cannot be written is one nobody can see, follow or apply: stop working blind.
  run.onUnwritable = () => stopper.stop({ kind: "orphaned" });
  for (const sig of ["SIGTERM", "SIGINT", "SIGHUP"] as const) {
    process.on(sig, () => void readCancel(store, id).then((cancel) => stopper.stop({ kind: "cancel", ...cancel })));
  }

  let prepared: Prepared | undefined;
  let scanner: SecretScanner | undefined;
  try {
    const config = loadConfig();
    const apiKey = await readKey(config);
    scanner = new SecretScanner([apiKey]);
    run.redact = redactor(apiKey);

    const release = await acquireSlot(new HomeLayout(job.settings.home), job.settings.max_jobs, { id, createdAt: job.created_at }, () => stopper.cause !== undefined);
    if (!release) return await endStopped(run, stopper.cause);
    try {
      await run.moveTo("preparing");
      prepared = await prepare(store, job, config, run, stopper.signal);
      settleBeforeEnd(run, prepared, scanner);
      if (stopper.cause) return await finish(run, stopper.cause);

      await run.moveTo("working");
      const outcome = await work(run, prepared, apiKey, stopper);
      const withheld = await commitWork(job, prepared, scanner, outcome, stopper.cause);
      if (stopper.cause) return await finish(run, stopper.cause);
      if (!outcome.ok) return await run.end("failed", failureMessage(job, config, outcome, prepared.policy.worker.max_turns ?? defaultMaxTurns));

      await run.moveTo("checking");
      const files = [...(await changeInventory(job.repo.root, job.base.commit, job.head_commit!)), ...withheldFacts(withheld)];
      const checks = await runChecks(prepared.policy, files, {
        ...prepared.commands,
        logDir: store.checksDir(id),
        onCheck: (name) => {
          job.worker = { ...job.worker!, last_activity: `check ${name}` };
          void run.progress(true);
        },
      });
      job.checks = { ...checkCounts(checks), results: checks };
      if (stopper.cause) return await finish(run, stopper.cause);

      await run.moveTo("reviewing");
      await review(job, prepared, files, checks, withheld);
      await run.end("done");
    } finally {
      await release();
    }
  } catch (error) {
    const message = error instanceof UserError ? error.message : `runner error: ${oneLine(String(error))}`;
    if (job.status === "working" && prepared && scanner) await commitWork(job, prepared, scanner, undefined, stopper.cause).catch(() => undefined);
    await run.end("failed", run.redact(message));
  }
}

/** A root runner lent the worktree to the job's uid: the person gets it back, and the private dirs are tidied. */
function settleBeforeEnd(run: JobRun, prepared: Prepared, scanner: SecretScanner): void {
  run.beforeEnd = async () => {
    if (prepared.runtime.uid !== undefined) await chownTree(run.record.worktree, process.getuid!(), process.getgid!());
    await tidyRuntime(prepared.runtime, scanner);
  };
}

/** The policy from the base commit, the worktree, its runtime and setup: everything before the worker. */
async function prepare(store: JobStore, job: JobRecord, config: Config, run: JobRun, signal: AbortSignal): Promise<Prepared> {
  const bin = claudeBinary(job.settings.claude_bin);
  await checkSandbox(job);
  const { policy, worktreeInclude } = await readBasePolicy(job.repo.root, job.base.commit, job.policy_overlay);
  job.policy_sources = policy.sources;
  const unused = await uncommittedPolicy(job.repo.root, job.base.commit);
  if (unused) job.policy_unused = unused;
  if (policy.worker.timeout_s) job.settings.timeout_s = Math.min(job.settings.timeout_s, policy.worker.timeout_s);
  const committer = await userIdentity(job.repo.root);
  const runtime = await createRuntime(new HomeLayout(job.settings.home), job.id);
  const place = await addWorktree(job.repo.root, job.worktree, job.branch, job.base.commit, join(store.root, "worktree-add.lock"));
  // A root runner lends the worktree, copies and links included, to the job's uid.
  const handOver = async () => {
    if (runtime.uid !== undefined) await chownTree(job.worktree, runtime.uid, runtime.uid);
  };
  const keyFile = config.keySource.kind === "file" ? config.keySource.path : undefined;
  // A linked directory is the host's own: the job sees it read-only, through its link.
  const linked = policy.worktree.link.map((path) => join(job.repo.root, path));
  const confinement = job.settings.sandbox ? jobConfinement(job, runtime, [...binaryDirs(bin), ...linked], keyFile) : undefined;
  const commands: Prepared["commands"] = {
    worktree: job.worktree,
    home: runtime.commands.home,
    confinement: confinement && { ...confinement, writable: [job.worktree, runtime.commands.home], tmp: runtime.commands.tmp },
    redact: (text) => run.redact(text),
    signal,
  };
  const prep = await prepareWorktree({ job, policy, worktreeInclude, place: { ...commands, logDir: join(store.dir(job.id), "setup") }, handOver }).catch(async (error: unknown) => {
    await tidyRuntime(runtime, undefined);
    if (runtime.uid !== undefined) await chownTree(job.worktree, process.getuid!(), process.getgid!());
    throw error;
  });
  console.error(`${now()} worktree ready: ${prep.copied.length} ignored paths copied, ${prep.linked.length} linked, ${prep.setup} setup steps run`); // to runner.log
  return { policy, bin, runtime, place, committer, confinement, commands, placed: [...prep.copied, ...prep.linked] };
}

/**
 * What the job's processes left in their private dirs: temp files go, and whatever stays (the
 * session, caches a later round may want) is redacted like every other output.
 */
async function tidyRuntime(runtime: Runtime, scanner: SecretScanner | undefined): Promise<void> {
  for (const tmp of [runtime.worker.tmp, runtime.commands.tmp]) {
    for (const entry of await readdir(tmp).catch(() => [] as string[])) await rm(join(tmp, entry), { recursive: true, force: true });
  }
  if (scanner) await redactFiles(runtime.dir, scanner).catch(() => undefined);
}

/** The worker binary's directory, and its real one when it is reached through a link. */
function binaryDirs(bin: string): string[] {
  return [...new Set([dirname(bin), dirname(realpathSync(bin))])];
}

/** Runs Claude Code in the worktree until it finishes or is stopped; its events go to the event log. */
async function work(run: JobRun, prepared: Prepared, apiKey: string, stopper: Stopper): Promise<WorkerOutcome> {
  const job = run.record;
  const { policy, runtime } = prepared;
  const relay = await startRelay({
    ...(prepared.confinement ? { socketPath: runtime.relaySocket } : {}),
    upstream: providerBase(job.settings.base_url ?? anthropicBase),
    apiKey,
  });
  try {
    const command = workerCommand({
      bin: prepared.bin,
      model: job.tier.model,
      cwd: job.worktree,
      home: runtime.worker.home,
      configDir: runtime.worker.config,
      tmpDir: runtime.worker.tmp,
      token: relay.token,
      relay: prepared.confinement ? { socket: runtime.relaySocket } : { url: relay.url! },
      confinement: prepared.confinement && {
        ...prepared.confinement,
        cwd: job.worktree,
        writable: [job.worktree, runtime.worker.home, runtime.worker.config],
        tmp: runtime.worker.tmp,
        network: "none",
      },
      permissionMode: policy.worker.permission_mode,
      allow: workerAllowRules(policy.worker.allow),
      deny: [...new Set([...denyRules, ...policy.worker.deny])],
      maxTurns: policy.worker.max_turns ?? defaultMaxTurns,
      instructions: instructions(job, policy.checks),
    });
    return await runWorker(run, command, relay, stopper);
  } finally {
    await relay.close();
    recordProvider(job, relay);
  }
}

async function runWorker(run: JobRun, command: WorkerCommand, relay: Relay, stopper: Stopper): Promise<WorkerOutcome> {
  const { store, record: job } = run;
  const events = new EventLog(store.file(job.id, "events.jsonl"), store.file(job.id, "events.1.jsonl"), (text) => run.redact(text));
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
      recordProvider(job, relay);
      void run.progress(activityChanged);
    },
  });
  stopper.worker = worker;
  job.worker = { ...job.worker, pid: worker.pid, start_ticks: startTicks(worker.pid) };
  void run.save();
  const watchdog = watch(job, worker, relay, (cause) => stopper.stop(cause));
  if (stopper.cause) void worker.stop(); // a cancel that arrived while the worker was starting
  const finished = await worker.outcome.finally(() => clearInterval(watchdog));
  // The summary goes into a commit message too, which no record-level redaction would reach.
  const outcome: WorkerOutcome = { ...finished, ...(finished.summary ? { summary: run.redact(finished.summary) } : {}) };
  recordOutcome(job, outcome);
  return outcome;
}

/** The verdict over the committed change and the checks; it goes into the commit's trailers too. */
async function review(job: JobRecord, prepared: Prepared, files: ChangedFile[], checks: CheckOutcome[], withheld: Withheld[]): Promise<void> {
  const judged = evaluatePolicy(prepared.policy, files, checks);
  const { verdict, fired } = withWithheldJudged(judged.verdict, judged.fired, withheld);
  job.verdict = { ...verdict, fired };
  if (job.head_commit !== job.base.commit) job.head_commit = await addTrailers(prepared.place, { "Code-Worker-Verdict": verdict.verdict }, prepared.committer);
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

async function checkSandbox(job: JobRecord): Promise<void> {
  if (!job.settings.sandbox) return;
  const problem = await sandboxProblem();
  if (problem) throw new UserError(`${problem}; or set CODE_WORKER_SANDBOX=off to run without it`);
}

/** How a provider failed to answer: nothing at all, silence mid-answer, a trickle, or no request at all. */
type Silence = { what: "no_answer" } | { what: "mid_answer" } | { what: "trickle"; bytes: number } | { what: "idle" };

/** Fewer bytes than this over a whole stall window of one answer is a trickle, not a stream. */
const trickleBytes = 1024;

/**
 * Stops the worker past its wall-clock limit, or when the provider does not answer: no byte for
 * the stall limit on an open request, an answer trickling in (the relay counts every byte), a rate
 * limit asking to wait longer than the stall limit, or no request, tool or event at all.
 */
function watch(job: JobRecord, worker: RunningWorker, relay: Relay, stop: (cause: StopCause) => void): NodeJS.Timeout {
  const startedAt = Date.now();
  const stallMs = job.settings.stall_s * 1000;
  let samples: { at: number; id: number; bytes: number }[] = [];
  return setInterval(() => {
    const nowMs = Date.now();
    if (nowMs - startedAt > job.settings.timeout_s * 1000) return stop({ kind: "timeout" });
    const activity = relay.activity();
    const request = activity.request;
    if (request) {
      if (nowMs - (request.lastByteAt ?? request.startedAt) > stallMs) return stop({ kind: "stall", how: { what: request.bytes ? "mid_answer" : "no_answer" } });
      samples = [...samples.filter((sample) => sample.id === request.id && nowMs - sample.at <= stallMs), { at: nowMs, id: request.id, bytes: request.bytes }];
      const windowStart = samples[0]!;
      if (nowMs - request.startedAt > stallMs && nowMs - windowStart.at >= stallMs - 1500 && request.bytes - windowStart.bytes < trickleBytes) {
        return stop({ kind: "stall", how: { what: "trickle", bytes: request.bytes - windowStart.bytes } });
      }
      return;
    }
    const wait = activity.lastError?.status === 429 ? activity.lastError.retryAfterS : undefined;
    if (wait !== undefined && wait * 1000 > stallMs) return stop({ kind: "rate_limited", retryAfterS: wait });
    const lastEvent = Date.parse(job.worker?.last_event_at ?? new Date(startedAt).toISOString());
    if (nowMs - Math.max(lastEvent, activity.lastByteAt ?? 0) > stallMs && worker.progress.toolsRunning === 0) stop({ kind: "stall", how: { what: "idle" } });
  }, 1000);
}

/** What the relay counted: every request and the provider's own token counts. */
function recordProvider(job: JobRecord, relay: Relay): void {
  const { requests, input_tokens, output_tokens, lastError } = relay.activity();
  if (job.worker) job.worker.provider = { requests, input_tokens, output_tokens, ...(lastError ? { last_error: lastError } : {}) };
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

/**
 * Whatever the worker changed is committed, finished or not: nothing is thrown away unasked, but
 * a file over the size limit or holding the key is withheld (it never becomes an object).
 */
async function commitWork(job: JobRecord, prepared: Prepared, scanner: SecretScanner, outcome: WorkerOutcome | undefined, stopCause: StopCause | undefined): Promise<Withheld[]> {
  const summary = outcome?.summary;
  const partial = stopCause || !outcome?.ok;
  const subject = partial
    ? `${job.task_label}: partial work (${stopCause?.kind === "cancel" ? "cancelled" : stopCause?.kind ?? "failed"})`
    : `${job.task_label}: ${oneLine(summary?.split("\n")[0] || job.task_title, 60)}`;
  const withheld = await filesToWithhold(prepared.place, prepared.policy, scanner, prepared.placed);
  const message = { subject: scanner.redact(subject), body: summary && scanner.redact(summary), trailers: { "Code-Worker-Job": job.id, "Code-Worker-Model": job.tier.label } };
  const head = await commitAll(prepared.place, message, prepared.committer, [...prepared.placed, ...withheld.map((file) => file.path)]);
  job.head_commit = head ?? (await git(job.repo.root).revparse([job.branch]));
  job.changes = await changeSummary(job.repo.root, job.base.commit, job.head_commit);
  if (withheld.length) job.withheld = withheld;
  return withheld;
}

async function finish(run: JobRun, cause: StopCause): Promise<void> {
  const job = run.record;
  const kept = job.changes?.files ? `; partial work is on branch ${job.branch}` : "";
  const stall = `${job.settings.stall_s}s (CODE_WORKER_STALL_S)`;
  switch (cause.kind) {
    case "timeout":
      return run.end("timed_out", `the worker ran past its ${job.settings.timeout_s}s limit (timeout_s, CODE_WORKER_JOB_TIMEOUT_S)${kept}`);
    case "rate_limited":
      return run.end("failed", `the provider is rate limiting (429) and asks to wait ${cause.retryAfterS}s, longer than ${stall}; start the job again later${kept}`);
    case "stall":
      return run.end("failed", `${silence(cause.how)} ${stall}${kept}`);
    case "cancel":
      return endStopped(run, cause);
    case "orphaned":
      return run.end("failed", `the job's record at ${run.store.dir(job.id)} could no longer be written (the repository was moved or deleted); the runner stopped`);
  }
}

function silence(how: Silence): string {
  switch (how.what) {
    case "no_answer":
      return "the provider sent nothing after a request for";
    case "mid_answer":
      return "the provider went silent in the middle of an answer for";
    case "trickle":
      return `the provider trickled (${how.bytes} bytes of one answer) for`;
    case "idle":
      return "the worker sent no request and ran no tool for";
  }
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

function failureMessage(job: JobRecord, config: Config, outcome: WorkerOutcome, maxTurns: number): string {
  const failure = outcome.failure!;
  const keyVar = config.keySource.kind === "env" ? "CODE_WORKER_API_KEY" : "CODE_WORKER_API_KEY_FILE";
  const kept = job.changes?.files ? `; partial work is on branch ${job.branch}` : "";
  switch (failure.kind) {
    case "auth":
      return `the provider rejected the key: ${failure.message} (check ${keyVar})`;
    case "unreachable":
      return `cannot reach the provider at ${job.settings.base_url ?? "the default endpoint"}: ${failure.message} (check CODE_WORKER_BASE_URL)`;
    case "provider": {
      const provider = job.worker?.provider;
      const requests = `${provider?.requests ?? 0} request${provider?.requests === 1 ? "" : "s"}`;
      if (provider?.last_error?.status === 429) {
        const wait = provider.last_error.retryAfterS === undefined ? "" : ` and asks to wait ${provider.last_error.retryAfterS}s`;
        return `the provider is rate limiting (429)${wait}; the worker gave up after ${requests}; start the job again later${kept}`;
      }
      return `the provider failed on ${requests}: ${failure.message}${kept}`;
    }
    case "max_turns":
      return `the worker used all ${maxTurns} turns (the policy's worker.max_turns) before finishing${kept}`;
    case "sandbox":
      return `${failure.message} (install bubblewrap and socat, or set CODE_WORKER_SANDBOX=off)`;
    default:
      return `${failure.message}${kept}`;
  }
}
