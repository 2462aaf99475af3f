// The control plane's one door to jobs, shared by the MCP tools, the CLI and the demo. It holds no
// job state of its own: everything is read from the job store on each call, so a restarted server
// (or a second one) sees every job, running or finished.
import { mkdir, readFile, stat, writeFile } from "node:fs/promises";
import { isAbsolute } from "node:path";
import type { Config, Tier } from "../config.js";
import { UserError } from "../errors.js";
import { reachableFromOwnRefs, resolveCommit, resolveRepo } from "../git/repo.js";
import { oneLine } from "../text.js";
import { assertJobId, newJobId, taskLabel } from "../store/ids.js";
import { commonDirFromFiles } from "../git/loose-refs.js";
import { HomeLayout } from "../store/home.js";
import { JobIndex } from "../store/job-index.js";
import { localBackend } from "./local-runner.js";
import type { RunnerBackend } from "./runner-backend.js";
import { backendOf } from "./runner-backends.js";
import {
  assertTransition,
  continuableStates,
  defaultMaxRounds,
  roundsCost,
  isTerminal,
  now,
  type CancelReason,
  type JobRecord,
  type JobState,
} from "../store/record.js";
import { isUnreadable, JobStore, type ListedJob } from "../store/store.js";
import { chooseTier } from "./tier.js";
import { keyFileCheck } from "../doctor/settings.js";
import { claudeBinary } from "../worker/claude-bin.js";
import { jobDetail, type Detail, type DetailKind } from "./details.js";
import { applyDoneJob, collect, collectable, discardEndedJob, freshMerge, freshMerges, type ApplyOptions } from "./branch-actions.js";

export interface StartRequest {
  cwd: string;
  task: string;
  taskLabel?: string;
  tier?: Tier | "auto";
  base?: string;
  timeoutS?: number;
  /** A preset over the repository's policy: run_patch holds tiny patches to builtin:tiny's limits. */
  policyOverlay?: "tiny";
}

export interface ListFilter {
  cwd?: string;
  status?: JobState;
  limit?: number;
}

const taskMaxBytes = 1024 * 1024;
const claimWaitMs = 15_000;
const cancelWaitMs = 15_000;
const pollMs = 250;
/** How many records a list reads at once. */
const readBatch = 32;
/** Ended jobs older than this are cleaned whenever a job starts (code-worker gc does it on demand). */
export const autoGcAfterS = 14 * 86_400;
/** Automatic cleaning reads every record, so it runs at most this often, not on every start. */
const autoGcEveryMs = 3_600_000;

export class Engine {
  private readonly home: HomeLayout;
  private readonly index: JobIndex;

  /** env is what local runners inherit; it must be the environment config was loaded from. */
  constructor(
    readonly config: Config,
    env: NodeJS.ProcessEnv = process.env,
    private readonly backend: RunnerBackend = localBackend(env),
  ) {
    this.home = new HomeLayout(config.home);
    this.index = new JobIndex(this.home);
  }

  async start(request: StartRequest): Promise<JobRecord> {
    const task = taskText(request.task, "say what the worker should change");
    const repo = await resolveRepo(request.cwd);
    const baseRef = request.base ?? "HEAD";
    const baseCommit = await resolveCommit(repo.root, baseRef);
    // HEAD is one of the refs a base must be reachable from: only another base needs the walk.
    if (baseRef !== "HEAD" && !(await reachableFromOwnRefs(repo.root, baseCommit, "code-worker/*"))) {
      throw new UserError(
        "invalid_input",
        `base "${oneLine(baseRef, 60)}" holds commits only job branches have: a base judges the job with its own policy, so it must be yours; apply the job first, or pass a branch of yours`,
      );
    }
    const tier = chooseTier(request.tier ?? "auto", task, this.config);
    const jobTimeoutS = timeoutS(request.timeoutS, this.config.jobTimeoutS);
    await this.checkPrerequisites();
    const label = taskLabel(task, request.taskLabel);
    const store = JobStore.forCommonDir(repo.commonDir);
    const id = await this.claimId(label, store);

    const record: JobRecord = {
      version: 1,
      id,
      task_label: label,
      task_title: oneLine(task.split("\n")[0]!, 100),
      repo: { root: repo.root, common_dir: repo.commonDir },
      base: { ref: baseRef, commit: baseCommit },
      branch: `code-worker/${id}`,
      worktree: this.home.worktree(id),
      tier,
      ...escalation(tier, this.config),
      settings: {
        timeout_s: jobTimeoutS,
        stall_s: this.config.stallS,
        sandbox: this.config.sandbox,
        base_url: this.config.baseUrl,
        claude_bin: this.config.claudeBin,
        max_jobs: this.config.maxJobs,
        home: this.config.home,
      },
      status: "queued",
      ...(request.policyOverlay ? { policy_overlay: request.policyOverlay } : {}),
      created_at: now(),
    };
    await store.create(record, task);
    this.backend.launch(store, record);
    const started = await this.awaitClaim(store, id);
    await this.autoGc().catch(() => undefined); // housekeeping must never fail a start
    return started;
  }

