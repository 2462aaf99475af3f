// Each fault class, tried several times through the real binary and the scripted provider: the end
// state and its one-line error must be the true one every time, and the time to that terminal state
// is measured. `npm run test:reliability` prints the table docs/reliability.md keeps.
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { loadConfig } from "../../src/config.js";
import { bash, fixSum, readSum, say } from "../../src/demo/sample.js";
import { Engine } from "../../src/control/engine.js";
import type { JobRecord } from "../../src/store/record.js";
import type { Script } from "../../src/provider/scripted-provider.js";
import { commandLine, descendants } from "../../src/os/processes.js";
import { eventually, fixture } from "../helpers.js";

const tries = Number(process.env.RELIABILITY_TRIES ?? 3);

interface Fault {
  name: string;
  script: Script;
  env?: Record<string, string>;
  /** Something done to the running job from outside, once its worker runs. */
  during?: (job: JobRecord, engine: Engine) => Promise<void>;
  status: JobRecord["status"];
  error: RegExp;
}

const long = (marker: number): Script => ({ turns: [readSum, fixSum, bash(`true; sleep ${marker}`)], fallback: say("Done.") });

const faults: Fault[] = [
  {
    name: "provider rejects the key (401)",
    script: { turns: [], fallback: { status: 401 } },
    status: "failed",
    error: /^the provider rejected the key: .* \(check CODE_WORKER_API_KEY_FILE\)$/,
  },
  {
    name: "provider fails (500)",
    script: { turns: [], fallback: { status: 500 } },
    status: "failed",
    error: /^the provider failed on \d requests: /,
  },
  {
    // The first round leaves the sample's check failing; the provider fails the fix round.
    name: "provider fails (500) in the fix round the runner starts itself",
    script: {
      turns: [
        { content: [{ type: "tool_use", name: "Write", input: { file_path: "NOTES.md", content: "notes\n" } }] },
        say("Wrote notes."),
      ],
      rounds: [{ when: "The checks failed on your change", turns: [], fallback: { status: 500 } }],
    },
    status: "failed",
    error: /^the provider failed on \d+ requests?: .*; partial work is on branch code-worker\//,
  },
  {
    name: "provider never answers",
    script: { turns: [{ hang: true }] },
    env: { CODE_WORKER_STALL_S: "5" },
    status: "failed",
    error: /^the provider sent nothing after a request for 5s/,
  },
  {
    name: "provider goes silent mid-answer",
    script: {
      turns: [
        {
          stall: true,
          content: [
            { type: "text", text: "a" },
            { type: "text", text: "b" },
          ],
        },
      ],
    },
    env: { CODE_WORKER_STALL_S: "5" },
    status: "failed",
    error: /^the provider went silent in the middle of an answer for 5s/,
  },
  {
    name: "provider trickles",
    script: { turns: [{ trickleMs: 500 }] },
    env: { CODE_WORKER_STALL_S: "5" },
    status: "failed",
    error: /^the provider trickled \(\d+ bytes of one answer\) for 5s/,
  },
  {
    name: "provider rate-limits (429, retry-after 600)",
    script: { turns: [], fallback: { status: 429, headers: { "retry-after": "600" } } },
    status: "failed",
    error: /^the provider is rate limiting \(429\) and asks to wait 600s/,
  },
  {
    name: "provider rate-limits (429, retry-after 20) and the worker would wait",
    script: { turns: [], fallback: { status: 429, headers: { "retry-after": "20" } } },
    env: { CODE_WORKER_STALL_S: "5" },
    status: "failed",
    error:
      /^the provider is rate limiting \(429\) and asks to wait 20s, longer than 5s \(CODE_WORKER_STALL_S\); start the job again later$/,
  },
  {
    name: "job cancelled while its worker runs",
    script: long(1401),
    during: async (job, engine) => void (await engine.cancel(job.id, "obsolete")),
    status: "cancelled",
    error: /^cancelled \(obsolete\); partial work is on branch code-worker\//,
  },
  {
    name: "worker killed from outside",
    script: long(1402),
    during: async (job) => {
      for (const pid of descendants(job.runner!.pid).filter((child) => commandLine(child)?.includes("--output-format")))
        process.kill(pid, "SIGKILL");
    },
    status: "failed",
    error: /^the worker stopped without a result: killed by SIGKILL/,
  },
  {
    name: "runner killed from outside",
    script: long(1403),
    during: async (job) => void process.kill(job.runner!.pid, "SIGKILL"),
    status: "lost",
    error: /runner \(pid \d+\) died while working/,
  },
  {
    name: "worker out of time",
    script: long(1404),
    env: { CODE_WORKER_JOB_TIMEOUT_S: "10" },
    status: "timed_out",
    error: /^the worker ran past its 10s limit/,
  },
];

