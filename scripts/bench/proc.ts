// Memory of processes and process trees, read from /proc: a job's runner and its worker (bwrap,
// socat, Claude Code and whatever its tools started) are one tree under the runner's pid.
import { readdir, readFile } from "node:fs/promises";
import { spawn } from "node:child_process";

const pageBytes = 4096;

interface Proc {
  ppid: number;
  rssBytes: number;
  zombie: boolean;
}

/** Every process on the machine: parent, resident bytes, and whether it has exited unreaped. */
export async function processTable(): Promise<Map<number, Proc>> {
  const table = new Map<number, Proc>();
  const names = (await readdir("/proc")).filter((name) => /^\d+$/.test(name));
  await Promise.all(
    names.map(async (name) => {
      const stat = await readFile(`/proc/${name}/stat`, "utf8").catch(() => undefined);
      if (!stat) return;
      // The command name (field 2) may hold spaces and parentheses: split after its last ")".
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      table.set(Number(name), { ppid: Number(fields[1]), rssBytes: Number(fields[21]) * pageBytes, zombie: fields[0] === "Z" });
    }),
  );
  return table;
}

/** Resident bytes of pid and all its descendants. */
export function treeBytes(table: Map<number, Proc>, pid: number): number {
  const children = new Map<number, number[]>();
  for (const [child, proc] of table) children.set(proc.ppid, [...(children.get(proc.ppid) ?? []), child]);
  let total = 0;
  const pending = [pid];
  while (pending.length) {
    const next = pending.pop()!;
    total += table.get(next)?.rssBytes ?? 0;
    pending.push(...(children.get(next) ?? []));
  }
  return total;
}

/** Whether pid has exited (gone, or a zombie its parent has not reaped yet). */
export async function exited(pid: number): Promise<boolean> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT" || (error as NodeJS.ErrnoException).code === "ESRCH") return true;
    throw error;
  }
}

/** A process's start_ticks count clock ticks since boot: 100 a second on Linux. */
export const tickMs = 10;

/** Milliseconds since boot, on the clock start_ticks counts with. */
export async function uptimeMs(): Promise<number> {
  return Number((await readFile("/proc/uptime", "utf8")).split(" ")[0]) * 1000;
}

/** Resident bytes of one process now, from VmRSS. */
export async function rssBytes(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  return Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? 0) * 1024;
}

/** A bare node process's resident bytes once it has settled: what any node server costs. */
export async function bareNodeBytes(): Promise<number> {
  const child = spawn(process.execPath, ["-e", "setTimeout(() => {}, 30000)"], { stdio: "ignore" });
  try {
    await new Promise((resolve) => setTimeout(resolve, 500));
    return await rssBytes(child.pid!);
  } finally {
    child.kill();
  }
}

/** Samples the peak resident bytes of pid's tree every intervalMs until stopped. */
export function peakSampler(pid: number, intervalMs = 100): { stop(): Promise<number> } {
  let peak = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      peak = Math.max(peak, treeBytes(await processTable(), pid));
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return peak;
    },
  };
}

export const MB = 1e6;
