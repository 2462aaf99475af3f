#!/usr/bin/env node
// `code-worker`: the command line for people and scripts. Same engine and views as the MCP server;
// human lines by default, the compact JSON views with --json.
import { readFile } from "node:fs/promises";
import { execa } from "execa";
import { resolve } from "node:path";
import { parseArgs, type ParseArgsConfig } from "node:util";
import { loadConfig, type Tier } from "../config.js";
import { errorJson, UserError } from "../errors.js";
import { Engine, runnerAlive } from "../control/engine.js";
import { eventLines, roundOf } from "../control/details.js";
import { activeStates, cancelReasons, isTerminal, terminalStates, type CancelReason, type JobState } from "../store/record.js";
import { compactResult, jobView, listLine, progressLine } from "../views/compact.js";
import { describeJob } from "../views/human.js";
import { activityLine } from "../worker/stream.js";
import { checkPolicyFile, policyFileNames } from "../policy/load.js";

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
  round: { type: "string" },
} satisfies ParseArgsConfig["options"];

type FlagName = keyof typeof options;

/**
 * Every command's usage, flags and how many arguments it takes: the one place --help and every
 * usage error read them from. A usage's line breaks are for --help; errors print it on one line.
 */
interface Command {
  usage: string;
  about: string;
  flags: readonly FlagName[];
  maxArgs: number;
}

const commands: Record<string, Command> = {
  start: {
    usage: "start --task TEXT | --task-file F [--cwd DIR] [--label L] [--tier fast|think|auto]\n      [--base REF] [--timeout S] [--wait]",
    about: "start a job (--wait follows it to the end)",
    flags: ["task", "task-file", "cwd", "label", "tier", "base", "timeout", "wait"],
    maxArgs: 0,
  },
  continue: {
    usage: "continue JOB --task TEXT | --task-file F [--tier fast|think|auto] [--wait]",
    about: "a further round for an ended job, on its branch",
    flags: ["task", "task-file", "tier", "wait"],
    maxArgs: 1,
  },
  status: { usage: "status [JOB]", about: "one job (default: the newest in this repository)", flags: [], maxArgs: 1 },
  wait: { usage: "wait JOB [--timeout S]", about: "follow a job, one line per change, until it ends", flags: ["timeout"], maxArgs: 1 },
  list: {
    usage: "list [--cwd DIR] [--status S] [--limit N]",
    about: "jobs, newest first (all repositories without --cwd)",
    flags: ["cwd", "status", "limit"],
    maxArgs: 0,
  },
  cancel: { usage: "cancel JOB --reason user_requested|obsolete|unsafe [--note TEXT]", about: "", flags: ["reason", "note"], maxArgs: 1 },
  logs: {
    usage: "logs JOB [--lines N] [--round N]",
    about: "the worker's recent activity (default the last round)",
    flags: ["lines", "round"],
    maxArgs: 1,
  },
  review: { usage: "review JOB", about: "summary, checks, verdict and the diff, then the apply/discard commands", flags: [], maxArgs: 1 },
  apply: {
    usage: "apply JOB [--mode commit|merge|working-tree] [--accept-review]",
    about: "bring a done job's change into this checkout",
    flags: ["mode", "accept-review"],
    maxArgs: 1,
  },
  discard: { usage: "discard JOB", about: "remove an ended job's worktree and branch", flags: [], maxArgs: 1 },
  gc: {
    usage: "gc [--older-than DAYS]",
    about: "clean ended jobs older than DAYS (default 7); spares running\njobs and done ones not yet applied or reviewed",
    flags: ["older-than"],
    maxArgs: 0,
  },
  "policy check": {
    usage: "policy check [FILE...]",
    about: "validate policy files (default .code-worker/policy.yaml)",
    flags: [],
    maxArgs: Infinity,
  },
  "policy explain": {
    usage: "policy explain JOB",
    about: "which rules and checks decided a finished job's verdict",
    flags: [],
    maxArgs: 1,
  },
};

/** Flags every command takes. */
const globalFlags: readonly FlagName[] = ["json", "help"];

const usage = [
  "usage: code-worker <command> [options]",
  "",
  ...Object.values(commands).map(helpEntry),
  "",
  "  --json   print the compact JSON view instead of lines",
  "",
  "configuration comes from the environment: see the README (CODE_WORKER_* variables)",
].join("\n");

/** A command's lines in --help: its usage, then what it does from column 48. */
function helpEntry({ usage, about }: Command): string {
  const lines = usage.split("\n").map((line) => `  ${line}`);
  const [first, ...rest] = about ? about.split("\n") : [];
  if (first === undefined) return lines.join("\n");
  const last = lines.pop()!;
  const column = " ".repeat(48);
  if (last.length < 48) lines.push(`${last.padEnd(48)}${first}`);
  else lines.push(last, `${column}${first}`);
  return [...lines, ...rest.map((line) => `${column}${line}`)].join("\n");
}