const figures: { name: string; ok: number; tries: number; min_s: number; median_s: number; max_s: number }[] = [];

for (const fault of faults) {
  test(`${fault.name}: ${fault.status}, ${tries} times out of ${tries}`, async (t) => {
    const seconds: number[] = [];
    for (let i = 0; i < tries; i++) {
      const f = await fixture(t, { scripts: { "test-fast": fault.script }, env: fault.env });
      const env = { ...f.env, ...fault.env };
      const engine = new Engine(loadConfig(env), env);
      const started = Date.now();
      const job = await engine.start({ cwd: f.repo, task: "Fix sum.", tier: "fast" });
      if (fault.during) {
        await eventually(
          "the worker's long command",
          async () => ((await engine.get(job.id)).worker?.last_activity?.includes("sleep") ? true : undefined),
          30_000,
        );
        await fault.during(await engine.get(job.id), engine);
      }
      const ended = await engine.wait(job.id, 120);
      seconds.push((Date.now() - started) / 1000);
      assert.equal(ended.status, fault.status, ended.error);
      assert.match(ended.error ?? "", fault.error);
    }
    const sorted = [...seconds].sort((a, b) => a - b);
    figures.push({
      name: fault.name,
      ok: tries,
      tries,
      min_s: round(sorted[0]!),
      median_s: round(sorted[Math.floor(sorted.length / 2)]!),
      max_s: round(sorted.at(-1)!),
    });
  });
}

test(`twelve jobs started at once through two engines on one repository all end done, ${tries} times`, async (t) => {
  const seconds: number[] = [];
  for (let i = 0; i < tries; i++) {
    const f = await fixture(t, { scripts: { "*": { turns: [readSum, fixSum, say("Fixed.")] } }, env: { CODE_WORKER_MAX_JOBS: "4" } });
    const engines = [f.engine, new Engine(loadConfig(f.env), f.env)];
    const started = Date.now();
    const jobs = await Promise.all(
      Array.from({ length: 12 }, (_, n) => engines[n % 2]!.start({ cwd: f.repo, task: `Fix sum, take ${n}.`, tier: "fast" })),
    );
    const ended = await Promise.all(jobs.map((job) => f.engine.wait(job.id, 240)));
    seconds.push((Date.now() - started) / 1000);
    assert.deepEqual(
      ended.filter((job) => job.status !== "done").map((job) => `${job.id}: ${job.status} ${job.error}`),
      [],
    );
  }
  const sorted = [...seconds].sort((a, b) => a - b);
  figures.push({
    name: "12 concurrent starts, two engines, 4 slots",
    ok: tries,
    tries,
    min_s: round(sorted[0]!),
    median_s: round(sorted[Math.floor(sorted.length / 2)]!),
    max_s: round(sorted.at(-1)!),
  });
});

test.after(async () => {
  const rows = figures.map((row) => `| ${row.name} | ${row.ok}/${row.tries} | ${row.min_s} | ${row.median_s} | ${row.max_s} |`);
  const table = ["| fault | true end state | min s | median s | max s |", "|---|---|---|---|---|", ...rows].join("\n");
  console.log(`\n${table}\n`);
  await writeFile(join(import.meta.dirname, "..", "..", "..", "reliability-results.md"), `${table}\n`);
});

function round(value: number): number {
  return Math.round(value * 10) / 10;
}
