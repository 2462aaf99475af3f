// Runs one check or setup command in a job's worktree: its own process group, a scrubbed
// environment (never the provider key), a time limit, and its output kept (capped, redacted) in a
// log. With the sandbox on it runs in the job's OS confinement (os/confine.ts): the worktree and a
// private home writable, the system read-only, nothing of the host's home, state or key; checks get
// no network, setup steps (from the base commit's policy) do.
import { writeFile, mkdir } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { Redact } from "../secret/redact.js";
import { confinedArgv, type Confinement } from "../os/confine.js";
import { killSnapshot, killTree, signal, snapshotTree } from "../os/processes.js";

export interface CommandSpec {
  run: string | string[];
  cwd: string;
  timeout_s: number;
  env?: Record<string, string>;
  log: string;
  /** A writable home for the command (caches, config), private to the job. */
  home: string;
  /** The confinement it runs in (its cwd is this spec's); undefined runs it unconfined. */
  confinement?: Omit<Confinement, "cwd">;
  /** Applied to the output before it is logged or returned. */
  redact: Redact;
  /** Aborting ends the command like a timeout does (the job was cancelled). */
  signal?: AbortSignal;
}

export interface CommandOutcome {
  outcome: "pass" | "fail" | "timeout" | "error";
  exit_code?: number;
  duration_s: number;
  /** The last lines of output, for one-line errors. */
  tail: string;
}

export const logCap = 512 * 1024;
/** SIGTERM first, so a tool can flush; then the whole tree, the sandbox's own processes included. */
const termGraceMs = 3000;

export async function runCommand(spec: CommandSpec): Promise<CommandOutcome> {
  const started = Date.now();
  const [file, ...args] = commandLine(spec);
  // Loaded on first use: a job whose policy runs no command never pays for execa's hundred files.
  const { execa } = await import("execa");
  const child = execa(file!, args, {
    cwd: spec.cwd,
    env: commandEnv(spec),
    extendEnv: false,
    stdin: "ignore",
    all: true,
    buffer: false,
    reject: false,
    detached: true, // its own group, so a timeout ends everything it started
  });
  let output = "";
  let cut = 0;
  child.all?.on("data", (chunk: Buffer) => {
    output += chunk.toString("utf8");
    if (output.length > logCap) {
      cut += output.length - logCap;
      output = output.slice(-logCap);
    }
  });
  let timedOut = false;
  const end = () => {
    if (!child.pid) return;
    // Remembered now: the sandbox's own init outlives a bwrap that took the SIGTERM.
    const tree = snapshotTree(child.pid);
    signal(-child.pid, "SIGTERM");
    setTimeout(() => {
      killTree(child.pid!);
      killSnapshot(tree);
    }, termGraceMs).unref();
  };
  const timer = setTimeout(() => {
    timedOut = true;
    end();
  }, spec.timeout_s * 1000);
  spec.signal?.addEventListener("abort", end, { once: true });
  const result = await child;
  clearTimeout(timer);
  spec.signal?.removeEventListener("abort", end);
  if (child.pid) signal(-child.pid, "SIGKILL"); // background leftovers of a command that exited

  const duration_s = Math.round((Date.now() - started) / 100) / 10;
  output = spec.redact(output);
  const header = cut ? `[first ${cut} bytes of output cut]\n` : "";
  const failedToStart = result.failed && result.exitCode === undefined && !timedOut;
  const footer = timedOut
    ? `\n[stopped after ${spec.timeout_s}s]`
    : failedToStart
      ? `\n[could not start: ${result.shortMessage}]`
      : `\n[exit ${result.exitCode}]`;
  await mkdir(dirname(spec.log), { recursive: true });
  await writeFile(spec.log, header + output + footer + "\n");
  const tail = (output + footer)
    .split("\n")
    .filter((line) => line.trim())
    .slice(-3)
    .join(" | ");
  if (timedOut) return { outcome: "timeout", duration_s, tail };
  if (failedToStart) return { outcome: "error", duration_s, tail };
  return { outcome: result.exitCode === 0 ? "pass" : "fail", exit_code: result.exitCode, duration_s, tail };
}

/** Where a policy's command (a check or a setup step) runs, and what it may reach. */
export interface CommandPlace {
  worktree: string;
  logDir: string;
  home: string;
  /** The confinement, network aside; undefined runs the command unconfined. */
  confinement?: Omit<Confinement, "cwd" | "network">;
  network: boolean;
  redact: Redact;
  signal: AbortSignal;
}

/** Runs a check or setup step from the policy in the worktree, logging to `<logDir>/<name>.log`. */
export function runPolicyCommand(
  name: string,
  step: { run: string | string[]; timeout_s: number; cwd?: string; env?: Record<string, string> },
  place: CommandPlace,
): Promise<CommandOutcome> {
  return runCommand({
    run: step.run,
    cwd: join(place.worktree, step.cwd ?? "."),
    timeout_s: step.timeout_s,
    env: step.env,
    log: join(place.logDir, `${name}.log`),
    home: place.home,
    confinement: place.confinement && { ...place.confinement, network: place.network ? "host" : "none" },
    redact: place.redact,
    signal: place.signal,
  });
}

function commandLine(spec: CommandSpec): string[] {
  const command = typeof spec.run === "string" ? ["/bin/sh", "-c", spec.run] : spec.run;
  return spec.confinement ? confinedArgv({ ...spec.confinement, cwd: spec.cwd }, command) : command;
}

/** Only what a build or test needs; nothing of the runner's own environment, the key least of all. */
function commandEnv(spec: CommandSpec): Record<string, string> {
  return {
    PATH: process.env.PATH ?? "/usr/local/bin:/usr/bin:/bin",
    LANG: process.env.LANG ?? "C.UTF-8",
    HOME: spec.home,
    TMPDIR: spec.confinement ? "/tmp" : spec.home,
    CI: "true",
    ...spec.env,
  };
}
