// Entry point of a detached runner process: `node main.js <store root> <job id>`. The composition
// root of the runner: configuration is loaded here once, signals become a stop, and the job runs.
// Its stdout and stderr go to the job's runner.log.
import { readFile } from "node:fs/promises";
import { loadConfig } from "../config.js";
import { UserError } from "../errors.js";
import { cancelReasons, type CancelReason } from "../store/record.js";
import { JobStore } from "../store/store.js";
import { runJob } from "./run-job.js";
import { Stopper } from "./stopper.js";

const [root, id] = process.argv.slice(2);
if (!root || !id) {
  console.error("usage: main.js <store root> <job id>");
  process.exit(2);
}
const store = new JobStore(root);
const stopper = new Stopper();
for (const sig of ["SIGTERM", "SIGINT", "SIGHUP"] as const) {
  process.on(sig, () => void readCancel(store, id).then((cancel) => stopper.stop({ kind: "cancel", ...cancel })));
}
console.error(`${new Date().toISOString()} runner ${process.pid} starting job ${id}`);
await runJob({ store, id, keySource: keySource(), stopper });
console.error(`${new Date().toISOString()} runner ${process.pid} finished job ${id}`);
process.exit(0);

/** The control plane checked this environment before it started the runner; a failure here still ends the job, saying why. */
function keySource() {
  try {
    return loadConfig().keySource;
  } catch (error) {
    return error instanceof UserError ? error : new UserError("configuration", String(error));
  }
}

async function readCancel(store: JobStore, id: string): Promise<{ reason: CancelReason; note?: string }> {
  try {
    const cancel = JSON.parse(await readFile(store.file(id, "cancel.json"), "utf8")) as { reason: CancelReason; note?: string };
    if (cancelReasons.includes(cancel.reason)) return cancel;
  } catch {
    // a signal without a request file: someone stopped the runner by hand
  }
  return { reason: "user_requested", note: "runner received a stop signal" };
}
