// CODE_WORKER_HOME/index/<job id> holds the path of the job's store, so a job can be found by its
// id alone from any directory. Creating the entry exclusively keeps ids unique across repositories.
// CODE_WORKER_HOME/stores/ lists each store once, so listing all jobs reads no per-job entries.
import { createHash } from "node:crypto";
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { isAbsolute, join } from "node:path";
import { UserError } from "../errors.js";
import type { HomeLayout } from "./home.js";
import { JobStore } from "./store.js";

export class JobIndex {
  constructor(private readonly home: HomeLayout) {}

  private entry(id: string): string {
    return this.home.indexEntry(id);
  }

  /** Claims the id for a store; false when another job already has it. */
  async claim(id: string, store: JobStore): Promise<boolean> {
    await mkdir(this.home.indexDir, { recursive: true });
    await mkdir(this.home.storesDir, { recursive: true });
    try {
      await writeFile(this.entry(id), store.root, { flag: "wx" });
      const key = createHash("sha256").update(store.root).digest("hex").slice(0, 16);
      await writeFile(join(this.home.storesDir, key), store.root);
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
      throw error;
    }
  }

  async locate(id: string): Promise<JobStore> {
    let root: string;
    try {
      root = await readFile(this.entry(id), "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") {
        throw new UserError("not_found", `unknown job "${id}" (list jobs to see their ids)`, { job_id: id });
      }
      throw error;
    }
    // A claim that died between creating the entry and writing it leaves it empty; never read a relative path.
    if (!isAbsolute(root))
      throw new UserError(
        "invalid_state",
        `job ${id}'s index entry ${this.entry(id)} is unreadable (no store path in it); delete that file, then list jobs to find the job by its repository`,
        { job_id: id, path: this.entry(id) },
      );
    return new JobStore(root);
  }

  /** Every store that has held a job, each once. */
  async stores(): Promise<JobStore[]> {
    const dir = this.home.storesDir;
    let names: string[];
    try {
      names = await readdir(dir);
    } catch {
      return [];
    }
    const roots = await Promise.all(names.map((name) => readFile(join(dir, name), "utf8").catch(() => "")));
    return roots.filter((root) => isAbsolute(root)).map((root) => new JobStore(root));
  }
}
