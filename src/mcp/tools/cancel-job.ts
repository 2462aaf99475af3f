import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { z } from "zod";
import type { ToolContext } from "../context.js";
import { guarded, jobResult } from "../result.js";
import { cancelReason, jobId, jobViewSchema, toolInput } from "../schemas.js";

export function registerCancelTool(server: McpServer, ctx: ToolContext): void {
  const input = toolInput({ job_id: jobId, reason: cancelReason, note: z.string().max(500).optional() });
  server.registerTool(
    "code_worker_cancel_job",
    {
      title: "Cancel a job",
      description: "Stop a running job and all it started; partial work stays on its branch. Not for quiet jobs.",
      inputSchema: input.schema,
      outputSchema: jobViewSchema,
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
    },
    (raw) =>
      guarded(ctx.log, async () => {
        const args = input.parse(raw);
        const job = await ctx.engine().cancel(args.job_id, args.reason, args.note);
        return jobResult(job);
      }),
  );
}