  /**
   * A further instruction to an ended job that is neither applied nor discarded: its worker resumes
   * its own session in the same worktree and branch, and checks and policy judge the whole change again.
   */
  async continue(id: string, request: { task: string; tier?: Tier | "auto" }): Promise<JobRecord> {
    const task = taskText(request.task, "say what the worker should change next");
    const { store, job } = await this.locate(id);
    if (!(continuableStates as readonly string[]).includes(job.status)) {
      throw new UserError(
        "invalid_state",
        `job ${id} is ${job.status}; only a done, failed, cancelled or timed-out job can be continued${isTerminal(job.status) ? ", start a new job instead" : ", wait for it to end"}`,
        {
          job_id: id,
          status: job.status,
        },
      );
    }
    const ran = job.rounds?.length ?? 0;
    if (!ran || !job.worktree_git_dir)
      throw new UserError("invalid_state", `job ${id} ended before its worker ran; start a new job instead`, {
        job_id: id,
        status: job.status,
      });
    const limit = job.limits?.max_rounds ?? defaultMaxRounds;
    if (ran >= limit)
      throw new UserError(
        "invalid_state",
        `job ${id} has run ${ran} rounds, its policy's limit (worker.max_rounds); apply or discard it, or start a new job`,
        { job_id: id, rounds: ran, max_rounds: limit },
      );
    const spent = roundsCost(job.rounds ?? []);
    const cap = job.limits?.max_cost_usd;
    if (cap !== undefined && spent >= cap)
      throw new UserError(
        "invalid_state",
        `job ${id} has cost $${spent.toFixed(2)}, its policy's limit of $${cap} (worker.max_cost_usd); apply or discard it, or start a new job`,
        { job_id: id, cost_usd: spent, max_cost_usd: cap },
      );
    const tier = chooseTier(request.tier ?? job.tier.chosen, task, this.config);
    const n = ran + 1;
    await mkdir(store.roundDir(id, n), { recursive: true });
    await writeFile(store.roundFile(id, n, "task.md"), task, { mode: 0o600 });
    const { runner: _runner, error: _error, ended_at: _ended, cancel: _cancel, ...kept } = job;
    assertTransition(id, job.status, "queued");
    const queued: JobRecord = {
      ...kept,
      status: "queued",
      pending_round: { n, tier: tier.chosen, model: tier.model, label: tier.label, requested_at: now() },
      ...(job.worker
        ? {
            worker: { ...job.worker, pid: undefined, start_ticks: undefined, last_activity: undefined, last_event_at: undefined, turns: 0 },
          }
        : {}),
    };
    await store.write(queued);
    this.backend.launch(store, queued);
    return this.awaitClaim(store, id);
  }

  async get(id: string): Promise<JobRecord> {
    return (await this.locate(id)).job;
  }

  async apply(id: string, options: ApplyOptions = {}): Promise<JobRecord> {
    const { store, job } = await this.locate(id);
    return applyDoneJob(store, job, options);
  }

  async discard(id: string): Promise<JobRecord> {
    const { store, job } = await this.locate(id);
    return discardEndedJob(store, job);
  }

  async detail(id: string, what: DetailKind, path?: string, maxBytes?: number, round?: number): Promise<Detail> {
    const { store, job } = await this.locate(id);
    return jobDetail(store, job, what, path, maxBytes, round);
  }

  /** Cleans ended jobs older than the limit (see collectable); returns what it cleaned. */
  async gc(olderThanS: number, filter: Pick<ListFilter, "cwd"> = {}): Promise<JobRecord[]> {
    const nowMs = Date.now();
    const cleaned: JobRecord[] = [];
    for (const job of await this.list(filter)) {
      if (isUnreadable(job) || !collectable(job, olderThanS * 1000, nowMs)) continue;
      cleaned.push(await collect(await this.store(job.id), job));
    }
    return cleaned;
  }

  /**
   * Newest first. Without cwd, every repository's jobs. A job whose record cannot be read is listed
   * as unreadable whatever the status filter, since its status is unknown. Merge status is as fresh
   * as get's, at one git process per checkout to see which jobs' inputs moved.
   */
  async list(filter: ListFilter = {}): Promise<ListedJob[]> {
    return (await this.page(filter)).jobs;
  }

