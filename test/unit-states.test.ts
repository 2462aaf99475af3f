// A job's life as tables: every state change the record allows or refuses, and the liveness a read
// computes from a record (state, ages, next_poll_s). Records are values here; nothing runs.
import assert from "node:assert/strict";
import { test } from "node:test";
import { liveness, nextPollS, quietMs, staleHeartbeatMs, type LivenessState } from "../src/control/liveness.js";
import { activeStates, assertTransition, terminalStates, type JobRecord, type JobState } from "../src/store/record.js";
import { recordEpoch, sampleRecord } from "./records.js";

const states: JobState[] = [...activeStates, ...terminalStates];

/** The life of a job as DESIGN.md draws it, written out pair by pair. */
const allowed = new Set([
  "queued→preparing",
  "preparing→working",
  "working→checking",
  "checking→reviewing",
  "reviewing→done",
  // A round whose checks failed is followed by a fix or escalation round in the same runner.
  "reviewing→working",
  // Any active state may end early, in any terminal state but done and the host's two.
  ...activeStates.flatMap((from) => ["failed", "cancelled", "timed_out", "lost"].map((to) => `${from}→${to}`)),
  "done→applied",
  // Every ended job may be discarded, except one the host has already settled.
  ...["done", "failed", "cancelled", "timed_out", "lost"].map((from) => `${from}→discarded`),
  // A host's follow-up queues an ended job again (not a lost one, nor one the host settled).
  ...["done", "failed", "cancelled", "timed_out"].map((from) => `${from}→queued`),
]);

test("every from × to: the allowed moves pass, every other one is refused naming the job and both states", () => {
  assert.equal(states.length, 12);
  let refused = 0;
  for (const from of states) {
    for (const to of states) {
      const move = () => assertTransition("fix-sum-k7m2", from, to);
      if (allowed.has(`${from}→${to}`)) assert.doesNotThrow(move, `${from}→${to}`);
      else {
        assert.throws(move, { message: `job fix-sum-k7m2: cannot move from ${from} to ${to}` }, `${from}→${to}`);
        refused++;
      }
    }
  }
  assert.equal(refused, 144 - allowed.size);
  assert.equal(allowed.size, 6 + 5 * 4 + 1 + 5 + 4);
});

const t0 = recordEpoch;
const at = (s: number) => new Date(t0 + s * 1000).toISOString();

function record(status: JobState, facts: { heartbeatS?: number; lastEventS?: number; endedS?: number } = {}): JobRecord {
  return sampleRecord({
    status,
    created_at: at(0),
    ...(facts.endedS === undefined ? {} : { ended_at: at(facts.endedS) }),
    ...(facts.heartbeatS === undefined ? {} : { runner: { pid: 4242, heartbeat_at: at(facts.heartbeatS) } }),
    ...(facts.lastEventS === undefined
      ? {}
      : { worker: { turns: 3, last_event_at: at(facts.lastEventS), last_activity: "Edit src/sum.js" } }),
  });
}

test("liveness: running, quiet, stalled, exited and dead, at their boundaries", () => {
  const staleS = staleHeartbeatMs / 1000;
  const quietS = quietMs / 1000;
  const now = 1000;
  const cases: [string, JobRecord, boolean, LivenessState][] = [
    ["working, fresh heartbeat and event", record("working", { heartbeatS: now - 2, lastEventS: now - 5 }), true, "running"],
    ["queued, no heartbeat yet", record("queued"), true, "running"],
    ["heartbeat exactly at the limit", record("working", { heartbeatS: now - staleS, lastEventS: now - 1 }), true, "running"],
    ["heartbeat a second past the limit", record("working", { heartbeatS: now - staleS - 1, lastEventS: now - 1 }), true, "stalled"],
    [
      "stale heartbeat wins over a quiet worker",
      record("working", { heartbeatS: now - staleS - 1, lastEventS: now - quietS - 100 }),
      true,
      "stalled",
    ],
    ["worker silent exactly the quiet time", record("working", { heartbeatS: now - 1, lastEventS: now - quietS }), true, "running"],
    ["worker silent past the quiet time", record("working", { heartbeatS: now - 1, lastEventS: now - quietS - 1 }), true, "quiet"],
    ["checks run long with no worker events", record("checking", { heartbeatS: now - 1, lastEventS: now - quietS - 500 }), true, "running"],
    ["runner gone, no terminal state", record("working", { heartbeatS: now - 1, lastEventS: now - 1 }), false, "dead"],
    ["done", record("done", { heartbeatS: now - 500, endedS: now - 400 }), false, "exited"],
    ["failed while its pid is reused", record("failed", { endedS: now - 10 }), true, "exited"],
    ["applied", record("applied", { endedS: now - 10 }), false, "exited"],
    ["lost", record("lost", { endedS: now - 10 }), true, "dead"],
  ];
  for (const [name, job, runnerAlive, state] of cases) assert.equal(liveness(job, t0 + now * 1000, runnerAlive).state, state, name);
});

test("liveness facts: ages in whole seconds, never negative, elapsed stops at the end", () => {
  const job = record("working", { heartbeatS: 97.4, lastEventS: 50.6 });
  assert.deepEqual(liveness(job, t0 + 100_000, true), {
    state: "running",
    heartbeat_age_s: 3,
    last_event_age_s: 49,
    last_activity: "Edit src/sum.js",
    turns: 3,
    elapsed_s: 100,
  });
  // A clock a little behind the runner's must not show negative ages.
  const ahead = liveness(record("working", { heartbeatS: 12, lastEventS: 12 }), t0 + 10_000, true);
  assert.deepEqual([ahead.heartbeat_age_s, ahead.last_event_age_s], [0, 0]);
  assert.deepEqual(liveness(record("queued"), t0 + 4_000, true), {
    state: "running",
    heartbeat_age_s: undefined,
    last_event_age_s: undefined,
    last_activity: undefined,
    turns: 0,
    elapsed_s: 4,
  });
  assert.equal(liveness(record("done", { endedS: 42 }), t0 + 9_999_000, false).elapsed_s, 42);
});

test("next_poll_s grows with the job's age and is absent once it has ended", () => {
  const cases: [number, number][] = [
    [0, 5],
    [29, 5],
    [30, 15],
    [119, 15],
    [120, 30],
    [599, 30],
    [600, 60],
    [86_400, 60],
  ];
  for (const [ageS, poll] of cases) assert.equal(nextPollS(record("working"), t0 + ageS * 1000), poll, `${ageS}s`);
  for (const status of terminalStates) assert.equal(nextPollS(record(status, { endedS: 5 }), t0 + 10_000), undefined, status);
  for (const status of activeStates) assert.equal(nextPollS(record(status), t0 + 1000), 5, status);
});
