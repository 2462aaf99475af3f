import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { z } from "zod";
import { startView } from "../../views/compact.js";
import type { ToolContext } from "../context.js";
import { guarded, structured } from "../result.js";
import { jobId, jobViewSchema, toolInput } from "../schemas.js";

export function registerContinueTool(server: McpServer, ctx: ToolContext): void {
  const input = toolInput({
    job_id: jobId,
    task: z.string().describe("What to change next"),
    execution_tier: z.enum(["fast", "think", "auto"]).optional().describe("Default the job's"),
  });
  server.registerTool(
    "code_worker_continue_job",
    {
      title: "Continue a job",
      description: "Follow up an ended, unapplied job: same branch and session, checks and policy rerun. Poll as after start.",
      inputSchema: input.schema,
      outputSchema: jobViewSchema,
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
    },
    (raw) =>
      guarded(ctx.log, async () => {
        const args = input.parse(raw);
        const job = await ctx.engine().continue(args.job_id, { task: args.task, tier: args.execution_tier });
        const view = startView(job, Date.now());
        return structured(view, `${job.id} round ${view.round ?? 1} ${job.status} on ${job.branch}; poll in ${view.next_poll_s ?? 5}s`);
      }),
  );
}
