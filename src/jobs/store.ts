// Per-repository job store under the common git dir: shared by all worktrees, invisible to the
// host checkout, never committed. The record is written atomically (temp file + rename).
import { randomBytes } from "node:crypto";
import { mkdir, readdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { UserError } from "../errors.js";
import { assertJobId } from "./ids.js";
import type { JobRecord } from "./record.js";

export class JobStore {
  constructor(readonly root: string) {}

  static forCommonDir(commonDir: string): JobStore {
    return new JobStore(join(commonDir, "code-worker"));
  }

  dir(id: string): string {
    return join(this.root, "jobs", assertJobId(id));
  }

  file(id: string, name: JobFile): string {
    return join(this.dir(id), name);
  }

  checksDir(id: string): string {
    return join(this.dir(id), "checks");
  }

  checkLog(id: string, check: string): string {
    return join(this.checksDir(id), `${check}.log`);
  }

  async create(record: JobRecord, task: string): Promise<void> {
    await mkdir(join(this.root, "jobs"), { recursive: true });
    await mkdir(this.dir(record.id)); // fails if the id is taken
    await writeFile(this.file(record.id, "task.md"), task, { mode: 0o600 });
    await this.write(record);
  }

  async read(id: string): Promise<JobRecord> {
    let text: string;
    try {
      text = await readFile(this.file(id, "job.json"), "utf8");
    } catch {
      throw new UserError(`no job "${id}" in ${this.root}`);
    }
    return JSON.parse(text) as JobRecord;
  }

  async write(record: JobRecord): Promise<void> {
    const target = this.file(record.id, "job.json");
    const temp = `${target}.${randomBytes(4).toString("hex")}.tmp`;
    await writeFile(temp, `${JSON.stringify(record, null, 1)}\n`);
    await rename(temp, target);
  }

  async ids(): Promise<string[]> {
    try {
      return (await readdir(join(this.root, "jobs"))).filter((name) => !name.startsWith("."));
    } catch {
      return [];
    }
  }
}

export type JobFile = "job.json" | "task.md" | "events.jsonl" | "events.1.jsonl" | "runner.log" | "cancel.json" | "worker-settings.json";
