// The one owner of CODE_WORKER_HOME's layout: every other module asks here for a path under it, so
// what is private to a job (run/<id>) and what the worker must never see is spelled in one place.
import { join } from "node:path";
import { assertJobId } from "./ids.js";

export class HomeLayout {
  constructor(readonly root: string) {}

  /** index/<id>: the path of the job's store. */
  indexEntry(id: string): string {
    return join(this.indexDir, assertJobId(id));
  }

  get indexDir(): string {
    return join(this.root, "index");
  }

  /** stores/<key>: each store that has held a job, once. */
  get storesDir(): string {
    return join(this.root, "stores");
  }

  /** Tickets of runners waiting for a slot. */
  get queueDir(): string {
    return join(this.root, "queue");
  }

  get slotsDir(): string {
    return join(this.root, "slots");
  }

  get runsDir(): string {
    return join(this.root, "run");
  }

  /** run/<id>: the job's private dirs (worker home and config, command home, relay socket). */
  runDir(id: string): string {
    return join(this.runsDir, assertJobId(id));
  }

  worktree(id: string): string {
    return join(this.root, "worktrees", assertJobId(id));
  }

  /** Stamped by the automatic gc, so it runs at most once an hour. */
  get gcStamp(): string {
    return join(this.root, "gc-at");
  }
}
