import { UserError } from "../../errors.js";
import { compactResult } from "../../views/compact.js";
import { defineCommand } from "../command.js";
import { repoLabel } from "../repo-label.js";
import { required } from "../values.js";

export const apply = defineCommand({
  name: "apply",
  usage: "JOB [--mode commit|merge|working-tree] [--accept-review]",
  about: "bring a done job's change into this checkout",
  flags: {
    mode: {
      type: "string",
      value: "M",
      about: "commit (one commit on your branch), merge (a merge commit) or working-tree (uncommitted)",
      default: "commit",
    },
    "accept-review": { type: "boolean", about: "apply a job whose verdict is review, having looked at it" },
  },
  maxArgs: 1,
  example: "code-worker apply orders-import-fix-k7m2 --mode merge",
  async run([id], flags, { engine, out }) {
    const jobId = required(id, "JOB", apply);
    const mode = flags.mode;
    if (mode !== undefined && mode !== "commit" && mode !== "merge" && mode !== "working-tree") {
      throw new UserError("invalid_input", `--mode must be commit, merge or working-tree, got "${mode}"`);
    }
    const job = await engine().apply(jobId, { mode, acceptReview: flags["accept-review"] });
    const how = job.applied?.commit ? `as commit ${job.applied.commit}` : "as uncommitted changes";
    out.view(
      compactResult(job, Date.now()),
      `${job.id} applied ${how} to ${repoLabel(job.repo.root)} (host HEAD ${job.applied?.host_head}); branch ${job.branch} kept until gc`,
    );
    return 0;
  },
});
