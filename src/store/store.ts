// Per-repository job store under the common git dir: shared by all worktrees, invisible to the
// host checkout, never committed. The record is written atomically (temp file + rename).
import { randomBytes } from "node:crypto";
import { appendFile, mkdir, readdir, readFile, rename, stat, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { UserError } from "../errors.js";
import { oneLine } from "../text.js";
import { assertJobId } from "./ids.js";
import { activeStates, terminalStates, type JobRecord } from "./record.js";

/** A job whose job.json exists but cannot be read as a record: listed so it stays in sight, refused by every other read. */
export interface UnreadableJob {
  id: string;
  status: "unreadable";
  /** What is wrong with job.json, short: "Unexpected end of JSON input", "not a job record", "EACCES". */
  problem: string;
  /** The one line a read answers with: the job, the file, and what a person can do. */
  error: string;
  /** When the job was created, as near as the files tell (task.md is written once, at creation). */
  created_at: string;
}

/** What list shows: a job's record, or the fact that it cannot be read. */
export type ListedJob = JobRecord | UnreadableJob;

export function isUnreadable(job: ListedJob): job is UnreadableJob {
  return job.status === "unreadable";
}

const knownStates: readonly string[] = [...activeStates, ...terminalStates];

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

  /** Where one round's own files live (its task, events, check logs): the job's dir for round 1, rounds/<n>/ after. */
  roundDir(id: string, round = 1): string {
    return round <= 1 ? this.dir(id) : join(this.dir(id), "rounds", String(round));
  }

  roundFile(id: string, round: number, name: RoundFile): string {
    return join(this.roundDir(id, round), name);
  }

  checksDir(id: string, round = 1): string {
    return join(this.roundDir(id, round), "checks");
  }

  checkLog(id: string, check: string, round = 1): string {
    return join(this.checksDir(id, round), `${check}.log`);
  }

  async create(record: JobRecord, task: string): Promise<void> {
    await mkdir(join(this.root, "jobs"), { recursive: true });
    await mkdir(this.dir(record.id)); // fails if the id is taken
    await this.logCreated([{ id: record.id, at: Date.now() }]);
    await writeFile(this.file(record.id, "task.md"), task, { mode: 0o600 });
    await this.write(record);
  }

  async read(id: string): Promise<JobRecord> {
    const loaded = await this.load(id);
    if (!loaded) throw await this.missing(id);
    if (loaded.status === "unreadable") throw new UserError("invalid_state", loaded.error, { job_id: id });
    return loaded;
  }

  /** The record, what is wrong with it, or undefined while it does not exist (a job being created has none yet). */
  async load(id: string): Promise<ListedJob | undefined> {
    const file = this.file(id, "job.json");
    let text: string;
    try {
      text = await readFile(file, "utf8");
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "ENOENT") return undefined;
      return this.unreadable(id, code ?? String(error));
    }
    let record: unknown;
    try {
      record = JSON.parse(text);
    } catch (error) {
      return this.unreadable(id, (error as Error).message);
    }
    if (!isRecordOf(record, id)) return this.unreadable(id, "not a job record");
    return record;
  }

  private async unreadable(id: string, problem: string): Promise<UnreadableJob> {
    const short = oneLine(problem, 60);
    // The path last: where a line is capped (MCP errors are), it is what gets cut, not the advice.
    const error = `job ${id}'s job.json is unreadable (${short}); repair it, or delete its directory to drop the job: ${this.dir(id)}`;
    const born = await stat(this.file(id, "task.md")).catch(() => stat(this.dir(id)).catch(() => undefined));
    return { id, status: "unreadable", problem: short, error, created_at: new Date(born?.mtimeMs ?? 0).toISOString() };
  }

  /** Why a job the index points here has no record: the repository (and its store with it) moved or went, or the job was deleted. */
  private async missing(id: string): Promise<UserError> {
    const commonDir = dirname(this.root);
    const repo = basename(commonDir) === ".git" ? dirname(commonDir) : commonDir;
    if (
      !(await stat(this.root).then(
        (s) => s.isDirectory(),
        () => false,
      ))
    ) {
      return new UserError(
        "moved",
        `job ${id}'s repository at ${repo} is gone or has moved; move it back to reach the job, or start the job again where the repository is now`,
        { job_id: id, repo },
      );
    }
    return new UserError("not_found", `no job "${id}" in ${this.root}`, { job_id: id });
  }

  async write(record: JobRecord): Promise<void> {
    const target = this.file(record.id, "job.json");
    const temp = `${target}.${randomBytes(4).toString("hex")}.tmp`;
    await writeFile(temp, `${JSON.stringify(record, null, 1)}\n`);
    await rename(temp, target);
  }

  /**
   * Every job's id with when it was created (epoch ms), for a list that reads only the records it
   * shows. The times come from the store's creation log, one line a job, so listing stats no job's
   * files; a job the log does not name (made before it) is timed by its task file and logged then.
   */
  async created(): Promise<{ id: string; at: number }[]> {
    // A long-lived server lists again and again: while neither the log nor the jobs dir changed,
    // the last answer stands, so a list costs two stats however many jobs there are.
    const [log, jobs] = await Promise.all(
      [stat(join(this.root, createdLog)), stat(join(this.root, "jobs"))].map((s) => s.catch(() => undefined)),
    );
    const key = `${log?.size}:${log?.mtimeMs}:${jobs?.mtimeMs}:${jobs?.nlink}`;
    const known = createdByStore.get(this.root);
    if (known?.key === key) return known.jobs;
    const answer = await this.readCreated();
    createdByStore.set(this.root, { key, jobs: answer });
    return answer;
  }

  private async readCreated(): Promise<{ id: string; at: number }[]> {
    const logged = new Map<string, number>();
    const log = await readFile(join(this.root, createdLog), "utf8").catch(() => "");
    for (const line of log.split("\n")) {
      const [at, id] = line.split(" ");
      // A job logged twice (by a list while its creation was under way): the later time is its creation's.
      if (id && Number.isFinite(Number(at))) logged.set(id, Math.max(Number(at), logged.get(id) ?? 0));
    }
    const ids = await this.ids();
    const timed = await Promise.all(
      ids
        .filter((id) => !logged.has(id))
        .map(async (id) => ({
          id,
          at: await stat(join(this.root, "jobs", id, "task.md")).then(
            (s) => Math.round(s.mtimeMs),
            () => 0,
          ),
        })),
    );
    if (timed.length) await this.logCreated(timed).catch(() => undefined); // a read-only store still lists
    for (const job of timed) logged.set(job.id, job.at);
    return ids.map((id) => ({ id, at: logged.get(id)! }));
  }

  private async logCreated(jobs: { id: string; at: number }[]): Promise<void> {
    await appendFile(join(this.root, createdLog), jobs.map((job) => `${job.at} ${job.id}\n`).join(""));
  }

  async ids(): Promise<string[]> {
    try {
      return (await readdir(join(this.root, "jobs"))).filter((name) => !name.startsWith("."));
    } catch {
      return [];
    }
  }
}

/** The store's creation log: `<epoch ms> <job id>` a line, appended as jobs are made. */
const createdLog = "created.log";

/** Each store's last creation list in this process, with the stat data it was read under. */
const createdByStore = new Map<string, { key: string; jobs: { id: string; at: number }[] }>();

function isRecordOf(value: unknown, id: string): value is JobRecord {
  const record = value as Partial<JobRecord> | null;
  return (
    typeof record === "object" &&
    record !== null &&
    record.id === id &&
    knownStates.includes(record.status as string) &&
    typeof record.created_at === "string"
  );
}

export type JobFile = "job.json" | RoundFile | "runner.log" | "cancel.json" | "worker-settings.json";
/** A round's own files: round 1's are the job's. */
export type RoundFile = "task.md" | "events.jsonl" | "events.1.jsonl";