/** The usage that every error about a command's arguments ends with, on one line. */
function usageOf(name: string): string {
  return `usage: code-worker ${commands[name]!.usage.replace(/\s+/g, " ")}`;
}

type Flags = ReturnType<typeof parseStrict>["values"];

function parseStrict(argv: string[]) {
  return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
}

type Token = NonNullable<ReturnType<typeof parseArgs>["tokens"]>[number];

/**
 * The command line as typed, checked against the command's own flags and argument count: a flag
 * or an argument the command does not take is refused with one line and the command's usage,
 * never ignored. Node's strict parser then only types the values, for nothing is left to refuse.
 */
function parse(argv: string[]): { flags: Flags; command: string | undefined; args: string[] } {
  const { positionals, tokens } = parseArgs({ args: argv, options, allowPositionals: true, strict: false, tokens: true });
  const name = positionals[0] === "policy" && positionals[1] !== undefined ? `policy ${positionals[1]}` : positionals[0];
  // --help answers whatever else was typed.
  if (tokens.some((token) => token.kind === "option" && token.name === "help"))
    return { flags: { help: true }, command: undefined, args: [] };
  if (name === undefined) {
    const unknown = tokens.find((token) => token.kind === "option" && !Object.hasOwn(options, token.name));
    if (unknown?.kind === "option") throw new UserError("invalid_input", `unknown option ${unknown.rawName} (see code-worker --help)`);
    return { flags: parseStrict(argv).values, command: undefined, args: [] };
  }
  const command = Object.hasOwn(commands, name) ? commands[name]! : undefined;
  if (!command) {
    throw new UserError(
      "invalid_input",
      positionals[0] === "policy"
        ? "policy needs check or explain (see code-worker --help)"
        : `unknown command "${positionals[0]}" (see code-worker --help)`,
    );
  }
  const where = `for ${name} (${usageOf(name)})`;
  for (const token of tokens) checkFlag(token, command, name);
  const args = positionals.slice(name.split(" ").length);
  const extra = args.slice(command.maxArgs);
  if (extra.length)
    throw new UserError(
      "invalid_input",
      `unexpected argument${extra.length > 1 ? "s" : ""} ${extra.map((arg) => JSON.stringify(arg)).join(", ")} ${where}`,
    );
  try {
    return { flags: parseStrict(argv).values, command: name, args };
  } catch (error) {
    // Only a case checkFlag missed; still one line.
    throw new UserError("invalid_input", `${(error as Error).message.split("\n")[0]} ${where}`);
  }
}

/** Refuses what Node's strict parser would, in our words: an unknown flag, a missing or stray value. */
function checkFlag(token: Token, command: Command, name: string): void {
  if (token.kind !== "option") return;
  const where = `for ${name} (${usageOf(name)})`;
  const flag = token.name as FlagName;
  if (!Object.hasOwn(options, flag) || !(globalFlags.includes(flag) || command.flags.includes(flag))) {
    throw new UserError("invalid_input", `unknown option ${token.rawName} ${where}`);
  }
  const type = options[flag].type;
  if (type === "boolean" && token.inlineValue) throw new UserError("invalid_input", `${token.rawName} takes no value ${where}`);
  if (type === "string" && token.value === undefined) throw new UserError("invalid_input", `${token.rawName} needs a value ${where}`);
  if (type === "string" && !token.inlineValue && token.value?.startsWith("-")) {
    throw new UserError(
      "invalid_input",
      `${token.rawName} needs a value for ${name}; for one starting with "-", write ${token.rawName}=VALUE (${usageOf(name)})`,
    );
  }
}

async function main(argv: string[]): Promise<number> {
  const { flags, command, args: rest } = parse(argv);
  if (flags.help || !command) {
    console.log(usage);
    return command || flags.help ? 0 : 2;
  }
  const out = new Output(flags.json === true);
  // Checking a policy file needs no configuration, so it works before anything is set up.
  if (command === "policy check") return policyCheck(rest, out);
  const engine = new Engine(loadConfig());
  switch (command) {
    case "start":
      return start(engine, flags, out);
    case "continue":
      return continueJob(engine, required(rest[0], "JOB", command), flags, out);
    case "status":
      return status(engine, rest[0], out);
    case "wait":
      return follow(engine, required(rest[0], "JOB", command), seconds(flags.timeout, "--timeout") ?? 3600, out);
    case "list":
      return list(engine, flags, out);
    case "cancel":
      return cancel(engine, required(rest[0], "JOB", command), flags, out);
    case "logs":
      return logs(engine, required(rest[0], "JOB", command), flags, out);
    case "review":
      return review(engine, required(rest[0], "JOB", command), out);
    case "apply":
      return apply(engine, required(rest[0], "JOB", command), flags, out);
    case "discard": {
      const job = await engine.discard(required(rest[0], "JOB", command));
      out.view(compactResult(job, Date.now()), `${job.id} discarded: worktree and branch ${job.branch} removed`);
      return 0;
    }
    case "gc":
      return gc(engine, flags, out);
    case "policy explain":
      return policyExplain(engine, required(rest[0], "JOB", command), out);
    default:
      throw new UserError("invalid_input", `unknown command "${command}" (see code-worker --help)`);
  }
}

