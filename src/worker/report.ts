// The worker's structured final report: what it says it did, for the runner to hold against the
// facts. Claude Code takes the JSON schema (--json-schema) and makes the model end with a
// StructuredOutput call; the `result` event carries the object as `structured_output`.
import { z } from "zod";
import { oneLine } from "../text.js";

const reportSchema = z.object({
  summary: z.string().describe("What you changed and why, in one to three sentences."),
  commands: z
    .array(z.object({ command: z.string(), outcome: z.enum(["pass", "fail", "not_run"]) }))
    .describe("Each command you ran to build or test the change, exactly as run, with its outcome."),
  files_changed: z.array(z.string()).describe("Each file you created, edited or deleted, relative to the repository root."),
});

export type WorkerReport = z.infer<typeof reportSchema>;

/** The schema as Claude Code's --json-schema takes it; no $schema key, which a provider may refuse in a tool's input schema. */
export function reportJsonSchema(): string {
  const { $schema: _dialect, ...schema } = z.toJSONSchema(reportSchema, { target: "draft-7" });
  return JSON.stringify(schema);
}

/** The report from a result event's `structured_output`, or one line saying why there is none. */
export function parseReport(structured: unknown): { report: WorkerReport } | { problem: string } {
  if (structured === undefined || structured === null) return { problem: "it ended without calling StructuredOutput" };
  const parsed = reportSchema.safeParse(structured);
  if (parsed.success) return { report: parsed.data };
  const [first, ...rest] = parsed.error.issues;
  const where = first!.path
    .map((part, i) => (typeof part === "number" ? `[${part}]` : i === 0 ? String(part) : `.${String(part)}`))
    .join("");
  const more = rest.length ? ` (+${rest.length} more)` : "";
  return { problem: oneLine(`malformed: ${where ? `${where}: ` : ""}${first!.message}${more}`, 160) };
}
