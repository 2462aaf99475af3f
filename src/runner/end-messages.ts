// How a job ends, as values: the terminal state and the one line a person can act on. Pure, so
// every ending is tested as a table (test/unit-end-messages.test.ts).
import { UserError } from "../errors.js";
import type { CancelReason, JobRecord, TerminalState } from "../store/record.js";
import { now } from "../store/record.js";
import { oneLine } from "../text.js";
import type { FailureKind } from "../worker/stream.js";
import type { Silence, StopCause } from "./stopper.js";

/** The terminal state and the last facts written with it, in the same write. */
export interface Ending extends Partial<Pick<JobRecord, "merge" | "timings">> {
  state: TerminalState;
  error?: string;
  cancel?: { reason: CancelReason; note?: string; at: string };
}

/** What the lines name: limits, the branch holding partial work, where the record lives. */
export interface EndFacts {
  branch: string;
  /** Whether the job branch holds changed files. */
  keptWork: boolean;
  timeoutS: number;
  stallS: number;
  recordDir: string;
}

export interface FailureFacts extends EndFacts {
  keyVariable: "CODE_WORKER_API_KEY" | "CODE_WORKER_API_KEY_FILE";
  baseUrl?: string;
  maxTurns: number;
  provider?: { requests: number; last_error?: { status: number; retryAfterS?: number } };
}

/** A job that reached its last verdict: done, with the merge status read after it. */
export function doneEnding(facts: Required<Pick<JobRecord, "merge" | "timings">>): Ending {
  return { state: "done", ...facts };
}

function kept(facts: EndFacts): string {
  return facts.keptWork ? `; partial work is on branch ${facts.branch}` : "";
}

/** A job stopped by a cause: past its limit, a silent provider, a cancel, or its record gone. */
export function stoppedEnding(cause: StopCause, facts: EndFacts): Ending {
  const stall = `${facts.stallS}s (CODE_WORKER_STALL_S)`;
  switch (cause.kind) {
    case "timeout":
      return {
        state: "timed_out",
        error: `the worker ran past its ${facts.timeoutS}s limit (timeout_s, CODE_WORKER_JOB_TIMEOUT_S)${kept(facts)}`,
      };
    case "rate_limited":
      return {
        state: "failed",
        error: `the provider is rate limiting (429) and asks to wait ${cause.retryAfterS}s, longer than ${stall}; start the job again later${kept(facts)}`,
      };
    case "stall":
      return { state: "failed", error: `${silence(cause.how)} ${stall}${kept(facts)}` };
    case "cancel":
      return {
        state: "cancelled",
        error: `cancelled (${cause.reason})${cause.note ? `: ${oneLine(cause.note, 120)}` : ""}${kept(facts)}`,
        cancel: { reason: cause.reason, ...(cause.note !== undefined ? { note: cause.note } : {}), at: now() },
      };
    case "orphaned":
      return {
        state: "failed",
        error: `the job's record at ${facts.recordDir} could no longer be written (the repository was moved or deleted); the runner stopped`,
      };
  }
}

/** A job stopped while it waited for a slot: only a cancel says more than that. */
export function stoppedQueuedEnding(cause: StopCause | undefined, facts: EndFacts): Ending {
  if (cause?.kind === "cancel") return stoppedEnding(cause, facts);
  return { state: "failed", error: "the runner was stopped before the job started" };
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

/** A worker that ended without a usable result, named by what failed and what to check. */
export function workerFailedEnding(failure: { kind: FailureKind; message: string }, facts: FailureFacts): Ending {
  return { state: "failed", error: workerFailureLine(failure, facts) };
}

function workerFailureLine(failure: { kind: FailureKind; message: string }, facts: FailureFacts): string {
  switch (failure.kind) {
    case "auth":
      return `the provider rejected the key: ${failure.message} (check ${facts.keyVariable})`;
    case "unreachable":
      return `cannot reach the provider at ${facts.baseUrl ?? "the default endpoint"}: ${failure.message} (check CODE_WORKER_BASE_URL)`;
    case "provider": {
      const requestCount = facts.provider?.requests ?? 0;
      const requests = `${requestCount} request${requestCount === 1 ? "" : "s"}`;
      const lastError = facts.provider?.last_error;
      if (lastError?.status === 429) {
        const wait = lastError.retryAfterS === undefined ? "" : ` and asks to wait ${lastError.retryAfterS}s`;
        return `the provider is rate limiting (429)${wait}; the worker gave up after ${requests}; start the job again later${kept(facts)}`;
      }
      return `the provider failed on ${requests}: ${failure.message}${kept(facts)}`;
    }
    case "max_turns":
      return `the worker used all ${facts.maxTurns} turns (the policy's worker.max_turns) before finishing${kept(facts)}`;
    case "sandbox":
      return `${failure.message} (install bubblewrap and socat, or set CODE_WORKER_SANDBOX=off)`;
    default:
      return `${failure.message}${kept(facts)}`;
  }
}

/** Anything thrown past the steps: a UserError's own line, otherwise named as the runner's error. */
export function crashEnding(error: unknown): Ending {
  return { state: "failed", error: error instanceof UserError ? error.message : `runner error: ${oneLine(String(error))}` };
}
