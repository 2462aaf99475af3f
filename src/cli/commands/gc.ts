import { UserError } from "../../errors.js";
import { defineCommand } from "../command.js";
import { repoLabel } from "../repo-label.js";

export const gc = defineCommand({
  name: "gc",
  usage: "[--older-than DAYS] [--all]",
  about: "clean this repository's ended jobs older than DAYS (default 7); spares\nrunning jobs and done ones not yet applied or reviewed",
  flags: {
    "older-than": { type: "string", value: "DAYS", about: "clean jobs that ended more than DAYS ago", default: "7" },
    all: { type: "boolean", about: "clean every repository's jobs, not only this one's" },
  },
  maxArgs: 0,
  example: "code-worker gc --older-than 1",
  async run(_args, flags, { engine, out }) {
    const days = flags["older-than"] === undefined ? 7 : Number(flags["older-than"]);
    if (!Number.isFinite(days) || days < 0)
      throw new UserError("invalid_input", `--older-than must be a number of days, got "${flags["older-than"]}"`);
    const cleaned = await engine().gc(days * 86_400, flags.all ? {} : { cwd: process.cwd() });
    if (out.json) {
      out.print({ cleaned: cleaned.map((job) => ({ job_id: job.id, status: job.collected_from ?? job.status, repo: job.repo.root })) });
      return 0;
    }
    for (const job of cleaned) console.log(`cleaned ${job.id} (${job.collected_from ?? job.status})  ${repoLabel(job.repo.root)}`);
    if (!cleaned.length) console.log(flags.all ? "nothing to clean" : "nothing to clean in this repository (--all for every repository)");
    return 0;
  },
});
