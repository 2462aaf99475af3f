#!/usr/bin/env node
// `code-worker`: the command line for people and scripts. Same engine and views as the MCP server;
// human lines by default, the compact JSON views with --json.
import { readFile } from "node:fs/promises";
import { execa } from "execa";
import { resolve } from "node:path";
import { parseArgs, type ParseArgsConfig } from "node:util";
import { loadConfig, type Tier } from "../config.js";
import { UserError } from "../errors.js";
import { Engine, runnerAlive } from "../jobs/engine.js";
import { tailLines } from "../jobs/event-log.js";
import { activeStates, cancelReasons, isTerminal, terminalStates, type CancelReason, type JobState } from "../jobs/record.js";
import { compactResult, jobView, listLine, progressLine } from "../views/compact.js";
import { describeJob } from "../views/human.js";
import { activityLine } from "../worker/stream.js";
import { checkPolicyFile, policyFileNames } from "../policy/load.js";

const usage = `usage: code-worker <command> [options]

  start --task TEXT | --task-file F [--cwd DIR] [--label L] [--tier fast|think|auto]
        [--base REF] [--timeout S] [--wait]     start a job (--wait follows it to the end)
  status [JOB]                                  one job (default: the newest in this repository)
  wait JOB [--timeout S]                        follow a job, one line per change, until it ends
  list [--cwd DIR] [--status S] [--limit N]     jobs, newest first (all repositories without --cwd)
  cancel JOB --reason user_requested|obsolete|unsafe [--note TEXT]
  logs JOB [--lines N]                          the worker's recent activity
  review JOB                                    summary, checks, verdict and the diff, then the apply/discard commands
  apply JOB [--mode commit|merge|working-tree] [--accept-review]
                                                bring a done job's change into this checkout
  discard JOB                                   remove an ended job's worktree and branch
  gc [--older-than DAYS]                        clean ended jobs older than DAYS (default 7); spares running
                                                jobs and done ones not yet applied or reviewed
  policy check [FILE]                           validate a policy file (default .code-worker/policy.yaml)
  policy explain JOB                            which rules and checks decided a finished job's verdict

  --json   print the compact JSON view instead of lines

configuration comes from the environment: see the README (CODE_WORKER_* variables)`;

const options = {
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
  cwd: { type: "string" },
  task: { type: "string" },
  "task-file": { type: "string" },
  label: { type: "string" },
  tier: { type: "string" },
  base: { type: "string" },
  timeout: { type: "string" },
  wait: { type: "boolean" },
  status: { type: "string" },
  limit: { type: "string" },
  reason: { type: "string" },
  note: { type: "string" },
  lines: { type: "string" },
  mode: { type: "string" },
  "accept-review": { type: "boolean" },
  "older-than": { type: "string" },
} satisfies ParseArgsConfig["options"];

type Flags = ReturnType<typeof parse>["values"];

function parse(argv: string[]) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UserError(`${(error as Error).message.split("\n")[0]} (see code-worker --help)`);
  }
}

async function main(argv: string[]): Promise<number> {
  const { values: flags, positionals } = parse(argv);
  const [command, ...rest] = positionals;
  if (flags.help || !command) {
    console.log(usage);
    return command || flags.help ? 0 : 2;
  }
  const out = new Output(flags.json === true);
  // Checking a policy file needs no configuration, so it works before anything is set up.
  if (command === "policy" && rest[0] === "check") return policyCheck(rest[1], out);
  const engine = new Engine(loadConfig());
  switch (command) {
    case "start":
      return start(engine, flags, out);
    case "status":
      return status(engine, rest[0], out);
    case "wait":
      return follow(engine, required(rest[0], "JOB"), seconds(flags.timeout, "--timeout") ?? 3600, out);
    case "list":
      return list(engine, flags, out);
    case "cancel":
      return cancel(engine, required(rest[0], "JOB"), flags, out);
    case "logs":
      return logs(engine, required(rest[0], "JOB"), flags, out);
    case "review":
      return review(engine, required(rest[0], "JOB"), out);
    case "apply":
      return apply(engine, required(rest[0], "JOB"), flags, out);
    case "discard": {
      const job = await engine.discard(required(rest[0], "JOB"));
      out.view(compactResult(job, Date.now()), `${job.id} discarded: worktree and branch ${job.branch} removed`);
      return 0;
    }
    case "gc":
      return gc(engine, flags, out);
    case "policy":
      if (rest[0] === "explain") return policyExplain(engine, required(rest[1], "JOB"), out);
      throw new UserError(`policy needs check or explain (see code-worker --help)`);
    default:
      throw new UserError(`unknown command "${command}" (see code-worker --help)`);
  }
}

