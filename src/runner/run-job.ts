// The life of one job, top to bottom: slot, policy, worktree and setup, worker, commit, checks,
// verdict, merge status, terminal state. Each step returns what it settled; the record is written
// here, once per stage, and the ending is a value written last, after the cleanup in `finally`.
// Runs inside the detached runner process; the control plane only reads what it writes.
import { checkCounts, runChecks } from "../checks/run-checks.js";
import { UserError } from "../errors.js";
import { redactor, SecretScanner } from "../secret/redact.js";
import { HomeLayout } from "../store/home.js";
import { now, type JobRecord, type Phase, type RoundFacts } from "../store/record.js";
import type { JobStore } from "../store/store.js";
import { claudeBinary } from "../worker/claude-bin.js";
import type { WorkerOutcome } from "../worker/stream.js";
import {
  crashEnding,
  doneEnding,
  stoppedEnding,
  stoppedQueuedEnding,
  workerFailedEnding,
  type EndFacts,
  type Ending,
} from "./end-messages.js";
import { keyVariable, readKey, type KeySource } from "./key.js";
import { JobRun } from "./record-writer.js";
import { acquireSlot, type ReleaseSlot } from "./slots.js";
import { commitWork } from "./steps/commit.js";
import { settlePolicy } from "./steps/policy.js";
import { openingRound, repairRound, type RoundPlan } from "./steps/plan.js";
import { makeWorkspace, prepare, type Prepared } from "./steps/prepare.js";
import { mergeFacts, review } from "./steps/review.js";
import { work, type Worked } from "./steps/work.js";
import type { Stopper } from "./stopper.js";
import { defaultMaxTurns } from "./worker-brief.js";
import { withheldFacts } from "./withhold.js";
import { nextRound } from "./rounds.js";
import type { CheckOutcome } from "../facts/change.js";
import type { EffectivePolicy } from "../policy/layering.js";
import type { FiredRule } from "../policy/evaluate.js";

export interface RunnerInput {
  store: JobStore;
  id: string;
  /** Where the key comes from, as the runner's entry loaded it once (or why it could not). */
  keySource: KeySource | UserError;
  stopper: Stopper;
  /** Why the sandbox cannot run here (undefined: it can); a runner started ahead asked before its job came. */
  sandboxProblem: () => Promise<string | undefined>;
}

export async function runJob({ store, id, keySource, stopper, sandboxProblem }: RunnerInput): Promise<void> {
  const run = await JobRun.open(store, id);
  // A job whose record cannot be written is one nobody can see, follow or apply: stop working blind.
  run.onUnwritable = () => stopper.stop({ kind: "orphaned" });
  const cleanups: (() => Promise<void>)[] = [];
  let releaseSlot: ReleaseSlot | undefined;
  let ending: Ending;
  try {
    const hold = {
      defer: (cleanup: () => Promise<void>) => void cleanups.push(cleanup),
      slot: (release: ReleaseSlot) => void (releaseSlot = release),
    };
    ending = await pipeline(run, keySource, stopper, sandboxProblem, hold);
  } catch (error) {
    ending = crashEnding(error);
  } finally {
    // Whoever reads the terminal state finds the job's leftovers settled; each is independent of the others.
    await Promise.all(
      cleanups.map((cleanup) =>
        cleanup().catch((failure: unknown) => console.error(`cleaning up after the job failed: ${run.redact(String(failure))}`)),
      ),
    );
  }
  await run.end({ ...ending, ...(ending.error ? { error: run.redact(ending.error) } : {}) });
  // The next queued job starts once this one's terminal state is written: no reader sees two at once.
  await releaseSlot?.();
}

/** What the pipeline hands back to the runner's end: cleanups for its `finally`, and the slot it holds. */
interface Holds {
  defer: (cleanup: () => Promise<void>) => void;
  slot: (release: ReleaseSlot) => void;
}

