// Tool results: structuredContent (what Codex shows the model, and what the byte budgets count)
// plus one short text line for hosts that read text. Expected failures are isError results with
// the one line that says what to change; nothing reaches the host as a stack trace.
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { UserError } from "../errors.js";
import { runnerAlive } from "../jobs/engine.js";
import type { JobRecord } from "../jobs/record.js";
import { jobView, progressLine } from "../views/compact.js";
import { oneLine } from "../worker/stream.js";

export function structured(value: object, line: string): CallToolResult {
  return { structuredContent: value as Record<string, unknown>, content: [{ type: "text", text: line }] };
}

/** A job as get_job shows it: liveness while it runs, the compact result once it has ended. */
export function jobResult(job: JobRecord): CallToolResult {
  const now = Date.now();
  return structured(jobView(job, now, runnerAlive(job)), `${job.id} ${progressLine(job, now)}`);
}

export function failure(message: string): CallToolResult {
  return { isError: true, content: [{ type: "text", text: oneLine(message, 500) }] };
}

/** Runs a tool body; a UserError becomes its message, anything else a one-line internal error. */
export async function guarded(log: (line: string) => void, body: () => Promise<CallToolResult>): Promise<CallToolResult> {
  try {
    return await body();
  } catch (error) {
    if (error instanceof UserError) return failure(error.message);
    log(`internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    return failure(`internal error in code-worker: ${error instanceof Error ? error.message : String(error)} (details in the server's stderr)`);
  }
}