  /**
   * Newest first, at most `filter.limit`, and how many more there are. Without a status filter only
   * the shown records are read, so the cost does not grow with the number of jobs.
   */
  async page(filter: ListFilter = {}): Promise<{ jobs: ListedJob[]; more: number }> {
    const stores = filter.cwd ? [JobStore.forCommonDir(await this.commonDirOf(filter.cwd))] : await this.index.stores();
    // Newest first by when each job was created (the store's creation log), so a limited list
    // reads only as many records as it shows, however many jobs there are.
    const candidates = (await Promise.all(stores.map(async (store) => (await store.created()).map((job) => ({ store, ...job })))))
      .flat()
      .sort((a, b) => b.at - a.at);
    const limit = filter.limit ?? Infinity;
    const kept: { store: JobStore; job: ListedJob }[] = [];
    let matching = 0;
    let read = 0;
    while (read < candidates.length && (filter.status || kept.length < limit)) {
      // Side by side, as many as could still be shown (a status filter sees every one), a few dozen at a time.
      const batch = candidates.slice(read, read + Math.min(readBatch, filter.status ? readBatch : limit - kept.length));
      read += batch.length;
      const loaded = await Promise.all(batch.map(({ store, id }) => store.load(id).catch(() => undefined))); // an id that is no job id: not a job
      for (const [i, found] of loaded.entries()) {
        if (!found) continue; // a job being created has no record yet
        const { store } = batch[i]!;
        const job = isUnreadable(found) ? found : await this.reconcile(store, found);
        if (filter.status && job.status !== filter.status && !isUnreadable(job)) continue;
        matching += 1;
        if (kept.length < limit) kept.push({ store, job });
      }
    }
    const more = filter.status ? matching - kept.length : candidates.length - read;
    const listed: ListedJob[] = [];
    for (const store of stores) {
      const own = kept.filter((entry) => entry.store === store).map((entry) => entry.job);
      listed.push(
        ...own.filter(isUnreadable),
        ...(await freshMerges(
          store,
          own.filter((job): job is JobRecord => !isUnreadable(job)),
        )),
      );
    }
    return { jobs: listed.sort((a, b) => b.created_at.localeCompare(a.created_at)), more };
  }

  /** The common git dir of the repository holding `cwd`: read from its files when they settle it (a list asks on every call), else from git. */
  private async commonDirOf(cwd: string): Promise<string> {
    return (isAbsolute(cwd) && (await commonDirFromFiles(cwd))) || (await resolveRepo(cwd)).commonDir;
  }

  private async autoGc(): Promise<void> {
    const stamp = this.home.gcStamp;
    const last = await stat(stamp).then(
      (s) => s.mtimeMs,
      () => 0,
    );
    if (Date.now() - last < autoGcEveryMs) return;
    await writeFile(stamp, now());
    await this.gc(autoGcAfterS);
  }

  /** The job's store and its record as it is now: a dead runner's job marked lost, a done job's merge status fresh. */
  private async locate(id: string): Promise<{ store: JobStore; job: JobRecord }> {
    const store = await this.index.locate(assertJobId(id));
    return { store, job: await freshMerge(store, await this.reconcile(store, await store.read(id))) };
  }

  /** Asks the runner to stop and waits (bounded) until it has recorded the end. */
  async cancel(id: string, reason: CancelReason, note?: string): Promise<JobRecord> {
    const store = await this.index.locate(assertJobId(id));
    let record = await this.reconcile(store, await store.read(id));
    if (isTerminal(record.status)) return record;
    await writeFile(store.file(id, "cancel.json"), JSON.stringify({ reason, note, at: now() }));
    if (record.runner) backendOf(record).stop(record.runner);
    const deadline = Date.now() + cancelWaitMs;
    while (Date.now() < deadline) {
      await sleep(pollMs);
      record = await this.reconcile(store, await store.read(id));
      if (isTerminal(record.status)) return record;
    }
    return record;
  }

  /** Returns when the job ends or the timeout passes, whichever is first. */
  async wait(id: string, timeoutS: number, onChange?: (record: JobRecord) => void, signal?: AbortSignal): Promise<JobRecord> {
    const deadline = Date.now() + timeoutS * 1000;
    let seen = "";
    for (;;) {
      const record = await this.get(id);
      const key = `${record.status}|${record.worker?.last_activity ?? ""}|${record.worker?.turns ?? 0}`;
      if (key !== seen) {
        seen = key;
        onChange?.(record);
      }
      if (isTerminal(record.status) || Date.now() >= deadline || signal?.aborted) return record;
      await sleep(Math.min(pollMs, Math.max(0, deadline - Date.now())));
    }
  }

