import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { z } from "zod";
import { compactResult } from "../../views/compact.js";
import type { ToolContext } from "../context.js";
import { guarded, structured } from "../result.js";
import { jobId, jobViewSchema, toolInput } from "../schemas.js";

export function registerApplyTool(server: McpServer, ctx: ToolContext): void {
  const input = toolInput({
    job_id: jobId,
    mode: z.enum(["commit", "merge", "working-tree"]).optional().meta({ default: "commit" }),
    accept_review: z.boolean().optional().describe("A person reviewed it (verdict review)"),
  });
  server.registerTool(
    "code_worker_apply_job",
    {
      title: "Apply a job",
      description: "Bring a done job's change into your checkout; changes nothing unless it applies cleanly.",
      inputSchema: input.schema,
      outputSchema: jobViewSchema,
      // It changes the person's checkout: destructive, so a host asks before running it.
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false },
    },
    (raw) =>
      guarded(ctx.log, async () => {
        const args = input.parse(raw);
        const job = await ctx.engine().apply(args.job_id, { mode: args.mode, acceptReview: args.accept_review });
        return structured(compactResult(job, Date.now()), `${job.id} applied (${job.applied?.mode}), host HEAD ${job.applied?.host_head}`);
      }),
  );
}
