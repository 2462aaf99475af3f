// Folds Claude Code's stream-json lines into progress (activity, turns, usage) and a final outcome.
// A run failed unless a `result` event came and it is not `is_error`, whatever the exit code says.
import { constants } from "node:os";
import { isAbsolute, relative } from "node:path";
import { oneLine } from "../text.js";
import { parseReport, type WorkerReport } from "./report.js";

export interface WorkerProgress {
  turns: number;
  lastActivity?: string;
  sessionId?: string;
  /** Tool calls started and not yet answered: while one runs, silence from the model is normal. */
  toolsRunning: number;
  usage: { input_tokens: number; output_tokens: number };
}

export type FailureKind = "auth" | "provider" | "unreachable" | "max_turns" | "sandbox" | "no_result" | "other";

export interface WorkerOutcome {
  ok: boolean;
  failure?: { kind: FailureKind; message: string };
  summary?: string;
  /** The worker's structured final report, on a run that succeeded; else why there is none. */
  report?: WorkerReport;
  reportProblem?: string;
  turns: number;
  usage: WorkerProgress["usage"];
  costUsd?: number;
  denials?: number;
  sessionId?: string;
}

type Event = Record<string, any>;

export class StreamFold {
  readonly progress: WorkerProgress = { turns: 0, toolsRunning: 0, usage: { input_tokens: 0, output_tokens: 0 } };
  private readonly messages = new Set<string>();
  private result?: Event;

  constructor(private readonly cwd: string) {}

  /** Takes one parsed event; returns true when the visible activity changed. */
  push(event: Event): boolean {
    const before = this.progress.lastActivity;
    switch (event.type) {
      case "system":
        if (event.subtype === "init") this.progress.sessionId = event.session_id;
        if (event.subtype === "api_retry") {
          this.progress.lastActivity = `retrying the provider (${event.error_status ?? event.error}), attempt ${event.attempt}/${event.max_retries}`;
        }
        break;
      case "assistant":
        this.assistant(event.message ?? {});
        break;
      case "user":
        for (const block of event.message?.content ?? []) {
          if (block?.type === "tool_result") this.progress.toolsRunning = Math.max(0, this.progress.toolsRunning - 1);
        }
        break;
      case "result":
        this.result = event;
        break;
    }
    return this.progress.lastActivity !== before;
  }

  private assistant(message: Event): void {
    if (message.id && !this.messages.has(message.id)) {
      this.messages.add(message.id);
      this.progress.turns += 1;
      this.progress.usage.input_tokens += message.usage?.input_tokens ?? 0;
      this.progress.usage.output_tokens += message.usage?.output_tokens ?? 0;
    }
    for (const block of message.content ?? []) {
      if (block?.type === "tool_use") {
        this.progress.toolsRunning += 1;
        this.progress.lastActivity = describeToolUse(block.name, block.input ?? {}, this.cwd);
      }
    }
  }

  /** The outcome once the process has exited. */
  finish(exit: { code?: number; signal?: string; stderr: string }): WorkerOutcome {
    const r = this.result;
    const base = {
      turns: r?.num_turns ?? this.progress.turns,
      usage: this.progress.usage,
      sessionId: r?.session_id ?? this.progress.sessionId,
    };
    if (!r) {
      const reason = stderrReason(exit.stderr);
      const detail = /^error:/i.test(reason) ? reason : [exitDescription(exit), reason].filter(Boolean).join(": ");
      const kind: FailureKind = /sandbox/i.test(detail) ? "sandbox" : "no_result";
      return { ...base, ok: false, failure: { kind, message: `the worker stopped without a result: ${detail}` } };
    }
    const outcome = { ...base, costUsd: r.total_cost_usd, denials: r.permission_denials?.length ?? 0 };
    if (r.is_error === true || r.subtype !== "success") {
      const message = oneLine(typeof r.result === "string" ? r.result : (r.errors ?? []).join("; ") || r.subtype);
      return { ...outcome, ok: false, failure: { kind: classify(r.subtype, message), message } };
    }
    return { ...outcome, ok: true, ...reported(r) };
  }
}

