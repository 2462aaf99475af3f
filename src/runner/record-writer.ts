// The runner's hold on its job record: while a runner lives it is the record's only writer, and
// this is the one place that changes it. It writes a heartbeat every few seconds (even while the
// worker is silent), moves the job through its states, takes what each step settled, and passes
// everything through the redactor before it reaches the disk.
import { startTicks } from "../os/processes.js";
import { assertTransition, heartbeatMs, now, type JobRecord, type JobState } from "../store/record.js";
import type { Redact } from "../secret/redact.js";
import type { Ending } from "./end-messages.js";
import type { JobStore } from "../store/store.js";

const activityWriteMs = 250;

export class JobRun {
  private timer?: NodeJS.Timeout;
  private pendingWrite?: NodeJS.Timeout;
  private lastWrite = 0;
  private writing: Promise<void> = Promise.resolve();
  redact: Redact = (text) => text;
  /** Called once when the record's directory is gone (the repository was moved or deleted): no one can see this job any more. */
  onUnwritable?: () => void;
  private unwritable = false;

  private constructor(
    readonly store: JobStore,
    private current: JobRecord,
  ) {}

  /** Claims the record for this process and starts the heartbeat. */
  static async open(store: JobStore, id: string): Promise<JobRun> {
    const run = new JobRun(store, await store.read(id));
    run.current = { ...run.current, runner: { pid: process.pid, start_ticks: startTicks(process.pid), heartbeat_at: now() } };
    await run.save();
    run.timer = setInterval(() => void run.save(), heartbeatMs);
    return run;
  }

  /** The record as last written: what each step reads its inputs from. */
  get record(): Readonly<JobRecord> {
    return this.current;
  }

  get id(): string {
    return this.current.id;
  }

  /** The next state, with what a reader should see change in the same write. */
  async moveTo(state: JobState, facts: Partial<JobRecord> = {}): Promise<void> {
    assertTransition(this.id, this.current.status, state);
    this.current = { ...this.current, ...facts, status: state, ...(state === "preparing" ? { started_at: now() } : {}) };
    await this.save();
  }

  /** What a step settled, written at once. */
  async update(facts: Partial<JobRecord>): Promise<void> {
    this.current = { ...this.current, ...facts };
    await this.save();
  }

  /**
   * Live progress (the worker's activity, the check running): a changed activity is written at
   * once, or as soon as the last write is activityWriteMs old, so no step a person could see is
   * skipped; the rest waits for the heartbeat.
   */
  async progress(facts: Partial<JobRecord>, urgent: boolean): Promise<void> {
    this.current = { ...this.current, ...facts };
    if (!urgent || this.pendingWrite) return;
    const wait = this.lastWrite + activityWriteMs - Date.now();
    if (wait <= 0) return this.save();
    this.pendingWrite = setTimeout(() => {
      this.pendingWrite = undefined;
      void this.save();
    }, wait);
  }

  async end(ending: Ending): Promise<void> {
    assertTransition(this.id, this.current.status, ending.state);
    clearInterval(this.timer);
    clearTimeout(this.pendingWrite);
    const { state, ...facts } = ending;
    this.current = { ...this.current, ...facts, status: state, ended_at: now() };
    await this.save();
  }

  /** Writes are queued so two never race on the same temp-and-rename; a failed one is logged. */
  save(): Promise<void> {
    this.writing = this.writing
      .then(async () => {
        if (this.current.runner) this.current = { ...this.current, runner: { ...this.current.runner, heartbeat_at: now() } };
        this.lastWrite = Date.now();
        await this.store.write(JSON.parse(this.redact(JSON.stringify(this.current))) as JobRecord);
      })
      .catch((error: unknown) => {
        console.error(`writing the record failed: ${this.redact(String(error))}`);
        const code = (error as NodeJS.ErrnoException).code;
        if ((code === "ENOENT" || code === "ENOTDIR") && !this.unwritable) {
          this.unwritable = true;
          this.onUnwritable?.();
        }
      });
    return this.writing;
  }
}
