// Step 3: Claude Code in the worktree, confined, talking to the provider through the job's relay,
// until it finishes or is stopped. Its events go to the event log; its progress to the caller.
import { mkdir } from "node:fs/promises";
import type { EffectivePolicy } from "../../policy/layering.js";
import { startRelay, type Relay } from "../../relay/relay.js";
import type { Redact } from "../../secret/redact.js";
import { EventLog } from "../../store/event-log.js";
import { now, type JobRecord } from "../../store/record.js";
import type { JobStore } from "../../store/store.js";
import { oneLine } from "../../text.js";
import { providerBase, workerCommand, type WorkerCommand } from "../../worker/command.js";
import { startWorker } from "../../worker/run-worker.js";
import type { WorkerOutcome } from "../../worker/stream.js";
import { startTicks } from "../../os/processes.js";
import type { Stopper } from "../stopper.js";
import { watch } from "../watchdog.js";
import { defaultMaxTurns, denyRules, instructions, workerAllowRules } from "../worker-brief.js";
import type { Prepared } from "./prepare.js";

const anthropicBase = "https://api.anthropic.com";

export type WorkerFacts = NonNullable<JobRecord["worker"]>;

export interface WorkInput {
  store: JobStore;
  job: Readonly<JobRecord>;
  policy: EffectivePolicy;
  prepared: Prepared;
  apiKey: string;
  /** This round: its number (its events go apart), the model, what the worker is told, and the session it resumes. */
  round: { n: number; model: string; prompt: string; resume?: string };
  stopper: Stopper;
  redact: Redact;
  /** The worker's facts so far; `urgent` when its visible activity changed. */
  report: (worker: WorkerFacts, urgent: boolean) => void;
}

export interface Worked {
  outcome: WorkerOutcome;
  worker: WorkerFacts;
}

export async function work(input: WorkInput): Promise<Worked> {
  const { job, prepared } = input;
  const relay = await startRelay({
    ...(prepared.confinement ? { socketPath: prepared.runtime.relaySocket } : {}),
    upstream: providerBase(job.settings.base_url ?? anthropicBase),
    apiKey: input.apiKey,
  });
  try {
    return await runWorker(input, commandFor(input, relay), relay);
  } finally {
    await relay.close();
  }
}

function commandFor({ job, policy, prepared, round }: WorkInput, relay: Relay): WorkerCommand {
  const { runtime } = prepared;
  return workerCommand({
    bin: prepared.bin,
    model: round.model,
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
    ...(round.resume ? { resume: round.resume } : {}),
  });
}

async function runWorker(input: WorkInput, command: WorkerCommand, relay: Relay): Promise<Worked> {
  const { store, job, stopper, redact, round } = input;
  await mkdir(store.roundDir(job.id, round.n), { recursive: true });
  const events = new EventLog(store.roundFile(job.id, round.n, "events.jsonl"), store.roundFile(job.id, round.n, "events.1.jsonl"), redact);
  let facts: WorkerFacts = { turns: 0 };
  const worker = startWorker(command, job.worktree, round.prompt, {
    onLine: (line) => events.append(line),
    onEvent: (progress, activityChanged) => {
      facts = {
        ...facts,
        turns: progress.turns,
        last_event_at: now(),
        last_activity: progress.lastActivity,
        usage: progress.usage,
        session_id: progress.sessionId,
        provider: providerFacts(relay),
      };
      input.report(facts, activityChanged);
    },
  });
  facts = { ...facts, pid: worker.pid, start_ticks: startTicks(worker.pid) };
  input.report(facts, true);
  stopper.watchWorker(worker);
  const lastEventAt = () => (facts.last_event_at ? Date.parse(facts.last_event_at) : undefined);
  const watchdog = watch({ timeoutS: job.settings.timeout_s, stallS: job.settings.stall_s }, worker, relay, lastEventAt, (cause) =>
    stopper.stop(cause),
  );
  const finished = await worker.outcome.finally(() => clearInterval(watchdog));
  // The summary goes into a commit message too, which no record-level redaction would reach.
  const outcome: WorkerOutcome = { ...finished, ...(finished.summary ? { summary: redact(finished.summary) } : {}) };
  return { outcome, worker: { ...facts, ...outcomeFacts(outcome), provider: providerFacts(relay) } };
}

/** What the relay counted: every request and the provider's own token counts. */
function providerFacts(relay: Relay): WorkerFacts["provider"] {
  const { requests, input_tokens, output_tokens, lastError } = relay.activity();
  return { requests, input_tokens, output_tokens, ...(lastError ? { last_error: lastError } : {}) };
}

function outcomeFacts(outcome: WorkerOutcome): Partial<WorkerFacts> {
  return {
    turns: outcome.turns,
    usage: outcome.usage,
    cost_usd: outcome.costUsd,
    denials: outcome.denials,
    session_id: outcome.sessionId,
    summary: outcome.summary ? oneLine(outcome.summary, 400) : undefined,
  };
}
