import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { z } from "zod";
import type { ToolContext } from "../context.js";
import { guarded, jobResult } from "../result.js";
import { jobViewSchema, startInput, toolInput } from "../schemas.js";
import { maxWaitS } from "./wait-for-job.js";

export function registerRunPatchTool(server: McpServer, ctx: ToolContext): void {
  const input = toolInput({ ...startInput, deadline_s: z.number().int().min(5).max(maxWaitS).optional().meta({ default: 90 }) });
  server.registerTool(
    "code_worker_run_patch",
    {
      title: "Run a tiny patch",
      description: "A tiny change (3 files, 60 lines, else review), waited on up to deadline_s: the result or the running view.",
      inputSchema: input.schema,
      outputSchema: jobViewSchema,
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
    },
    (raw, extra) =>
      guarded(ctx.log, async () => {
        const args = input.parse(raw);
        const engine = ctx.engine();
        const deadline = Date.now() + (args.deadline_s ?? 90) * 1000;
        const started = await engine.start({
          cwd: args.cwd,
          task: args.task,
          taskLabel: args.task_label,
          tier: args.execution_tier ?? "fast",
          base: args.base,
          timeoutS: args.timeout_s,
          policyOverlay: "tiny",
        });
        // The deadline counts from the call, so starting the job cannot push it past 240 s.
        const job = await engine.wait(started.id, Math.max(0, (deadline - Date.now()) / 1000), undefined, extra.signal);
        return jobResult(job);
      }),
  );
}
