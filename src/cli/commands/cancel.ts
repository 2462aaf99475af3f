import { runnerAlive } from "../../control/engine.js";
import { UserError } from "../../errors.js";
import { cancelReasons, isTerminal, type CancelReason } from "../../store/record.js";
import { jobView } from "../../views/compact.js";
import { describeJob } from "../../views/human.js";
import { defineCommand } from "../command.js";
import { required } from "../values.js";

export const cancel = defineCommand({
  name: "cancel",
  usage: "JOB --reason user_requested|obsolete|unsafe [--note TEXT]",
  about: "stop a running job (its worktree and branch stay until discard or gc)",
  flags: {
    reason: { type: "string", value: "R", about: `why: ${cancelReasons.join(", ")}` },
    note: { type: "string", value: "TEXT", about: "a line kept in the record" },
  },
  maxArgs: 1,
  example: "code-worker cancel orders-import-fix-k7m2 --reason obsolete",
  async run([id], flags, { engine, out }) {
    const jobId = required(id, "JOB", cancel);
    const reason = flags.reason;
    if (!reason || !(cancelReasons as readonly string[]).includes(reason)) {
      throw new UserError("invalid_input", `cancel needs --reason ${cancelReasons.join("|")}`);
    }
    const job = await engine().cancel(jobId, reason as CancelReason, flags.note);
    const now = Date.now();
    out.view(jobView(job, now, runnerAlive(job)), describeJob(job, now, runnerAlive(job)));
    return isTerminal(job.status) ? 0 : 1;
  },
});
