import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { startView } from "../../views/compact.js";
import type { ToolContext } from "../context.js";
import { guarded, structured } from "../result.js";
import { jobViewSchema, startInput, toolInput } from "../schemas.js";

export function registerStartTool(server: McpServer, ctx: ToolContext): void {
  const input = toolInput(startInput);
  server.registerTool(
    "code_worker_start_implementation",
    {
      title: "Start a coding job",
      description: "Start a background coding job on its own branch and worktree. Poll code_worker_get_job every next_poll_s.",
      inputSchema: input.schema,
      outputSchema: jobViewSchema,
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
    },
    (raw) =>
      guarded(ctx.log, async () => {
        const args = input.parse(raw);
        const job = await ctx.engine().start({
          cwd: args.cwd,
          task: args.task,
          taskLabel: args.task_label,
          tier: args.execution_tier,
          base: args.base,
          timeoutS: args.timeout_s,
        });
        const view = startView(job, Date.now());
        return structured(view, `${job.id} ${job.status} on ${job.branch}; poll in ${view.next_poll_s ?? 5}s`);
      }),
  );
}
