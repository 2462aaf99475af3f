// Runs Claude Code once: the task on stdin, stream-json lines out, cancel by SIGINT and then the
// whole descendant tree. Knows nothing of jobs or git.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { commandLine, killSnapshot, killTree, signal, snapshotTree } from "../os/processes.js";
import type { WorkerCommand } from "./command.js";
import { StreamFold, type WorkerOutcome, type WorkerProgress } from "./stream.js";

export interface WorkerHooks {
  /** Every raw stdout line, as it arrives. */
  onLine(line: string): void;
  /** After each parsed event; `activityChanged` says whether the visible activity moved. */
  onEvent(progress: WorkerProgress, activityChanged: boolean): void;
}

export interface RunningWorker {
  pid: number;
  progress: WorkerProgress;
  outcome: Promise<WorkerOutcome>;
  /** SIGINT (Claude Code stops its tools), then SIGKILL for everything left below it. */
  stop(): Promise<void>;
}

const stderrKeep = 8192;
const graceMs = 2000;
/** Claude Code can stay up after its final event; the result is its answer, so it gets this long to exit. */
export const resultGraceMs = 5000;

export function startWorker(command: WorkerCommand, cwd: string, task: string, hooks: WorkerHooks): RunningWorker {
  const child = spawn(command.file, command.args, {
    cwd,
    env: command.env,
    detached: true, // its own process group: signals meant for the runner do not reach it
    stdio: ["pipe", "pipe", "pipe"],
  });
  // Listened for before anything can end it: an exit that came first is still seen.
  const exited = once(child, "close") as Promise<[number | null, NodeJS.Signals | null]>;
  child.on("error", () => undefined); // a binary that did not start has no pid, said below
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not start the worker binary ${command.file}`);
  child.stdin.on("error", () => undefined); // a worker that exits before reading its task
  child.stdin.end(task);

  const fold = new StreamFold(cwd);
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString("utf8")).slice(-stderrKeep);
  });

  let lingering: NodeJS.Timeout | undefined;
  const outcome = (async () => {
    for await (const line of createInterface({ input: child.stdout, crlfDelay: Infinity })) {
      if (!line.trim()) continue;
      hooks.onLine(line);
      let event: Record<string, unknown>;
      try {
        event = JSON.parse(line);
      } catch {
        continue; // not an event; it is still kept in the event log
      }
      hooks.onEvent(fold.progress, fold.push(event));
      if (event.type === "result") lingering ??= setTimeout(() => void stop(), resultGraceMs);
    }
    const [code, signal] = await exited;
    clearTimeout(lingering);
    return fold.finish({ code: code ?? undefined, signal: signal ?? undefined, stderr });
  })();

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      const tree = snapshotTree(pid);
      // Claude Code itself, so it stops its tools and ends its session cleanly; the sandbox follows it.
      const claude = [pid, ...tree.map((ref) => ref.pid)].filter((candidate) => commandLine(candidate)?.[0] === command.program);
      for (const target of claude.length ? claude : [pid]) signal(target, "SIGINT");
      const exited = await Promise.race([
        outcome.then(
          () => true,
          () => true,
        ),
        new Promise<boolean>((resolve) => setTimeout(() => resolve(false), graceMs)),
      ]);
      if (!exited) killTree(pid);
      killSnapshot(tree); // background commands that outlived their shell
    })());

  return { pid, progress: fold.progress, outcome, stop };
}
