// Why a job is stopped early, and the one switch that stops it: the first cause wins, and stopping
// ends the worker and any setup or check command running.
import type { RunningWorker } from "../worker/run-worker.js";
import type { CancelReason } from "../store/record.js";

/** How a provider failed to answer: nothing at all, silence mid-answer, a trickle, or no request at all. */
export type Silence = { what: "no_answer" } | { what: "mid_answer" } | { what: "trickle"; bytes: number } | { what: "idle" };

export type StopCause =
  | { kind: "cancel"; reason: CancelReason; note?: string }
  | { kind: "timeout" }
  | { kind: "stall"; how: Silence }
  | { kind: "rate_limited"; retryAfterS: number }
  | { kind: "orphaned" };

export class Stopper {
  private first?: StopCause;
  private worker?: RunningWorker;
  private readonly aborter = new AbortController();
  readonly signal = this.aborter.signal;

  /** The first cause, once the job is stopped: a method, since any step may stop the job meanwhile. */
  cause(): StopCause | undefined {
    return this.first;
  }

  stop(cause: StopCause): void {
    this.first ??= cause;
    this.aborter.abort();
    void this.worker?.stop();
  }

  /** The running worker is stopped with the job; one that starts after a stop is stopped at once. */
  watchWorker(worker: RunningWorker): void {
    this.worker = worker;
    if (this.first) void worker.stop();
  }
}
