// Every way a job ends, as a table: the terminal state and the exact line a person reads.
import assert from "node:assert/strict";
import { test } from "node:test";
import { UserError } from "../src/errors.js";
import {
  crashEnding,
  stoppedEnding,
  stoppedQueuedEnding,
  workerFailedEnding,
  type EndFacts,
  type FailureFacts,
} from "../src/runner/end-messages.js";
import type { StopCause } from "../src/runner/stopper.js";

const facts: EndFacts = {
  branch: "code-worker/fix-k7m2",
  keptWork: false,
  timeoutS: 600,
  stallS: 120,
  recordDir: "/repo/.git/code-worker/jobs/fix-k7m2",
};
const kept: EndFacts = { ...facts, keptWork: true };
const partial = "; partial work is on branch code-worker/fix-k7m2";

test("a stopped job ends in the state its cause names, with the limit to change", () => {
  const rows: [StopCause, EndFacts, string, string][] = [
    [{ kind: "timeout" }, facts, "timed_out", "the worker ran past its 600s limit (timeout_s, CODE_WORKER_JOB_TIMEOUT_S)"],
    [{ kind: "timeout" }, kept, "timed_out", `the worker ran past its 600s limit (timeout_s, CODE_WORKER_JOB_TIMEOUT_S)${partial}`],
    [
      { kind: "rate_limited", retryAfterS: 300 },
      facts,
      "failed",
      "the provider is rate limiting (429) and asks to wait 300s, longer than 120s (CODE_WORKER_STALL_S); start the job again later",
    ],
    [
      { kind: "stall", how: { what: "no_answer" } },
      facts,
      "failed",
      "the provider sent nothing after a request for 120s (CODE_WORKER_STALL_S)",
    ],
    [
      { kind: "stall", how: { what: "mid_answer" } },
      kept,
      "failed",
      `the provider went silent in the middle of an answer for 120s (CODE_WORKER_STALL_S)${partial}`,
    ],
    [
      { kind: "stall", how: { what: "trickle", bytes: 80 } },
      facts,
      "failed",
      "the provider trickled (80 bytes of one answer) for 120s (CODE_WORKER_STALL_S)",
    ],
    [
      { kind: "stall", how: { what: "idle" } },
      facts,
      "failed",
      "the worker sent no request and ran no tool for 120s (CODE_WORKER_STALL_S)",
    ],
    [{ kind: "cancel", reason: "obsolete" }, facts, "cancelled", "cancelled (obsolete)"],
    [
      { kind: "cancel", reason: "user_requested", note: "wrong\nbranch" },
      kept,
      "cancelled",
      `cancelled (user_requested): wrong branch${partial}`,
    ],
    [
      { kind: "orphaned" },
      facts,
      "failed",
      "the job's record at /repo/.git/code-worker/jobs/fix-k7m2 could no longer be written (the repository was moved or deleted); the runner stopped",
    ],
  ];
  for (const [cause, endFacts, state, error] of rows) {
    const ending = stoppedEnding(cause, endFacts);
    assert.equal(ending.state, state, cause.kind);
    assert.equal(ending.error, error);
  }
  const cancelled = stoppedEnding({ kind: "cancel", reason: "unsafe", note: "n" }, facts);
  assert.deepEqual({ reason: cancelled.cancel?.reason, note: cancelled.cancel?.note }, { reason: "unsafe", note: "n" });
});

test("a job stopped in the queue says so, unless it was cancelled", () => {
  assert.deepEqual(stoppedQueuedEnding(undefined, facts), { state: "failed", error: "the runner was stopped before the job started" });
  assert.deepEqual(stoppedQueuedEnding({ kind: "timeout" }, facts), {
    state: "failed",
    error: "the runner was stopped before the job started",
  });
  assert.equal(stoppedQueuedEnding({ kind: "cancel", reason: "obsolete" }, facts).state, "cancelled");
});

test("a worker that failed names what failed and the variable or limit to check", () => {
  const base: FailureFacts = { ...facts, keyVariable: "CODE_WORKER_API_KEY_FILE", maxTurns: 60 };
  const rows: [Parameters<typeof workerFailedEnding>[0], FailureFacts, string][] = [
    [
      { kind: "auth", message: "invalid x-api-key" },
      base,
      "the provider rejected the key: invalid x-api-key (check CODE_WORKER_API_KEY_FILE)",
    ],
    [
      { kind: "auth", message: "invalid" },
      { ...base, keyVariable: "CODE_WORKER_API_KEY" },
      "the provider rejected the key: invalid (check CODE_WORKER_API_KEY)",
    ],
    [
      { kind: "unreachable", message: "ECONNREFUSED" },
      { ...base, baseUrl: "http://127.0.0.1:9" },
      "cannot reach the provider at http://127.0.0.1:9: ECONNREFUSED (check CODE_WORKER_BASE_URL)",
    ],
    [
      { kind: "unreachable", message: "ENOTFOUND" },
      base,
      "cannot reach the provider at the default endpoint: ENOTFOUND (check CODE_WORKER_BASE_URL)",
    ],
    [{ kind: "provider", message: "HTTP 500" }, { ...base, provider: { requests: 1 } }, "the provider failed on 1 request: HTTP 500"],
    [
      { kind: "provider", message: "HTTP 500" },
      { ...kept, keyVariable: "CODE_WORKER_API_KEY_FILE", maxTurns: 60, provider: { requests: 3 } },
      `the provider failed on 3 requests: HTTP 500${partial}`,
    ],
    [
      { kind: "provider", message: "429" },
      { ...base, provider: { requests: 4, last_error: { status: 429, retryAfterS: 30 } } },
      "the provider is rate limiting (429) and asks to wait 30s; the worker gave up after 4 requests; start the job again later",
    ],
    [
      { kind: "provider", message: "429" },
      { ...base, provider: { requests: 2, last_error: { status: 429 } } },
      "the provider is rate limiting (429); the worker gave up after 2 requests; start the job again later",
    ],
    [
      { kind: "max_turns", message: "error_max_turns" },
      { ...base, maxTurns: 7 },
      "the worker used all 7 turns (the policy's worker.max_turns) before finishing",
    ],
    [
      { kind: "sandbox", message: "bwrap: No permissions" },
      base,
      "bwrap: No permissions (install bubblewrap and socat, or set CODE_WORKER_SANDBOX=off)",
    ],
    [
      { kind: "no_result", message: "the worker stopped without a result: killed by SIGKILL" },
      kept as FailureFacts,
      `the worker stopped without a result: killed by SIGKILL${partial}`,
    ],
  ];
  for (const [failure, failureFacts, error] of rows)
    assert.deepEqual(workerFailedEnding(failure, failureFacts), { state: "failed", error });
});

test("anything thrown past the steps fails the job: a UserError with its own line, the rest as a runner error", () => {
  assert.deepEqual(crashEnding(new UserError("configuration", 'the key file "/k" (CODE_WORKER_API_KEY_FILE) is empty')), {
    state: "failed",
    error: 'the key file "/k" (CODE_WORKER_API_KEY_FILE) is empty',
  });
  assert.deepEqual(crashEnding(new Error("EACCES:\n permission denied")), {
    state: "failed",
    error: "runner error: Error: EACCES: permission denied",
  });
});
