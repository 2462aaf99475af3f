// The job record (job.json): the one source of truth about a job, shared by runner and control plane.
import type { Tier } from "../config.js";
import type { ChangeSummary, CheckOutcome, Withheld } from "../facts/change.js";
import type { FiredRule, PolicyVerdict } from "../policy/evaluate.js";
import type { ApplyMode } from "../git/apply.js";
import type { MergeStatus } from "../git/merge.js";

export const activeStates = ["queued", "preparing", "working", "checking", "reviewing"] as const;
/** A job's runner has finished in any of these; a done job is then applied or discarded by the host. */
export const terminalStates = ["done", "failed", "cancelled", "timed_out", "lost", "applied", "discarded"] as const;
export type ActiveState = (typeof activeStates)[number];
export type TerminalState = (typeof terminalStates)[number];
export type JobState = ActiveState | TerminalState;

export const cancelReasons = ["user_requested", "obsolete", "unsafe"] as const;
export type CancelReason = (typeof cancelReasons)[number];

export function isTerminal(state: JobState): state is TerminalState {
  return (terminalStates as readonly string[]).includes(state);
}

const next: Record<ActiveState, readonly JobState[]> = {
  queued: ["preparing"],
  preparing: ["working"],
  working: ["checking"],
  checking: ["reviewing"],
  // A reviewed round that failed its checks is followed by a fix or escalation round.
  reviewing: ["done", "working"],
};

const hostSettled: readonly JobState[] = ["applied", "discarded"];

/** Ended jobs a host may send a further instruction to (code_worker_continue_job). */
export const continuableStates = ["done", "failed", "cancelled", "timed_out"] as const;

/**
 * Refuses a move the life of a job does not allow: any active state may end early (but not as
 * done, applied or discarded); only a done job is applied; any other ended job may be discarded;
 * a continued job is queued again.
 */
export function assertTransition(id: string, from: JobState, to: JobState): void {
  const allowed = isTerminal(from)
    ? (to === "applied" && from === "done") ||
      (to === "discarded" && !hostSettled.includes(from)) ||
      (to === "queued" && (continuableStates as readonly string[]).includes(from))
    : isTerminal(to) && to !== "done" && !hostSettled.includes(to)
      ? true
      : next[from].includes(to);
  if (!allowed) throw new Error(`job ${id}: cannot move from ${from} to ${to}`);
}

export interface JobRecord {
  version: 1;
  id: string;
  task_label: string;
  /** First line of the task, cut short; the whole task is in task.md. */
  task_title: string;
  repo: { root: string; common_dir: string };
  base: { ref: string; commit: string };
  branch: string;
  worktree: string;
  tier: { chosen: Tier; requested: Tier | "auto"; model: string; label: string };
  settings: {
    timeout_s: number;
    stall_s: number;
    sandbox: boolean;
    base_url?: string;
    claude_bin?: string;
    max_jobs: number;
    home: string;
  };
  status: JobState;
  /** One line a person can act on, for every terminal state but done. */
  error?: string;
  cancel?: { reason: CancelReason; note?: string; at: string };
  created_at: string;
  started_at?: string;
  ended_at?: string;
  /** The runner's claim on the job: which backend runs it (local when absent) and its process. */
  runner?: { backend?: string; pid: number; start_ticks?: number; heartbeat_at: string };
  worker?: {
    /** The Claude Code process, so a job whose runner died can have its orphaned worker stopped. */
    pid?: number;
    start_ticks?: number;
    turns: number;
    last_event_at?: string;
    last_activity?: string;
    summary?: string;
    usage?: { input_tokens: number; output_tokens: number };
    cost_usd?: number;
    denials?: number;
    session_id?: string;
    /** What the relay counted: requests sent on and the provider's own token counts. */
    provider?: { requests: number; input_tokens: number; output_tokens: number; last_error?: { status: number; retryAfterS?: number } };
  };
  changes?: ChangeSummary;
  /** Which policy judges the job: the layers and a hash, set when the job is prepared. */
  policy_sources?: string;
  /** A policy file in the host checkout that differs from the base commit's, and so was not used. */
  policy_unused?: string;
  /** run_patch jobs: a preset layered over the repository's policy (builtin:tiny). */
  policy_overlay?: string;
  checks?: { passed: number; failed: number; skipped?: number; failed_names: string[]; results: CheckOutcome[] };
  verdict?: PolicyVerdict & { fired: FiredRule[] };
  /** Merge status against the host's HEAD, and the branch head it was computed for. */
  merge?: MergeStatus & { branch_head: string };
  applied?: { mode: ApplyMode; commit?: string; host_head: string; at: string };
  discarded_at?: string;
  /** When gc deleted the job's branch (and, for any job not applied, discarded it). */
  collected_at?: string;
  /** The state gc found a job in before discarding it (failed, done …): its outcome, still shown by list. */
  collected_from?: TerminalState;
  /** The worker's files kept out of the commit: over the size limit, or holding the key. */
  withheld?: Withheld[];
  /** The job branch's head once the runner has committed the worker's change. */
  head_commit?: string;
  /** Milliseconds each phase of the runner took, in the order they ran (the last round's when there were several). */
  timings?: Partial<Record<Phase, number>>;
  /** Every round that ran, in order; the job-level facts above are the last round's, over the whole change from the base. */
  rounds?: RoundFacts[];
  /** A follow-up the host sent, waiting for its runner; its task is in rounds/<n>/task.md. */
  pending_round?: { n: number; tier: Tier; model: string; label: string; requested_at: string };
  /** The policy's round limits, settled when the job was first prepared. */
  limits?: { max_rounds: number; fix_rounds: number; max_cost_usd?: number };
  /** For an auto job started on fast: the think model it may escalate to. */
  escalation?: { model: string; label: string };
  /** What setup copied or linked into the worktree, never part of the change (a later round needs it too). */
  placed?: string[];
  /** The worktree's own git dir, as git made it for the first round. */
  worktree_git_dir?: string;
}

/** The policy's worker.max_rounds and worker.fix_rounds when it sets none. */
export const defaultMaxRounds = 5;
export const defaultFixRounds = 1;

/** What the rounds cost in all, as the provider reported it. */
export function roundsCost(rounds: readonly RoundFacts[]): number {
  return rounds.reduce((sum, round) => sum + (round.cost_usd ?? 0), 0);
}

/** Why a round ran: the task, a fix for failing checks, the host's follow-up, or the auto tier's escalation. */
export type RoundKind = "first" | "fix" | "continue" | "escalate";

export interface RoundFacts {
  n: number;
  kind: RoundKind;
  tier: Tier;
  model_label: string;
  /** A new session, the previous one resumed, or a fresh one because the previous could not be (its file was gone). */
  session: "new" | "resumed" | "fresh";
  started_at: string;
  ended_at?: string;
  /** The job branch's head after this round. */
  head_commit?: string;
  checks?: { passed: number; failed: number; failed_names: string[] };
  verdict?: PolicyVerdict["verdict"];
  turns?: number;
  /** What the worker said it did in this round (one line). */
  summary?: string;
  cost_usd?: number;
  usage?: { input_tokens: number; output_tokens: number };
  /** How the round ended when it did not reach a verdict. */
  ended?: TerminalState;
}

/** The runner's phases, as `timings` names them: from the job's creation to its merge status. */
export const phases = ["runner_start", "queue", "policy", "worktree", "setup", "worker", "commit", "checks", "verdict", "merge"] as const;
export type Phase = (typeof phases)[number];

/** How often a living runner rewrites its record: the control plane judges staleness by it. */
export const heartbeatMs = 3000;

export function now(): string {
  return new Date().toISOString();
}
