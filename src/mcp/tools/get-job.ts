import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { ToolContext } from "../context.js";
import { guarded, jobResult } from "../result.js";
import { jobId, jobViewSchema, toolInput } from "../schemas.js";

export function registerGetJobTool(server: McpServer, ctx: ToolContext): void {
  const input = toolInput({ job_id: jobId });
  server.registerTool(
    "code_worker_get_job",
    {
      title: "Job status",
      description: "A job's liveness while it runs (quiet is normal), its compact result once ended.",
      inputSchema: input.schema,
      outputSchema: jobViewSchema,
      annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
    },
    (raw) =>
      guarded(ctx.log, async () => {
        const args = input.parse(raw);
        const job = await ctx.engine().get(args.job_id);
        return jobResult(job);
      }),
  );
}
