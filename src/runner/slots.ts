// At most CODE_WORKER_MAX_JOBS workers per machine. Each waiting runner holds a ticket in
// CODE_WORKER_HOME/queue (first come, first served) and takes one of the slot locks in
// CODE_WORKER_HOME/slots when its turn comes. A dead runner's ticket is dropped and its lock goes
// stale, so no slot is lost to a crash and no server needs to be running.
import { watch } from "node:fs";
import { mkdir, readdir, readFile, rename, unlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import lockfile from "proper-lockfile";
import { isAlive, startTicks } from "../os/processes.js";
import type { HomeLayout } from "../store/home.js";

export type ReleaseSlot = () => Promise<void>;

const pollMs = 500;

export async function acquireSlot(
  home: HomeLayout,
  maxJobs: number,
  job: { id: string; createdAt: string },
  cancelled: () => boolean,
): Promise<ReleaseSlot | undefined> {
  const queueDir = home.queueDir;
  const slotsDir = home.slotsDir;
  await mkdir(queueDir, { recursive: true });
  await mkdir(slotsDir, { recursive: true });
  const ticket = `${String(Date.parse(job.createdAt)).padStart(15, "0")}-${job.id}`;
  // Written aside and renamed in, so no reader ever sees half a ticket.
  await writeFile(join(queueDir, `.${ticket}`), JSON.stringify({ pid: process.pid, ticks: startTicks(process.pid) }));
  await rename(join(queueDir, `.${ticket}`), join(queueDir, ticket));
  // Watched before the first look, so a slot freed between two looks is not missed.
  const changed = changes([queueDir, slotsDir]);
  try {
    while (!cancelled()) {
      const ahead = (await liveTickets(queueDir)).indexOf(ticket);
      if (ahead < maxJobs) {
        for (let slot = 0; slot < maxJobs; slot++) {
          const release = await tryLock(join(slotsDir, `slot-${slot}`));
          if (release) return release;
        }
      }
      await changed.next(pollMs);
    }
    return undefined;
  } finally {
    changed.close();
    await unlink(join(queueDir, ticket)).catch(() => undefined);
  }
}

/**
 * Waits for the next change in `dirs` (a slot's lock released, a ticket gone) or `ms`, whichever
 * comes first: a queued job starts as soon as a slot frees, and the timeout still finds what no
 * event announces (a dead runner's lock gone stale, a cancel). Without inotify (its limits reached),
 * it is the timeout alone.
 */
function changes(dirs: string[]): { next(ms: number): Promise<void>; close(): void } {
  let seen = false;
  let wake: (() => void) | undefined;
  const onChange = () => {
    seen = true;
    wake?.();
  };
  const watchers = dirs.flatMap((dir) => {
    try {
      return [watch(dir, onChange).on("error", () => undefined)];
    } catch {
      return [];
    }
  });
  return {
    next: (ms) =>
      new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          seen = false;
          wake = undefined;
          resolve();
        };
        const timer = setTimeout(done, seen ? 0 : ms);
        wake = done;
      }),
    close: () => watchers.forEach((watcher) => watcher.close()),
  };
}

async function liveTickets(queueDir: string): Promise<string[]> {
  const live: string[] = [];
  for (const name of (await readdir(queueDir)).filter((n) => !n.startsWith(".")).sort()) {
    try {
      const owner = JSON.parse(await readFile(join(queueDir, name), "utf8")) as { pid: number; ticks?: number };
      if (isAlive(owner.pid, owner.ticks)) {
        live.push(name);
        continue;
      }
    } catch {
      // half-written or already gone: treated as stale
    }
    await unlink(join(queueDir, name)).catch(() => undefined);
  }
  return live;
}

async function tryLock(path: string): Promise<ReleaseSlot | undefined> {
  try {
    const release = await lockfile.lock(path, {
      realpath: false,
      stale: 15_000,
      update: 3_000,
      retries: 0,
      // A compromised lock means another runner took the slot after a long stall; carry on.
      onCompromised: () => undefined,
    });
    return () => release().catch(() => undefined);
  } catch {
    return undefined;
  }
}
