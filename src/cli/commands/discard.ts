import { compactResult } from "../../views/compact.js";
import { defineCommand } from "../command.js";
import { required } from "../values.js";

export const discard = defineCommand({
  name: "discard",
  usage: "JOB",
  about: "remove an ended job's worktree and branch",
  flags: {},
  maxArgs: 1,
  example: "code-worker discard orders-import-fix-k7m2",
  async run([id], _flags, { engine, out }) {
    const job = await engine().discard(required(id, "JOB", discard));
    out.view(compactResult(job, Date.now()), `${job.id} discarded: worktree and branch ${job.branch} removed`);
    return 0;
  },
});
