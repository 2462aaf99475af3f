// Before each round: what the worker is told and which session it resumes. A session is resumed
// when its transcript is still in the worker's config dir; otherwise the round starts a fresh
// session told the task, the last round's summary and the diff so far.
import { lstat, readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Tier } from "../../config.js";
import { gitRun } from "../../git/raw.js";
import type { Redact } from "../../secret/redact.js";
import type { JobRecord, RoundFacts, RoundKind } from "../../store/record.js";
import type { JobStore } from "../../store/store.js";
import { capText } from "../../text.js";
import { failingChecks, fixPrompt, freshPrompt } from "../rounds.js";
import type { Runtime } from "../runtime.js";

export interface RoundPlan {
  n: number;
  kind: RoundKind;
  tier: Tier;
  model: string;
  label: string;
  prompt: string;
  resume?: string;
  session: RoundFacts["session"];
}

export interface PlanInput {
  store: JobStore;
  job: Readonly<JobRecord>;
  runtime: Runtime;
  redact: Redact;
}

const diffBytes = 16_384;
const sessionId = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The round this runner was started for: the job's first, or the follow-up the host sent. */
export async function openingRound(input: PlanInput): Promise<RoundPlan> {
  const { store, job } = input;
  const pending = job.pending_round;
  if (!job.rounds?.length || !pending) {
    const task = await readFile(store.file(job.id, "task.md"), "utf8");
    return { n: 1, kind: "first", tier: job.tier.chosen, model: job.tier.model, label: job.tier.label, prompt: task, session: "new" };
  }
  const instruction = await readFile(store.roundFile(job.id, pending.n, "task.md"), "utf8");
  return {
    n: pending.n,
    kind: "continue",
    tier: pending.tier,
    model: pending.model,
    label: pending.label,
    ...(await session(input, instruction)),
  };
}

/** A fix or escalation round: the failing checks and their logs' tails, in the same session. */
export async function repairRound(
  input: PlanInput,
  kind: "fix" | "escalate",
  tier: Tier,
  model: string,
  label: string,
): Promise<RoundPlan> {
  const { store, job } = input;
  const last = job.rounds?.at(-1);
  const failing = failingChecks(job.checks?.results ?? []);
  const tails = await Promise.all(
    failing.map(async (check) => ({
      ...check,
      tail: await readFile(store.checkLog(job.id, check.name, last?.n ?? 1), "utf8").catch(() => ""),
    })),
  );
  return { n: (job.rounds?.length ?? 0) + 1, kind, tier, model, label, ...(await session(input, fixPrompt(tails))) };
}

async function session(input: PlanInput, instruction: string): Promise<Pick<RoundPlan, "prompt" | "resume" | "session">> {
  const { job, runtime } = input;
  const id = job.worker?.session_id;
  if (
    id &&
    sessionId.test(id) &&
    (await isTranscript(join(runtime.worker.config, "projects", job.worktree.replace(/[^a-zA-Z0-9]/g, "-"), `${id}.jsonl`)))
  ) {
    return { prompt: instruction, resume: id, session: "resumed" };
  }
  const task = await readFile(input.store.file(job.id, "task.md"), "utf8");
  const diff = await gitRun(job.repo.root, [
    "diff",
    "--no-color",
    "--no-ext-diff",
    "--no-textconv",
    job.base.commit,
    job.head_commit ?? job.base.commit,
  ]);
  const shown = capText(input.redact(diff.stdout), diffBytes, "start");
  const diffText = shown.truncated_bytes ? `${shown.text}\n… (${shown.truncated_bytes} more bytes of diff)` : shown.text;
  return { prompt: freshPrompt({ task, lastSummary: job.worker?.summary, diff: diffText, instruction }), session: "fresh" };
}

async function isTranscript(path: string): Promise<boolean> {
  return (await lstat(path).catch(() => undefined))?.isFile() ?? false;
}
