import { resolve } from "node:path";
import { runnerAlive } from "../../control/engine.js";
import { jobView } from "../../views/compact.js";
import { defineCommand } from "../command.js";
import { cwdFlag, taskFlags, tierFlag, waitFlag } from "../flags.js";
import { follow } from "../follow.js";
import { taskOf } from "../task.js";
import { seconds, tier } from "../values.js";

export const start = defineCommand({
  name: "start",
  usage: "--task TEXT | --task-file F [--cwd DIR] [--label L] [--tier fast|think|auto]\n      [--base REF] [--timeout S] [--wait]",
  about: "start a job (--wait follows it to the end)",
  flags: {
    ...taskFlags,
    cwd: cwdFlag,
    label: { type: "string", value: "L", about: "a short name for the job and its branch", default: "from the task's first words" },
    tier: tierFlag,
    base: { type: "string", value: "REF", about: "the commit the job starts from", default: "HEAD" },
    timeout: { type: "string", value: "S", about: "seconds before the job is stopped", default: "$CODE_WORKER_JOB_TIMEOUT_S or 3600" },
    wait: waitFlag,
  },
  maxArgs: 0,
  example: 'code-worker start --task "Fix the CSV header parsing in src/orders/import.ts; add a test." --wait',
  async run(_args, flags, { engine, out }) {
    const job = await engine().start({
      cwd: resolve(flags.cwd ?? process.cwd()),
      task: await taskOf(flags),
      taskLabel: flags.label,
      tier: tier(flags.tier),
      base: flags.base,
      timeoutS: seconds(flags.timeout, "--timeout"),
    });
    if (flags.wait) {
      out.line(`job ${job.id} on branch ${job.branch}`);
      return follow(engine(), job.id, job.settings.timeout_s + 60, out);
    }
    out.view(
      jobView(job, Date.now(), runnerAlive(job)),
      `${job.id}  ${job.status}  branch ${job.branch}\nfollow it with: code-worker wait ${job.id}`,
    );
    return 0;
  },
});
