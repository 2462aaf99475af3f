import { runnerAlive } from "../../control/engine.js";
import { UserError } from "../../errors.js";
import { jobView } from "../../views/compact.js";
import { describeJob } from "../../views/human.js";
import { defineCommand } from "../command.js";

export const status = defineCommand({
  name: "status",
  usage: "[JOB]",
  about: "one job (default: the newest in this repository)",
  flags: {},
  maxArgs: 1,
  example: "code-worker status orders-import-fix-k7m2",
  async run([id], _flags, { engine, out }) {
    const job = id ? await engine().get(id) : (await engine().list({ cwd: process.cwd(), limit: 1 }))[0];
    if (!job) throw new UserError("not_found", "no jobs in this repository yet; start one with code-worker start");
    const now = Date.now();
    out.view(jobView(job, now, runnerAlive(job)), describeJob(job, now, runnerAlive(job)));
    return 0;
  },
});
