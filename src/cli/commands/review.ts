import { execa } from "execa";
import type { Engine } from "../../control/engine.js";
import { runnerAlive } from "../../control/engine.js";
import { isTerminal, type JobRecord } from "../../store/record.js";
import { compactResult } from "../../views/compact.js";
import { describeJob } from "../../views/human.js";
import { paintJob, type Paint } from "../color.js";
import { defineCommand } from "../command.js";
import { page } from "../pager.js";
import { required } from "../values.js";

const tailLines = 15;

export const review = defineCommand({
  name: "review",
  usage: "JOB [--no-pager]",
  about: "summary, checks (a failed one's log tail), verdict and the diff,\nthen the apply/discard commands",
  flags: { "no-pager": { type: "boolean", about: "print straight to the terminal, not through the pager" } },
  maxArgs: 1,
  example: "code-worker review orders-import-fix-k7m2 --no-pager",
  async run([id], flags, { engine, out }) {
    const job = await engine().get(required(id, "JOB", review));
    if (out.json) {
      out.print(compactResult(job, Date.now()));
      return 0;
    }
    const parts = [
      paintJob(describeJob(job, Date.now(), runnerAlive(job)), out.paint),
      ...(await failedCheckTails(engine(), job, out.paint)),
      ...(await diffOf(job, out.color)),
      nextCommands(job).join("\n"),
    ];
    await page(parts.filter(Boolean).join("\n\n"), { enabled: !flags["no-pager"] && process.stdout.isTTY === true, cwd: job.repo.root });
    return 0;
  },
});

/** Why each failed check failed: the end of its log, not only its exit code. */
async function failedCheckTails(engine: Engine, job: JobRecord, paint: Paint): Promise<string[]> {
  const failed = (job.checks?.results ?? []).filter((check) => check.outcome !== "pass" && check.outcome !== "skipped");
  const tails: string[] = [];
  for (const check of failed) {
    const log = await engine.detail(job.id, "check_log", check.name, 8192).catch(() => undefined);
    const lines = (log?.text ?? "").trimEnd().split("\n").slice(-tailLines);
    const exit = check.exit_code !== undefined ? `, exit ${check.exit_code}` : "";
    const head = paint("red", `check ${check.name}: ${check.outcome}${exit}`);
    tails.push([`${head} · last lines (code-worker logs ${job.id} --check ${check.name})`, ...lines.map((line) => `  ${line}`)].join("\n"));
  }
  return tails;
}

/** The change's stat and patch; no diff driver or textconv from the job's files runs. */
async function diffOf(job: JobRecord, color: boolean): Promise<string[]> {
  if (job.withheld?.some((file) => file.why === "secret"))
    return ["(the change held the provider key, or an encoding of it: its diff is not shown; discard the job)"];
  if (!job.head_commit || job.head_commit === job.base.commit || job.status === "discarded") return [];
  const range = `${job.base.commit}..${job.head_commit}`;
  const args = ["diff", "--stat", "--patch", "--no-ext-diff", "--no-textconv", `--color=${color ? "always" : "never"}`, range];
  const diff = await execa("git", args, { cwd: job.repo.root, reject: false, stripFinalNewline: true });
  return [diff.exitCode === 0 ? diff.stdout : `(git diff ${range} failed: ${diff.stderr.split("\n")[0]})`];
}

/** What a person can do with the job next, as commands to copy. */
function nextCommands(job: JobRecord): string[] {
  if (job.status === "done") {
    const accept = job.verdict?.verdict === "review" ? " --accept-review" : "";
    const apply =
      job.verdict?.verdict !== "reject" && job.merge?.status !== "conflicts"
        ? [`apply:   code-worker apply ${job.id}${accept}   (or --mode merge | --mode working-tree)`]
        : [];
    return [...apply, `discard: code-worker discard ${job.id}`];
  }
  return isTerminal(job.status) && job.status !== "applied" && job.status !== "discarded" ? [`discard: code-worker discard ${job.id}`] : [];
}
