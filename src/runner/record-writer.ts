// The runner's hold on its job record: while a runner lives it is the record's only writer. It
// writes a heartbeat every few seconds (even while the worker is silent), moves the job through
// its states, and passes everything through the redactor before it reaches the disk.
import { startTicks } from "../os/processes.js";
import { assertTransition, heartbeatMs, now, type JobRecord, type JobState, type TerminalState } from "../store/record.js";
import type { Redact } from "../secret/redact.js";
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
  /** Runs before the terminal state is written, so whoever reads it finds the job's leftovers settled. */
  beforeEnd?: () => Promise<void>;
  private unwritable = false;

  private constructor(
    readonly store: JobStore,
    readonly record: JobRecord,
  ) {}

  /** Claims the record for this process and starts the heartbeat. */
  static async open(store: JobStore, id: string): Promise<JobRun> {
    const run = new JobRun(store, await store.read(id));
    run.record.runner = { pid: process.pid, start_ticks: startTicks(process.pid), heartbeat_at: now() };
    await run.save();
    run.timer = setInterval(() => void run.save(), heartbeatMs);
    return run;
  }

  get id(): string {
    return this.record.id;
  }

  async moveTo(state: JobState): Promise<void> {
    assertTransition(this.id, this.record.status, state);
    this.record.status = state;
    if (state === "preparing") this.record.started_at = now();
    await this.save();
  }

  /**
   * Worker progress: a changed activity is written at once, or as soon as the last write is
   * activityWriteMs old, so no step a person could see is skipped; the rest waits for the heartbeat.
   */
  async progress(urgent: boolean): Promise<void> {
    if (!urgent || this.pendingWrite) return;
    const wait = this.lastWrite + activityWriteMs - Date.now();
    if (wait <= 0) return this.save();
    this.pendingWrite = setTimeout(() => {
      this.pendingWrite = undefined;
      void this.save();
    }, wait);
  }

  async end(state: TerminalState, error?: string): Promise<void> {
    assertTransition(this.id, this.record.status, state);
    await this.beforeEnd?.().catch((failure: unknown) => console.error(`settling the job before its end failed: ${this.redact(String(failure))}`));
    clearInterval(this.timer);
    clearTimeout(this.pendingWrite);
    this.record.status = state;
    this.record.ended_at = now();
    if (error !== undefined) this.record.error = error;
    await this.save();
  }

  /** Writes are queued so two never race on the same temp-and-rename; a failed one is logged. */
  save(): Promise<void> {
    this.writing = this.writing
      .then(async () => {
        if (this.record.runner) this.record.runner.heartbeat_at = now();
        this.lastWrite = Date.now();
        await this.store.write(JSON.parse(this.redact(JSON.stringify(this.record))) as JobRecord);
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