async function pipeline(
  run: JobRun,
  keySource: KeySource | UserError,
  stopper: Stopper,
  sandboxProblem: RunnerInput["sandboxProblem"],
  { defer, slot }: Holds,
): Promise<Ending> {
  const { store } = run;
  const clock = phaseClock(run.record.created_at);
  if (keySource instanceof UserError) throw keySource;
  const apiKey = await readKey(keySource);
  const scanner = new SecretScanner([apiKey]);
  run.redact = redactor(apiKey);
  const ended = () => stoppedEnding(stopper.cause()!, endFacts(store, run.record));

  const release = await clock.time("queue", () =>
    acquireSlot(
      new HomeLayout(run.record.settings.home),
      run.record.settings.max_jobs,
      { id: run.id, createdAt: run.record.created_at },
      () => stopper.cause() !== undefined,
    ),
  );
  if (!release) return stoppedQueuedEnding(stopper.cause(), endFacts(store, run.record));
  slot(release);

  await run.moveTo("preparing");
  const bin = claudeBinary(run.record.settings.claude_bin);
  // The sandbox probe, the policy's read and the workspace are independent: side by side, the
  // probe's refusal said first, then the policy's. The workspace is begun first: its worktree add is
  // the longest of the three, and the policy's parse holds the thread for a while once it starts.
  const making = makeWorkspace({ store, job: run.record, scanner, defer, time: clock.time });
  const [sandbox, settled, workspace] = await Promise.allSettled([
    checkSandbox(run.record, sandboxProblem),
    clock
      .time("policy", () => settlePolicy(run.record))
      .then(async (read) => {
        await run.update(read.facts);
        return read;
      }),
    making,
  ]);
  if (sandbox.status === "rejected") throw sandbox.reason;
  if (settled.status === "rejected") throw settled.reason;
  if (workspace.status === "rejected") throw workspace.reason;
  const { policy, worktreeInclude } = settled.value;
  const prepared = await prepare({
    store,
    job: run.record,
    workspace: workspace.value,
    policy,
    worktreeInclude,
    bin,
    keySource,
    redact: run.redact,
    signal: stopper.signal,
    time: clock.time,
  });
  await run.update({ placed: prepared.placed, worktree_git_dir: prepared.place.gitDir });
  if (stopper.cause()) return ended();

  const round: RoundContext = { run, stopper, policy, prepared, scanner, apiKey, keySource, clock };
  const plan = { store, job: run.record, runtime: prepared.runtime, redact: run.redact };
  let next: RoundPlan | undefined = await openingRound(plan);
  let head = run.record.head_commit ?? run.record.base.commit;
  while (next) {
    const result = await runRound(round, next);
    if ("state" in result) return result;
    head = result.head;
    const after = nextRound({
      rounds: run.record.rounds ?? [],
      limits: run.record.limits!,
      checks: result.checks,
      fired: result.fired,
      canEscalate: run.record.escalation !== undefined,
    });
    // An escalation moves to the think model the job was started with; a fix round stays on this one.
    const model: { model: string; label: string } = after?.kind === "escalate" && run.record.escalation ? run.record.escalation : next;
    next = after ? await repairRound({ ...plan, job: run.record }, after.kind, after.tier, model.model, model.label) : undefined;
  }
  // The worktree is the person's again while the merge status is read (a failure to give it back is
  // the cleanup's to log, as it is however the job ends); the merge status is written with done.
  const [merge] = await Promise.all([clock.time("merge", () => mergeFacts(run.record, head)), prepared.giveBack().catch(() => undefined)]);
  return doneEnding({ ...merge, timings: clock.timings() });
}

interface RoundContext {
  run: JobRun;
  stopper: Stopper;
  policy: EffectivePolicy;
  prepared: Prepared;
  scanner: SecretScanner;
  apiKey: string;
  keySource: KeySource;
  clock: PhaseClock;
}

/** What a round that reached its verdict leaves for the decision on the next one. */
interface Reviewed {
  head: string;
  checks: CheckOutcome[];
  fired: FiredRule[];
}

