import { resolve } from "node:path";
import { isUnreadable } from "../../store/store.js";
import { listLine } from "../../views/compact.js";
import { statusStyle, verdictStyle, type Paint } from "../color.js";
import { defineCommand } from "../command.js";
import { cwdFlag } from "../flags.js";
import { listRow } from "../list-row.js";
import { repoLabel } from "../repo-label.js";
import { count, state } from "../values.js";

export const list = defineCommand({
  name: "list",
  usage: "[--cwd DIR] [--status S] [--limit N]",
  about: "jobs, newest first, each with its repository (all repositories without --cwd)",
  flags: {
    cwd: { ...cwdFlag, default: "every repository" },
    status: { type: "string", value: "S", about: "only jobs in state S (done, failed, working, …)" },
    limit: { type: "string", value: "N", about: "show at most N jobs", default: "20" },
  },
  maxArgs: 0,
  example: "code-worker list --status done --limit 5",
  async run(_args, flags, { engine, out }) {
    const limit = flags.limit === undefined ? 20 : count(flags.limit, "--limit");
    const { jobs, more } = await engine().page({ cwd: flags.cwd && resolve(flags.cwd), status: state(flags.status), limit });
    const now = Date.now();
    if (out.json) {
      out.print({ jobs: jobs.map((job) => listRow(job, now)), ...(more ? { more } : {}) });
      return 0;
    }
    for (const job of jobs) {
      const line = paintLine(listLine(job, now), out.paint);
      console.log(isUnreadable(job) ? line : `${line}  ${repoLabel(job.repo.root)}`);
    }
    if (!jobs.length) console.log("no jobs");
    if (more) console.log(`… ${more} more (--limit)`);
    return 0;
  },
});

/** listLine's status (second word) and verdict colored. */
function paintLine(line: string, paint: Paint): string {
  return line
    .replace(/^(\S+ )([a-z_]+)/, (_, id: string, word: string) => id + paint(statusStyle(word), word))
    .replace(/ (approve|review|reject)\b/, (_, verdict: string) => ` ${paint(verdictStyle(verdict), verdict)}`);
}