/** The report and the summary it carries; without one, the result's text (then a plain final message) is the summary. */
function reported(r: Event): Pick<WorkerOutcome, "summary" | "report" | "reportProblem"> {
  const parsed = parseReport(r.structured_output);
  if ("report" in parsed) return { summary: parsed.report.summary.trim(), report: parsed.report };
  return { summary: typeof r.result === "string" ? r.result.trim() : undefined, reportProblem: parsed.problem };
}

/**
 * How a process ended, in words: a signal by name. The sandbox reports a signalled worker as
 * 128 + the signal's number, as shells do.
 */
export function exitDescription(exit: { code?: number; signal?: string }): string {
  const fromCode =
    exit.code !== undefined && exit.code > 128
      ? Object.entries(constants.signals).find(([, number]) => number === exit.code! - 128)?.[0]
      : undefined;
  const signal = exit.signal ?? fromCode;
  if (signal) return `killed by ${signal}${exit.code !== undefined ? ` (exit code ${exit.code})` : ""}`;
  return exit.code === undefined ? "ended without an exit code" : `exit code ${exit.code}`;
}

function classify(subtype: string, message: string): FailureKind {
  if (subtype === "error_max_turns") return "max_turns";
  if (/\b401\b|authenticat|invalid (x-)?api[ -]key|not logged in/i.test(message)) return "auth";
  if (/unable to connect|ConnectionRefused|ENOTFOUND|ECONNREFUSED/i.test(message)) return "unreachable";
  if (/API Error|timed out|overloaded/i.test(message)) return "provider";
  return "other";
}

/** The tool Claude Code adds for --json-schema; its input is the report. */
const reportTool = "StructuredOutput";

/** "Edit src/orders.ts", "Bash npm test", "Grep parseHeader": what a person wants to see. */
export function describeToolUse(name: string, input: Record<string, unknown>, cwd: string): string {
  const path = typeof input.file_path === "string" ? input.file_path : typeof input.path === "string" ? input.path : undefined;
  let detail: string | undefined;
  if (name === reportTool) return "final report";
  if (name === "Bash") detail = str(input.command) ?? str(input.description);
  else if (path) detail = isAbsolute(path) ? relative(cwd, path) || "." : path;
  else detail = str(input.pattern);
  return detail ? `${name} ${oneLine(detail, 60)}` : name;
}

function str(value: unknown): string | undefined {
  return typeof value === "string" && value.trim() ? value : undefined;
}

/**
 * The line that says why: Claude Code prints `error: …` before a crash trace and the runtime's
 * banner. Its `[claude-code:…]` diagnostics (an unknown model name, say) say nothing of an end.
 */
function stderrReason(text: string): string {
  const lines = text
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith("[claude-code:"));
  return oneLine(lines.find((l) => /^error:/i.test(l)) ?? lines.at(-1) ?? "");
}

/** One readable line per step of a raw stream-json line, for people reading a worker's log. */
export function activityLine(line: string, cwd: string): string | undefined {
  let event: Event;
  try {
    event = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (event.type === "assistant") {
    const steps = (event.message?.content ?? []).map((block: Event) =>
      block?.type === "tool_use"
        ? `→ ${describeToolUse(block.name, block.input ?? {}, cwd)}`
        : block?.type === "text"
          ? `says: ${oneLine(block.text ?? "", 200)}`
          : undefined,
    );
    return steps.filter(Boolean).join("\n") || undefined;
  }
  if (event.type === "user") {
    const failed = (event.message?.content ?? []).filter((block: Event) => block?.type === "tool_result" && block.is_error);
    return failed.length
      ? failed.map((b: Event) => `  ✗ ${oneLine(typeof b.content === "string" ? b.content : JSON.stringify(b.content), 160)}`).join("\n")
      : undefined;
  }
  if (event.type === "result")
    return event.is_error || event.subtype !== "success"
      ? `failed (${event.subtype}): ${oneLine(String(event.result ?? ""), 200)}`
      : "finished";
  if (event.type === "system" && event.subtype === "api_retry") return `retrying the provider (${event.error_status ?? event.error})`;
  return undefined;
}
