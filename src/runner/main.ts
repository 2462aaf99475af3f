// Entry point of a detached runner process: `node main.js <store root> <job id>`, its stdout and
// stderr already the job's runner.log; or `node main.js --standby`, a spare started ahead by a
// long-lived control plane, which loads everything it can before it knows its job, then reads
// `{"root", "id"}` from stdin (end of input with nothing means no job: it exits) and logs to that
// job's runner.log. The composition root of the runner: configuration is loaded here once,
// signals become a stop, and the job runs.
import { openSync, writeSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { Console } from "node:console";
import { Writable } from "node:stream";
import { loadConfig } from "../config.js";
import { UserError } from "../errors.js";
import { loadPolicy } from "../policy/load.js";
import { sandboxProblem } from "../worker/sandbox.js";
import { cancelReasons, type CancelReason } from "../store/record.js";
import { JobStore } from "../store/store.js";
import { runJob } from "./run-job.js";
import { Stopper } from "./stopper.js";

const standby = process.argv[2] === "--standby"; // src/control/local-runner.ts passes it
const keys = keySource();
// A spare asks before its job comes whether the sandbox can run here; a runner started for its job asks then.
const sandboxAnswer = standby ? sandboxProblem() : undefined;
sandboxAnswer?.catch(() => undefined); // a probe that failed fails the job that asks, not the spare waiting for one
if (standby) warmUp();
const [root, id] = standby ? await handedJob() : process.argv.slice(2);
if (!root || !id) {
  console.error("usage: main.js <store root> <job id> | main.js --standby");
  process.exit(2);
}
const store = new JobStore(root);
if (standby) logTo(store.file(id, "runner.log"));
const stopper = new Stopper();
for (const sig of ["SIGTERM", "SIGINT", "SIGHUP"] as const) {
  process.on(sig, () => void readCancel(store, id).then((cancel) => stopper.stop({ kind: "cancel", ...cancel })));
}
console.error(`${new Date().toISOString()} runner ${process.pid} starting job ${id}${standby ? " (started ahead)" : ""}`);
await runJob({ store, id, keySource: keys, stopper, sandboxProblem: sandboxAnswer ? () => sandboxAnswer : sandboxProblem });
console.error(`${new Date().toISOString()} runner ${process.pid} finished job ${id}`);
process.exit(0);

/** The control plane checked this environment before it started the runner; a failure here still ends the job, saying why. */
function keySource() {
  try {
    return loadConfig().keySource;
  } catch (error) {
    return error instanceof UserError ? error : new UserError("configuration", String(error));
  }
}

/**
 * What a spare can do before it knows its job: read the builtin policy once, so the job's own read
 * runs on compiled code (the first YAML parse and validation in a process take about 30 ms more).
 */
function warmUp(): void {
  try {
    loadPolicy(undefined);
  } catch {
    // the job's own read reports whatever is wrong
  }
}

/** The job the control plane hands a spare; none when its end of the pipe closed first (it went away). */
async function handedJob(): Promise<string[]> {
  let text = "";
  for await (const chunk of process.stdin) text += String(chunk);
  if (!text) process.exit(0);
  const job = JSON.parse(text) as { root?: unknown; id?: unknown };
  return typeof job.root === "string" && typeof job.id === "string" ? [job.root, job.id] : [];
}

/** A spare's stdout and stderr lead nowhere: from its job on, what it says goes to the job's log. */
function logTo(path: string): void {
  const fd = openSync(path, "a", 0o600);
  const log = new Writable({
    write(chunk: Buffer, _encoding, done) {
      writeSync(fd, chunk);
      done();
    },
  });
  globalThis.console = new Console({ stdout: log, stderr: log });
  process.on("uncaughtExceptionMonitor", (error) => writeSync(fd, `${error.stack ?? String(error)}\n`));
}

async function readCancel(store: JobStore, id: string): Promise<{ reason: CancelReason; note?: string }> {
  try {
    const cancel = JSON.parse(await readFile(store.file(id, "cancel.json"), "utf8")) as { reason: CancelReason; note?: string };
    if (cancelReasons.includes(cancel.reason)) return cancel;
  } catch {
    // a signal without a request file: someone stopped the runner by hand
  }
  return { reason: "user_requested", note: "runner received a stop signal" };
}