async function start(engine: Engine, flags: Flags, out: Output): Promise<number> {
  const task = await taskOf(flags);
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
  out.view(
    jobView(job, Date.now(), runnerAlive(job)),
    `${job.id}  ${job.status}  branch ${job.branch}\nfollow it with: code-worker wait ${job.id}`,
  );
  return 0;
}

async function continueJob(engine: Engine, id: string, flags: Flags, out: Output): Promise<number> {
  const task = await taskOf(flags);
  const job = await engine.continue(id, { task, tier: tier(flags.tier) });
  const round = job.pending_round?.n ?? job.rounds?.at(-1)?.n;
  if (flags.wait) {
    out.line(`job ${job.id} round ${round} on branch ${job.branch}`);
    return follow(engine, job.id, job.settings.timeout_s + 60, out);
  }
  out.view(
    jobView(job, Date.now(), runnerAlive(job)),
    `${job.id}  ${job.status}  round ${round}  branch ${job.branch}\nfollow it with: code-worker wait ${job.id}`,
  );
  return 0;
}

/** The task from --task or --task-file, exactly one of them. */
async function taskOf(flags: Flags): Promise<string> {
  if (flags.task !== undefined && flags["task-file"] !== undefined)
    throw new UserError("invalid_input", "give --task or --task-file, not both");
  const task = flags["task-file"] !== undefined ? await readTaskFile(flags["task-file"]) : flags.task;
  if (task === undefined) throw new UserError("invalid_input", "say what to do with --task TEXT or --task-file F");
  return task;
}

async function status(engine: Engine, id: string | undefined, out: Output): Promise<number> {
  const job = id ? await engine.get(id) : (await engine.list({ cwd: process.cwd(), limit: 1 }))[0];
  if (!job) throw new UserError("not_found", "no jobs in this repository yet; start one with code-worker start");
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
    throw new UserError("invalid_input", `cancel needs --reason ${cancelReasons.join("|")}`);
  }
  const job = await engine.cancel(id, reason as CancelReason, flags.note);
  const now = Date.now();
  out.view(jobView(job, now, runnerAlive(job)), describeJob(job, now, runnerAlive(job)));
  return isTerminal(job.status) ? 0 : 1;
}

async function logs(engine: Engine, id: string, flags: Flags, out: Output): Promise<number> {
  const lines = flags.lines === undefined ? 40 : count(flags.lines, "--lines");
  const round = flags.round === undefined ? undefined : count(flags.round, "--round");
  const job = await engine.get(id);
  const store = await engine.store(id);
  const raw = eventLines(store, job, roundOf(job, round), lines * 4);
  if (out.json) {
    for (const line of raw.slice(-lines)) console.log(line);
    return 0;
  }
  const activity = raw.flatMap((line) => activityLine(line, job.worktree)?.split("\n") ?? []);
  if (!activity.length)
    console.log(job.status === "queued" || job.status === "preparing" ? "the worker has not started yet" : "no worker activity recorded");
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
    await execa("git", ["diff", "--stat", "--patch", "--no-ext-diff", "--no-textconv", `${job.base.commit}..${job.head_commit}`], {
      cwd: job.repo.root,
      stdio: "inherit",
      reject: false,
    });
  }
  console.log("");
  if (job.status === "done") {
    const accept = job.verdict?.verdict === "review" ? " --accept-review" : "";
    if (job.verdict?.verdict !== "reject" && job.merge?.status !== "conflicts")
      console.log(`apply:   code-worker apply ${job.id}${accept}   (or --mode merge | --mode working-tree)`);
    console.log(`discard: code-worker discard ${job.id}`);
  } else if (isTerminal(job.status) && job.status !== "applied" && job.status !== "discarded") {
    console.log(`discard: code-worker discard ${job.id}`);
  }
  return 0;
}

async function apply(engine: Engine, id: string, flags: Flags, out: Output): Promise<number> {
  const mode = flags.mode;
  if (mode !== undefined && mode !== "commit" && mode !== "merge" && mode !== "working-tree") {
    throw new UserError("invalid_input", `--mode must be commit, merge or working-tree, got "${mode}"`);
  }
  const job = await engine.apply(id, { mode, acceptReview: flags["accept-review"] });
  const how = job.applied?.commit ? `as commit ${job.applied.commit}` : "as uncommitted changes";
  out.view(
    compactResult(job, Date.now()),
    `${job.id} applied ${how} (host HEAD ${job.applied?.host_head}); branch ${job.branch} kept until gc`,
  );
  return 0;
}

