import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { compactResult } from "../../views/compact.js";
import type { ToolContext } from "../context.js";
import { guarded, structured } from "../result.js";
import { jobId, jobViewSchema, toolInput } from "../schemas.js";

export function registerDiscardTool(server: McpServer, ctx: ToolContext): void {
  const input = toolInput({ job_id: jobId });
  server.registerTool(
    "code_worker_discard_job",
    {
      title: "Discard a job",
      description: "Drop an ended job's worktree and branch; a small record stays.",
      inputSchema: input.schema,
      outputSchema: jobViewSchema,
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
    },
    (raw) =>
      guarded(ctx.log, async () => {
        const args = input.parse(raw);
        const job = await ctx.engine().discard(args.job_id);
        return structured(compactResult(job, Date.now()), `${job.id} discarded`);
      }),
  );
}