/** One round: the worker, its commit, the checks and the verdict, over the whole change from the base. */
async function runRound(ctx: RoundContext, plan: RoundPlan): Promise<Ending | Reviewed> {
  const { run, stopper, policy, prepared, scanner, clock } = ctx;
  const { store } = run;
  const ended = () => stoppedEnding(stopper.cause()!, endFacts(store, run.record));
  const earlier = (run.record.rounds ?? []).filter((round) => round.n < plan.n);
  let facts: RoundFacts = {
    n: plan.n,
    kind: plan.kind,
    tier: plan.tier,
    model_label: plan.label,
    session: plan.session,
    started_at: now(),
  };
  // This round's facts as they settle, after the earlier rounds'.
  const settle = (more: Partial<RoundFacts>) => {
    facts = { ...facts, ...more };
    return { rounds: [...earlier, facts] };
  };
  await run.moveTo("working", { ...settle({}), pending_round: undefined });

  const report = (worker: Worked["worker"], urgent: boolean) => void run.progress({ worker }, urgent);
  const roundSpec = { n: plan.n, model: plan.model, prompt: plan.prompt, ...(plan.resume ? { resume: plan.resume } : {}) };
  const worked = await clock.time("worker", () =>
    work({ store, job: run.record, policy, prepared, apiKey: ctx.apiKey, round: roundSpec, stopper, redact: run.redact, report }).catch(
      (error: unknown) => crashed(run.record, error),
    ),
  );
  const partial = stopper.cause()?.kind ?? (worked.outcome.ok ? undefined : "failed");
  const { committed, inventory } = await clock.time("commit", () =>
    commitWork({ job: run.record, policy, prepared, scanner, summary: worked.outcome.summary, partial }),
  );
  const spent = {
    head_commit: committed.head_commit,
    turns: worked.worker.turns,
    ...(worked.worker.summary ? { summary: worked.worker.summary } : {}),
    ...(worked.worker.cost_usd === undefined ? {} : { cost_usd: worked.worker.cost_usd }),
    ...(worked.worker.usage ? { usage: worked.worker.usage } : {}),
  };
  const afterCommit = { worker: worked.worker, ...committed, ...settle(spent), timings: clock.timings() };
  const stoppedOrFailed = (ending: Ending) => run.update(settle({ ended: ending.state, ended_at: now() })).then(() => ending);
  if (stopper.cause()) return run.update(afterCommit).then(() => stoppedOrFailed(ended()));
  if (!worked.outcome.ok)
    return run.update(afterCommit).then(() =>
      stoppedOrFailed(
        workerFailedEnding(worked.outcome.failure!, {
          ...endFacts(store, run.record),
          keyVariable: keyVariable(ctx.keySource),
          baseUrl: run.record.settings.base_url,
          maxTurns: policy.worker.max_turns ?? defaultMaxTurns,
          provider: worked.worker.provider,
        }),
      ),
    );

  // The commit's facts and the new state in one write; the worker's last tool is not what a reader
  // should see while the change is listed for the checks.
  await run.moveTo("checking", { ...afterCommit, worker: { ...worked.worker, last_activity: "starting checks" } });
  const withheld = committed.withheld ?? [];
  const files = [...inventory, ...withheldFacts(withheld)];
  const onCheck = (name: string) => void run.progress({ worker: { ...run.record.worker!, last_activity: `check ${name}` } }, true);
  const checks = await clock.time("checks", () =>
    runChecks(policy, files, { ...prepared.commands, logDir: store.checksDir(run.id, plan.n), onCheck }),
  );
  const counts = checkCounts(checks);
  const checked = {
    checks: { ...counts, results: checks },
    ...settle({ checks: { passed: counts.passed, failed: counts.failed, failed_names: counts.failed_names } }),
  };
  if (stopper.cause()) return run.update(checked).then(() => stoppedOrFailed(ended()));

  await run.moveTo("reviewing", checked);
  const reviewed = await clock.time("verdict", () =>
    review({
      job: run.record,
      policy,
      prepared,
      head: committed.head_commit,
      files,
      checks,
      withheld,
      report: worked.outcome.report,
      reportProblem: worked.outcome.reportProblem,
    }),
  );
  await run.update({ ...reviewed, ...settle({ head_commit: reviewed.head_commit, verdict: reviewed.verdict.verdict, ended_at: now() }) });
  return { head: reviewed.head_commit, checks, fired: reviewed.verdict.fired };
}

/** A worker step that threw (the relay or the binary would not start): a failed outcome, so its work is still committed. */
function crashed(job: Readonly<JobRecord>, error: unknown): Worked {
  const outcome: WorkerOutcome = {
    ok: false,
    failure: { kind: "other", message: crashEnding(error).error! },
    turns: job.worker?.turns ?? 0,
    usage: job.worker?.usage ?? { input_tokens: 0, output_tokens: 0 },
  };
  return { outcome, worker: job.worker ?? { turns: 0 } };
}

function endFacts(store: JobStore, job: Readonly<JobRecord>): EndFacts {
  return {
    branch: job.branch,
    keptWork: (job.changes?.files ?? 0) > 0,
    timeoutS: job.settings.timeout_s,
    stallS: job.settings.stall_s,
    recordDir: store.dir(job.id),
  };
}

type PhaseClock = ReturnType<typeof phaseClock>;

/** How long each phase took, from the job's creation (runner_start) on. */
function phaseClock(createdAt: string) {
  const timings: Partial<Record<Phase, number>> = { runner_start: Math.max(0, Date.now() - Date.parse(createdAt)) };
  return {
    async time<T>(phase: Phase, step: () => Promise<T>): Promise<T> {
      const startedAt = performance.now();
      try {
        return await step();
      } finally {
        timings[phase] = Math.round(performance.now() - startedAt);
      }
    },
    timings: () => ({ ...timings }),
  };
}

async function checkSandbox(job: Readonly<JobRecord>, sandboxProblem: RunnerInput["sandboxProblem"]): Promise<void> {
  if (!job.settings.sandbox) return;
  const problem = await sandboxProblem();
  if (problem) throw new UserError("prerequisite", `${problem}; or set CODE_WORKER_SANDBOX=off to run without it`);
}
