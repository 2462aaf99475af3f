// Entry point of a detached runner process: `node runner-main.js <store root> <job id>`.
// Its stdout and stderr go to the job's runner.log.
import { JobStore } from "../store/store.js";
import { runJob } from "./run-job.js";

const [root, id] = process.argv.slice(2);
if (!root || !id) {
  console.error("usage: runner-main.js <store root> <job id>");
  process.exit(2);
}
console.error(`${new Date().toISOString()} runner ${process.pid} starting job ${id}`);
await runJob(new JobStore(root), id);
console.error(`${new Date().toISOString()} runner ${process.pid} finished job ${id}`);
process.exit(0);
