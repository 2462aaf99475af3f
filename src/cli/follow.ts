// Following a job to its end (wait, start --wait, continue --wait): a line per change, a quiet
// line for each minute without one, then the result.
import type { Engine } from "../control/engine.js";
import { runnerAlive } from "../control/engine.js";
import { quietMs } from "../control/liveness.js";
import { isTerminal, type JobRecord } from "../store/record.js";
import { compactResult, jobView } from "../views/compact.js";
import { describeJob } from "../views/human.js";
import { paintJob, statusStyle } from "./color.js";
import { exitCodes } from "./exit-codes.js";
import type { Output } from "./output.js";
import { changeLine, quietLine } from "./progress.js";

const quietCheckMs = 5_000;

/** Prints a line whenever the state or activity changes, and when nothing has for a while; in JSON mode, only the final view. */
export async function follow(engine: Engine, id: string, timeoutS: number, out: Output): Promise<number> {
  const abort = new AbortController();
  process.once("SIGINT", () => abort.abort()); // stop following; the job carries on
  let changedAt = Date.now();
  let saidAt = changedAt;
  const say = (line: string) => {
    out.line(`  ${line.replace(/^[a-z_]+/, (word) => out.paint(statusStyle(word), word))}`);
    saidAt = Date.now();
  };
  const onChange = (record: JobRecord) => {
    say(changeLine(record, Date.now()));
    changedAt = saidAt;
  };
  const quiet = async () => {
    if (Date.now() - saidAt < quietMs) return;
    const record = await engine.get(id).catch(() => undefined);
    if (record && !isTerminal(record.status))
      say(quietLine(record, Date.now(), runnerAlive(record), Math.round((Date.now() - changedAt) / 1000)));
  };
  const timer = out.json ? undefined : setInterval(() => void quiet(), quietCheckMs);
  const job = await engine.wait(id, timeoutS, onChange, abort.signal).finally(() => clearInterval(timer));
  const now = Date.now();
  if (!isTerminal(job.status)) {
    out.view(jobView(job, now, runnerAlive(job)), `stopped following; the job carries on: code-worker status ${job.id}`);
    return exitCodes.stillRunning;
  }
  out.view(compactResult(job, now), paintJob(describeJob(job, now, false), out.paint));
  return jobExit(job);
}

/** A done job is a success unless its policy rejected the change; any other end is a failure. */
export function jobExit(job: JobRecord): number {
  if (job.status !== "done") return exitCodes.failed;
  return job.verdict?.verdict === "reject" ? exitCodes.rejected : exitCodes.ok;
}
