import { eventLines, roundOf } from "../../control/details.js";
import { activityLine } from "../../worker/stream.js";
import { defineCommand } from "../command.js";
import { count, required } from "../values.js";

export const logs = defineCommand({
  name: "logs",
  usage: "JOB [--lines N] [--round N] [--check NAME]",
  about: "the worker's recent activity, or a check's log tail (default the last round)",
  flags: {
    lines: { type: "string", value: "N", about: "show the last N lines", default: "40" },
    round: { type: "string", value: "N", about: "the activity of round N", default: "the last round" },
    check: { type: "string", value: "NAME", about: "the log of the check NAME instead of the worker's activity" },
  },
  maxArgs: 1,
  example: "code-worker logs orders-import-fix-k7m2 --check unit --lines 20",
  async run([id], flags, { engine, out }) {
    const jobId = required(id, "JOB", logs);
    const lines = flags.lines === undefined ? 40 : count(flags.lines, "--lines");
    const round = flags.round === undefined ? undefined : count(flags.round, "--round");
    const job = await engine().get(jobId);
    const n = roundOf(job, round);
    if (flags.check !== undefined) {
      const log = await engine().detail(jobId, "check_log", flags.check, 65_536, round);
      const tail = log.text.trimEnd().split("\n").slice(-lines);
      out.view({ job_id: job.id, round: n, check: flags.check, lines: tail }, tail.join("\n"));
      return 0;
    }
    const raw = eventLines(await engine().store(jobId), job, n, lines * 4);
    const activity = raw.flatMap((line) => activityLine(line, job.worktree)?.split("\n") ?? []).slice(-lines);
    if (out.json) out.print({ job_id: job.id, round: n, activity });
    else if (!activity.length)
      console.log(job.status === "queued" || job.status === "preparing" ? "the worker has not started yet" : "no worker activity recorded");
    else console.log(activity.join("\n"));
    return 0;
  },
});