  async store(id: string): Promise<JobStore> {
    return this.index.locate(assertJobId(id));
  }

  /** What the doctor would refuse fails the start, in the doctor's words, before any runner starts. */
  private async checkPrerequisites(): Promise<void> {
    claudeBinary(this.config.claudeBin);
    const source = this.config.keySource;
    if (source.kind === "none")
      throw new UserError("configuration", "no provider key: set CODE_WORKER_API_KEY_FILE to a file holding the key", {
        variable: "CODE_WORKER_API_KEY_FILE",
      });
    if (source.kind === "file") {
      const finding = await keyFileCheck(source.path);
      if (!finding.check.ok)
        throw new UserError("configuration", `${finding.check.line}; fix: ${finding.check.fix}`, { variable: "CODE_WORKER_API_KEY_FILE" });
    }
  }

  private async claimId(label: string, store: JobStore): Promise<string> {
    for (let attempt = 0; attempt < 20; attempt++) {
      const id = newJobId(label);
      if (await this.index.claim(id, store)) return id;
    }
    throw new Error(`could not find a free job id for label "${label}"`);
  }

  /** Returns once the runner has claimed the job, proving it started. */
  private async awaitClaim(store: JobStore, id: string): Promise<JobRecord> {
    const deadline = Date.now() + claimWaitMs;
    for (;;) {
      const record = await store.read(id);
      if (record.runner || isTerminal(record.status)) return record;
      if (Date.now() > deadline) {
        return this.markEnded(
          store,
          record,
          "failed",
          `the runner did not start: ${(await runnerLogTail(store, id)) ?? "(runner.log is empty)"}`,
        );
      }
      await sleep(50);
    }
  }

  /** A job whose runner died without recording an end is recorded as lost, once, by whoever reads it. */
  private async reconcile(store: JobStore, record: JobRecord): Promise<JobRecord> {
    if (isTerminal(record.status) || !record.runner) return record;
    if (backendOf(record).alive(record.runner)) return record;
    const latest = await store.read(record.id); // the runner may have finished since the first read
    if (isTerminal(latest.status)) return latest;
    backendOf(latest).reap(latest);
    const kept = latest.status === "working" ? ` (partial work is in ${latest.worktree})` : "";
    const tail = await runnerLogTail(store, latest.id);
    return this.markEnded(
      store,
      latest,
      "lost",
      `the runner (pid ${latest.runner!.pid}) died while ${latest.status}; start the job again${kept}; ${tail ? `its last log line: ${tail}` : "runner.log is empty"}`,
    );
  }

  private async markEnded(store: JobStore, record: JobRecord, state: "lost" | "failed", error: string): Promise<JobRecord> {
    const ended: JobRecord = { ...record, status: state, error, ended_at: now() };
    await store.write(ended);
    return ended;
  }
}

/** An auto job that starts on fast may move to think once, if a think model is configured. */
function escalation(tier: JobRecord["tier"], config: Config): Pick<JobRecord, "escalation"> {
  const think = config.models.think;
  if (tier.requested !== "auto" || tier.chosen !== "fast" || !think.model) return {};
  return { escalation: { model: think.model, label: think.label ?? think.model } };
}

/** The task, trimmed; refused when empty (with what to say instead) or over 1 MiB. */
function taskText(raw: string, emptyHint: string): string {
  const task = raw.trim();
  if (!task) throw new UserError("invalid_input", `task is empty; ${emptyHint}`);
  if (Buffer.byteLength(task) > taskMaxBytes)
    throw new UserError("invalid_input", "task is over 1 MiB; put the details in a file in the repository and point to it");
  return task;
}

function timeoutS(requested: number | undefined, fallback: number): number {
  if (requested === undefined) return fallback;
  if (!Number.isInteger(requested) || requested < 10 || requested > 86_400) {
    throw new UserError("invalid_input", `timeout_s must be a whole number of seconds from 10 to 86400, got ${requested}`, {
      field: "timeout_s",
    });
  }
  return requested;
}

/** runner.log's last line, cut short; undefined when there is none. */
async function runnerLogTail(store: JobStore, id: string): Promise<string | undefined> {
  const text = await readFile(store.file(id, "runner.log"), "utf8").catch(() => "");
  const last = text.trim().split("\n").at(-1);
  return last ? oneLine(last, 200) : undefined;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Whether the job's runner process is still the one that claimed it. */
export function runnerAlive(record: ListedJob): boolean {
  return !isUnreadable(record) && record.runner !== undefined && backendOf(record).alive(record.runner);
}
