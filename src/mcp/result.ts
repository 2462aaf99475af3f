// Tool results: structuredContent (what Codex shows the model, and what the byte budgets count)
// plus one short text line for hosts that read text. Expected failures are isError results with
// the one line that says what to change; nothing reaches the host as a stack trace.
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { errorJson, UserError, type ErrorData, type ErrorJson } from "../errors.js";
import { runnerAlive } from "../control/engine.js";
import type { JobRecord } from "../store/record.js";
import { jobView, progressLine } from "../views/compact.js";
import { oneLine } from "../text.js";

export function structured(value: object, line: string): CallToolResult {
  return { structuredContent: value as Record<string, unknown>, content: [{ type: "text", text: line }] };
}

/** A job as get_job shows it: liveness while it runs, the compact result once it has ended. */
export function jobResult(job: JobRecord): CallToolResult {
  const now = Date.now();
  return structured(jobView(job, now, runnerAlive(job)), `${job.id} ${progressLine(job, now)}`);
}

/** An error result: the one line as text, and as structuredContent `{error: {code, message, …data}}`, capped like the line. */
export function failure(code: ErrorJson["code"], message: string, data?: ErrorData): CallToolResult {
  const line = errorLine(message);
  return { isError: true, structuredContent: { error: errorJson(code, line, data) }, content: [{ type: "text", text: line }] };
}

/** An error line is read by the host's model: one line, under 200 bytes, whatever it echoes. */
export const maxErrorBytes = 199;
const excerptChars = 40;

/**
 * One line, and any run of more than 40 characters without a space (an echoed id, path or value,
 * also from messages written deeper down) cut to its first 40, so the advice after it survives.
 */
export function errorLine(message: string): string {
  const flat = message
    .replace(/\s+/g, " ")
    .trim()
    .replace(/[^\s"]{41,}/g, cut);
  return capBytes(flat, maxErrorBytes);
}

/** A value as an error quotes it: at most 40 characters and "…"; "nothing" for a missing one. */
export function excerpt(value: unknown): string {
  if (value === undefined) return "nothing";
  if (typeof value === "string") return JSON.stringify(cut(value));
  return cut(JSON.stringify(value) ?? String(value));
}

function cut(text: string): string {
  const chars = Array.from(text);
  return chars.length > excerptChars ? `${chars.slice(0, excerptChars).join("")}…` : text;
}

function capBytes(text: string, max: number): string {
  if (Buffer.byteLength(text) <= max) return text;
  let kept = "";
  let bytes = 3; // the "…"
  for (const char of text) {
    bytes += Buffer.byteLength(char);
    if (bytes > max) break;
    kept += char;
  }
  return `${kept}…`;
}

/** Runs a tool body; a UserError becomes its message, anything else a one-line internal error. */
export async function guarded(log: (line: string) => void, body: () => Promise<CallToolResult>): Promise<CallToolResult> {
  try {
    return await body();
  } catch (error) {
    if (error instanceof UserError) return failure(error.code, error.message, error.data);
    log(`internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    return failure(
      "internal",
      `internal error in code-worker: ${oneLine(error instanceof Error ? error.message : String(error), 100)} (details in the server's stderr)`,
    );
  }
}
