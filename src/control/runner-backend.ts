// The runner seam: how the control plane starts, follows and stops the process that owns a job.
// The local detached process is the only backend today; docs/runner-contract.md says what any
// other must receive and return, and test/runner-contract.test.ts is the suite it must pass.
import type { JobRecord } from "../store/record.js";
import type { JobStore } from "../store/store.js";

export interface RunnerBackend {
  readonly name: string;
  /**
   * Starts the runner of a job whose record (queued) and task are in its store. The runner claims
   * the record by writing `runner` into it; a launch that fails shows as a runner that never claims.
   */
  launch(store: JobStore, job: JobRecord): void;
  /** Whether the runner that claimed the job still lives; false once it is gone for good. */
  alive(claim: NonNullable<JobRecord["runner"]>): boolean;
  /** Asks the job's runner to stop; why is already in the job's cancel.json. */
  stop(claim: NonNullable<JobRecord["runner"]>): void;
  /** Ends what a dead runner left running (its worker), so a lost job holds nothing. */
  reap(job: JobRecord): void;
}