async function start(engine: Engine, flags: Flags, out: Output): Promise<number> {
  if (flags.task !== undefined && flags["task-file"] !== undefined) throw new UserError("give --task or --task-file, not both");
  const task = flags["task-file"] !== undefined ? await readTaskFile(flags["task-file"]) : flags.task;
  if (task === undefined) throw new UserError("say what to do with --task TEXT or --task-file F");
  const job = await engine.start({
    cwd: resolve(flags.cwd ?? process.cwd()),
    task,
    taskLabel: flags.label,
    tier: tier(flags.tier),
    base: flags.base,
    timeoutS: seconds(flags.timeout, "--timeout"),
  });
  if (flags.wait) {
    out.line(`job ${job.id} on branch ${job.branch}`);
    return follow(engine, job.id, job.settings.timeout_s + 60, out);
  }
  out.view(jobView(job, Date.now(), runnerAlive(job)), `${job.id}  ${job.status}  branch ${job.branch}\nfollow it with: code-worker wait ${job.id}`);
  return 0;
}

async function status(engine: Engine, id: string | undefined, out: Output): Promise<number> {
  const job = id ? await engine.get(id) : (await engine.list({ cwd: process.cwd(), limit: 1 }))[0];
  if (!job) throw new UserError("no jobs in this repository yet; start one with code-worker start");
  const now = Date.now();
  out.view(jobView(job, now, runnerAlive(job)), describeJob(job, now, runnerAlive(job)));
  return 0;
}

/** Prints a line whenever the state or activity changes; in JSON mode, only the final view. */
async function follow(engine: Engine, id: string, timeoutS: number, out: Output): Promise<number> {
  const abort = new AbortController();
  process.once("SIGINT", () => abort.abort()); // stop following; the job carries on
  const job = await engine.wait(id, timeoutS, (record) => out.line(`  ${progressLine(record, Date.now())}`), abort.signal);
  const now = Date.now();
  if (!isTerminal(job.status)) {
    out.view(jobView(job, now, runnerAlive(job)), `stopped following; the job carries on: code-worker status ${job.id}`);
    return 3;
  }
  out.view(compactResult(job, now), describeJob(job, now, false));
  return job.status === "done" ? 0 : 1;
}

async function list(engine: Engine, flags: Flags, out: Output): Promise<number> {
  const limit = flags.limit === undefined ? 20 : count(flags.limit, "--limit");
  const jobs = await engine.list({ cwd: flags.cwd && resolve(flags.cwd), status: state(flags.status) });
  const now = Date.now();
  const shown = jobs.slice(0, limit);
  const more = jobs.length - shown.length;
  if (out.json) out.print({ jobs: shown.map((job) => listLine(job, now)), ...(more ? { more } : {}) });
  else {
    for (const job of shown) console.log(listLine(job, now));
    if (!jobs.length) console.log("no jobs");
    if (more) console.log(`… ${more} more (--limit)`);
  }
  return 0;
}

async function cancel(engine: Engine, id: string, flags: Flags, out: Output): Promise<number> {
  const reason = flags.reason;
  if (!reason || !(cancelReasons as readonly string[]).includes(reason)) {
    throw new UserError(`cancel needs --reason ${cancelReasons.join("|")}`);
  }
  const job = await engine.cancel(id, reason as CancelReason, flags.note);
  const now = Date.now();
  out.view(jobView(job, now, runnerAlive(job)), describeJob(job, now, runnerAlive(job)));
  return isTerminal(job.status) ? 0 : 1;
}

async function logs(engine: Engine, id: string, flags: Flags, out: Output): Promise<number> {
  const lines = flags.lines === undefined ? 40 : count(flags.lines, "--lines");
  const job = await engine.get(id);
  const store = await engine.store(id);
  const raw = tailLines(store.file(id, "events.jsonl"), store.file(id, "events.1.jsonl"), lines * 4);
  if (out.json) {
    for (const line of raw.slice(-lines)) console.log(line);
    return 0;
  }
  const activity = raw.flatMap((line) => activityLine(line, job.worktree)?.split("\n") ?? []);
  if (!activity.length) console.log(job.status === "queued" || job.status === "preparing" ? "the worker has not started yet" : "no worker activity recorded");
  for (const line of activity.slice(-lines)) console.log(line);
  return 0;
}

async function review(engine: Engine, id: string, out: Output): Promise<number> {
  const job = await engine.get(id);
  if (out.json) {
    out.print(compactResult(job, Date.now()));
    return 0;
  }
  console.log(describeJob(job, Date.now(), runnerAlive(job)));
  if (job.withheld?.some((file) => file.why === "secret")) {
    console.log("\n(the change held the provider key, or an encoding of it: its diff is not shown; discard the job)");
  } else if (job.head_commit && job.head_commit !== job.base.commit && job.status !== "discarded") {
    console.log("");
    // git colours and pages the diff itself when this is a terminal; no driver from the job's files runs.
    await execa("git", ["diff", "--stat", "--patch", "--no-ext-diff", "--no-textconv", `${job.base.commit}..${job.head_commit}`], { cwd: job.repo.root, stdio: "inherit", reject: false });
  }
  console.log("");
  if (job.status === "done") {
    const accept = job.verdict?.verdict === "review" ? " --accept-review" : "";
    if (job.verdict?.verdict !== "reject" && job.merge?.status !== "conflicts") console.log(`apply:   code-worker apply ${job.id}${accept}   (or --mode merge | --mode working-tree)`);
    console.log(`discard: code-worker discard ${job.id}`);
  } else if (isTerminal(job.status) && job.status !== "applied" && job.status !== "discarded") {
    console.log(`discard: code-worker discard ${job.id}`);
  }
  return 0;
}

