// Stops the worker past its wall-clock limit, or when the provider does not answer: no byte for
// the stall limit on an open request, an answer trickling in (the relay counts every byte), a rate
// limit asking to wait longer than the stall limit, or no request, tool or event at all.
import type { Relay } from "../relay/relay.js";
import type { RunningWorker } from "../worker/run-worker.js";
import type { StopCause } from "./stopper.js";

/** Fewer bytes than this over a whole stall window of one answer is a trickle, not a stream. */
const trickleBytes = 1024;

export interface WatchLimits {
  timeoutS: number;
  stallS: number;
}

/** Samples once a second until cleared; `lastEventAt` is the worker's latest stream event, in ms. */
export function watch(
  limits: WatchLimits,
  worker: RunningWorker,
  relay: Relay,
  lastEventAt: () => number | undefined,
  stop: (cause: StopCause) => void,
): NodeJS.Timeout {
  const startedAt = Date.now();
  const stallMs = limits.stallS * 1000;
  let samples: { at: number; id: number; bytes: number }[] = [];
  return setInterval(() => {
    const nowMs = Date.now();
    if (nowMs - startedAt > limits.timeoutS * 1000) return stop({ kind: "timeout" });
    const activity = relay.activity();
    const request = activity.request;
    if (request) {
      if (nowMs - (request.lastByteAt ?? request.startedAt) > stallMs)
        return stop({ kind: "stall", how: { what: request.bytes ? "mid_answer" : "no_answer" } });
      samples = [
        ...samples.filter((sample) => sample.id === request.id && nowMs - sample.at <= stallMs),
        { at: nowMs, id: request.id, bytes: request.bytes },
      ];
      const windowStart = samples[0]!;
      if (
        nowMs - request.startedAt > stallMs &&
        nowMs - windowStart.at >= stallMs - 1500 &&
        request.bytes - windowStart.bytes < trickleBytes
      ) {
        return stop({ kind: "stall", how: { what: "trickle", bytes: request.bytes - windowStart.bytes } });
      }
      return;
    }
    const wait = activity.lastError?.status === 429 ? activity.lastError.retryAfterS : undefined;
    if (wait !== undefined && wait * 1000 > stallMs) return stop({ kind: "rate_limited", retryAfterS: wait });
    const lastEvent = lastEventAt() ?? startedAt;
    if (nowMs - Math.max(lastEvent, activity.lastByteAt ?? 0) > stallMs && worker.progress.toolsRunning === 0)
      stop({ kind: "stall", how: { what: "idle" } });
  }, 1000);
}
