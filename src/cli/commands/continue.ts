import { runnerAlive } from "../../control/engine.js";
import { jobView } from "../../views/compact.js";
import { defineCommand } from "../command.js";
import { taskFlags, tierFlag, waitFlag } from "../flags.js";
import { follow } from "../follow.js";
import { taskOf } from "../task.js";
import { required, tier } from "../values.js";

export const continueJob = defineCommand({
  name: "continue",
  usage: "JOB --task TEXT | --task-file F [--tier fast|think|auto] [--wait]",
  about: "a further round for an ended job, on its branch",
  flags: { ...taskFlags, tier: { ...tierFlag, default: "the job's last tier" }, wait: waitFlag },
  maxArgs: 1,
  example: 'code-worker continue orders-import-fix-k7m2 --task "Also accept a BOM at the start of the file." --wait',
  async run([id], flags, { engine, out }) {
    const jobId = required(id, "JOB", continueJob);
    const job = await engine().continue(jobId, { task: await taskOf(flags), tier: tier(flags.tier) });
    const round = job.pending_round?.n ?? job.rounds?.at(-1)?.n;
    if (flags.wait) {
      out.line(`job ${job.id} round ${round} on branch ${job.branch}`);
      return follow(engine(), job.id, job.settings.timeout_s + 60, out);
    }
    out.view(
      jobView(job, Date.now(), runnerAlive(job)),
      `${job.id}  ${job.status}  round ${round}  branch ${job.branch}\nfollow it with: code-worker wait ${job.id}`,
    );
    return 0;
  },
});