async function gc(engine: Engine, flags: Flags, out: Output): Promise<number> {
  const days = flags["older-than"] === undefined ? 7 : Number(flags["older-than"]);
  if (!Number.isFinite(days) || days < 0)
    throw new UserError("invalid_input", `--older-than must be a number of days, got "${flags["older-than"]}"`);
  const cleaned = await engine.gc(days * 86_400);
  if (out.json) out.print({ cleaned: cleaned.map((job) => job.id) });
  else console.log(cleaned.length ? cleaned.map((job) => `cleaned ${job.id} (${job.status})`).join("\n") : "nothing to clean");
  return 0;
}

/**
 * Checks every file given (default .code-worker/policy.yaml), printing each one's problems as
 * file:line:col [CODE] key: message (--json: one object per file, a line each). Exit 1 when any
 * file has problems, 2 when one cannot be read; the files after a bad one are still checked.
 */
async function policyCheck(files: string[], out: Output): Promise<number> {
  let exit = 0;
  for (const file of files.length ? files : [policyFileNames[0]]) {
    const path = resolve(file);
    let text: Buffer;
    try {
      text = await readFile(path);
    } catch {
      console.error(`code-worker: cannot read "${path}"; give the policy file's path`);
      exit = 2;
      continue;
    }
    const problems = checkPolicyFile({ name: file, text });
    if (out.json) out.print({ file: path, valid: problems.length === 0, problems });
    else console.log(problems.length ? problems.join("\n") : `${file}: valid`);
    if (problems.length) exit = Math.max(exit, 1);
  }
  return exit;
}

async function policyExplain(engine: Engine, id: string, out: Output): Promise<number> {
  const job = await engine.get(id);
  if (!job.verdict)
    throw new UserError("invalid_state", `job ${id} has no verdict (it is ${job.status}); only jobs that reached review have one`, {
      job_id: id,
      status: job.status,
    });
  if (out.json) {
    out.print({
      job_id: job.id,
      verdict: job.verdict.verdict,
      sources: job.policy_sources,
      fired: job.verdict.fired,
      checks: job.checks?.results,
    });
    return 0;
  }
  console.log(`${job.id}: ${job.verdict.verdict} by ${job.policy_sources}`);
  if (!job.verdict.fired.length) console.log("  no rule or check fired");
  for (const rule of job.verdict.fired) {
    console.log(
      `  ${rule.verdict.padEnd(6)} ${rule.type === "check" ? `checks.${rule.rule}` : `rules.${rule.rule}`} (${rule.type}): ${rule.reason}`,
    );
    for (const path of rule.paths.slice(0, 5)) console.log(`           ${path}`);
    if (rule.paths.length > 5) console.log(`           … ${rule.paths.length - 5} more`);
  }
  for (const check of job.checks?.results ?? []) {
    const detail =
      check.outcome === "skipped" ? "" : ` in ${check.duration_s}s${check.exit_code !== undefined ? `, exit ${check.exit_code}` : ""}`;
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
    throw new UserError("not_found", `cannot read the task file "${path}" (--task-file)`, { path });
  }
}

function required(value: string | undefined, name: string, command: string): string {
  if (!value) throw new UserError("invalid_input", `missing ${name} (${usageOf(command)})`);
  return value;
}

function tier(value: string | undefined): Tier | "auto" | undefined {
  if (value === undefined || value === "fast" || value === "think" || value === "auto") return value;
  throw new UserError("invalid_input", `--tier must be fast, think or auto, got "${value}"`);
}

function state(value: string | undefined): JobState | undefined {
  const states: readonly string[] = [...activeStates, ...terminalStates];
  if (value === undefined || states.includes(value)) return value as JobState | undefined;
  throw new UserError("invalid_input", `--status must be one of ${states.join(", ")}, got "${value}"`);
}

function seconds(value: string | undefined, flag: string): number | undefined {
  return value === undefined ? undefined : count(value, flag);
}

function count(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UserError("invalid_input", `${flag} must be a whole number above 0, got "${value}"`);
  return n;
}

const argv = process.argv.slice(2);
try {
  process.exitCode = await main(argv);
} catch (error) {
  const known = error instanceof UserError;
  const message = known ? error.message : `internal error: ${error instanceof Error ? error.message : String(error)}`;
  // --json is looked for in the raw words, so that an error in parsing them comes as JSON too.
  if (argv.includes("--json"))
    console.log(JSON.stringify({ error: known ? errorJson(error.code, message, error.data) : errorJson("internal", message) }));
  else console.error(`code-worker: ${message}`);
  process.exitCode = known ? 2 : 1;
}