async function apply(engine: Engine, id: string, flags: Flags, out: Output): Promise<number> {
  const mode = flags.mode;
  if (mode !== undefined && mode !== "commit" && mode !== "merge" && mode !== "working-tree") {
    throw new UserError(`--mode must be commit, merge or working-tree, got "${mode}"`);
  }
  const job = await engine.apply(id, { mode, acceptReview: flags["accept-review"] });
  const how = job.applied?.commit ? `as commit ${job.applied.commit}` : "as uncommitted changes";
  out.view(compactResult(job, Date.now()), `${job.id} applied ${how} (host HEAD ${job.applied?.host_head}); branch ${job.branch} kept until gc`);
  return 0;
}

async function gc(engine: Engine, flags: Flags, out: Output): Promise<number> {
  const days = flags["older-than"] === undefined ? 7 : Number(flags["older-than"]);
  if (!Number.isFinite(days) || days < 0) throw new UserError(`--older-than must be a number of days, got "${flags["older-than"]}"`);
  const cleaned = await engine.gc(days * 86_400);
  if (out.json) out.print({ cleaned: cleaned.map((job) => job.id) });
  else console.log(cleaned.length ? cleaned.map((job) => `cleaned ${job.id} (${job.status})`).join("\n") : "nothing to clean");
  return 0;
}

/** Prints every problem as file:line:col [CODE] key: message; exit 1 when there are any. */
async function policyCheck(file: string | undefined, out: Output): Promise<number> {
  const path = resolve(file ?? policyFileNames[0]);
  let text: Buffer;
  try {
    text = await readFile(path);
  } catch {
    throw new UserError(`cannot read "${path}"; give the policy file's path`);
  }
  const problems = checkPolicyFile({ name: file ?? policyFileNames[0], text });
  if (out.json) out.print({ file: path, valid: problems.length === 0, problems });
  else console.log(problems.length ? problems.join("\n") : `${file ?? policyFileNames[0]}: valid`);
  return problems.length ? 1 : 0;
}

async function policyExplain(engine: Engine, id: string, out: Output): Promise<number> {
  const job = await engine.get(id);
  if (!job.verdict) throw new UserError(`job ${id} has no verdict (it is ${job.status}); only jobs that reached review have one`);
  if (out.json) {
    out.print({ job_id: job.id, verdict: job.verdict.verdict, sources: job.policy_sources, fired: job.verdict.fired, checks: job.checks?.results });
    return 0;
  }
  console.log(`${job.id}: ${job.verdict.verdict} by ${job.policy_sources}`);
  if (!job.verdict.fired.length) console.log("  no rule or check fired");
  for (const rule of job.verdict.fired) {
    console.log(`  ${rule.verdict.padEnd(6)} ${rule.type === "check" ? `checks.${rule.rule}` : `rules.${rule.rule}`} (${rule.type}): ${rule.reason}`);
    for (const path of rule.paths.slice(0, 5)) console.log(`           ${path}`);
    if (rule.paths.length > 5) console.log(`           … ${rule.paths.length - 5} more`);
  }
  for (const check of job.checks?.results ?? []) {
    const detail = check.outcome === "skipped" ? "" : ` in ${check.duration_s}s${check.exit_code !== undefined ? `, exit ${check.exit_code}` : ""}`;
    console.log(`  check ${check.name}: ${check.outcome}${detail}`);
  }
  return 0;
}

class Output {
  constructor(readonly json: boolean) {}

  /** A progress line: people only, JSON readers get the final view alone. */
  line(text: string): void {
    if (!this.json) console.log(text);
  }

  view(value: unknown, human: string): void {
    if (this.json) this.print(value);
    else console.log(human);
  }

  print(value: unknown): void {
    console.log(JSON.stringify(value));
  }
}

async function readTaskFile(path: string): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch {
    throw new UserError(`cannot read the task file "${path}" (--task-file)`);
  }
}

function required(value: string | undefined, name: string): string {
  if (!value) throw new UserError(`missing ${name} (see code-worker --help)`);
  return value;
}

function tier(value: string | undefined): Tier | "auto" | undefined {
  if (value === undefined || value === "fast" || value === "think" || value === "auto") return value;
  throw new UserError(`--tier must be fast, think or auto, got "${value}"`);
}

function state(value: string | undefined): JobState | undefined {
  const states: readonly string[] = [...activeStates, ...terminalStates];
  if (value === undefined || states.includes(value)) return value as JobState | undefined;
  throw new UserError(`--status must be one of ${states.join(", ")}, got "${value}"`);
}

function seconds(value: string | undefined, flag: string): number | undefined {
  return value === undefined ? undefined : count(value, flag);
}

function count(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UserError(`${flag} must be a whole number above 0, got "${value}"`);
  return n;
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  if (error instanceof UserError) {
    console.error(`code-worker: ${error.message}`);
    process.exitCode = 2;
  } else {
    console.error(`code-worker: internal error: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  }
}
