// Process facts from /proc: whether a recorded process is still the same live process, and the
// whole tree below one (the Bash tool's shells start sessions of their own, so process groups miss them).
import { readdirSync, readFileSync } from "node:fs";

interface Stat {
  pid: number;
  state: string;
  ppid: number;
  startTicks: number;
}

function readStat(pid: number): Stat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return undefined;
  }
  // The command name is in parentheses and may itself contain spaces or parentheses.
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  return { pid, state: fields[0]!, ppid: Number(fields[1]), startTicks: Number(fields[19]) };
}

const hasProc = (() => {
  try {
    readFileSync("/proc/self/stat");
    return true;
  } catch {
    return false;
  }
})();

/** A number that tells this process apart from a later one given the same pid. */
export function startTicks(pid: number): number | undefined {
  return readStat(pid)?.startTicks;
}

export function isAlive(pid: number, ticks?: number): boolean {
  if (!hasProc) {
    try {
      process.kill(pid, 0);
      return true;
    } catch (error) {
      return (error as NodeJS.ErrnoException).code === "EPERM";
    }
  }
  const stat = readStat(pid);
  if (!stat || stat.state === "Z" || stat.state === "X") return false;
  return ticks === undefined || stat.startTicks === ticks;
}

/** Every live process below pid, children before grandchildren. */
export function descendants(pid: number): number[] {
  if (!hasProc) return [];
  const children = new Map<number, number[]>();
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    const stat = readStat(Number(name));
    if (!stat) continue;
    const list = children.get(stat.ppid) ?? [];
    list.push(stat.pid);
    children.set(stat.ppid, list);
  }
  const found: number[] = [];
  const queue = [pid];
  while (queue.length) {
    for (const child of children.get(queue.shift()!) ?? []) {
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}

/** A process's argv, or undefined once it is gone. */
export function commandLine(pid: number): string[] | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").slice(0, -1);
  } catch {
    return undefined;
  }
}

export function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

/** SIGKILLs pid and everything below it. The tree is frozen first, so nothing forks away mid-kill. */
export function killTree(pid: number): void {
  signal(pid, "SIGSTOP");
  let tree = descendants(pid);
  for (const child of tree) signal(child, "SIGSTOP");
  tree = [...new Set([...tree, ...descendants(pid)])];
  for (const target of [pid, ...tree]) signal(target, "SIGKILL");
}

export interface ProcessRef {
  pid: number;
  ticks?: number;
}

/** The processes below pid now, remembered so they can be killed after pid itself is gone. */
export function snapshotTree(pid: number): ProcessRef[] {
  return descendants(pid).map((child) => ({ pid: child, ticks: startTicks(child) }));
}

/** Kills what is still alive of a snapshot (and only the same processes, not reused pids). */
export function killSnapshot(refs: ProcessRef[]): void {
  for (const ref of refs) if (isAlive(ref.pid, ref.ticks)) signal(ref.pid, "SIGKILL");
}
