import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { z } from "zod";
import { progressLine } from "../../views/compact.js";
import type { ToolContext } from "../context.js";
import { guarded, jobResult } from "../result.js";
import { jobId, jobViewSchema, toolInput } from "../schemas.js";

/** Hosts time tool calls out at 300 s by default; a wait always returns well before. */
export const maxWaitS = 240;

export function registerWaitTool(server: McpServer, ctx: ToolContext): void {
  const input = toolInput({ job_id: jobId, timeout_s: z.number().int().min(1).max(maxWaitS).optional().meta({ default: 60 }) });
  server.registerTool(
    "code_worker_wait_for_job",
    {
      title: "Wait for a job",
      description: "Block until a job ends or timeout_s passes; get_job's view. Short waits only.",
      inputSchema: input.schema,
      outputSchema: jobViewSchema,
      annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
    },
    (raw, extra) =>
      guarded(ctx.log, async () => {
        const args = input.parse(raw);
        const progressToken = extra._meta?.progressToken;
        let step = 0;
        const job = await ctx.engine().wait(
          args.job_id,
          args.timeout_s ?? 60,
          (record) => {
            if (progressToken === undefined) return;
            step += 1;
            void extra
              .sendNotification({
                method: "notifications/progress",
                params: { progressToken, progress: step, message: progressLine(record, Date.now()) },
              })
              .catch(() => undefined); // a host that went away does not stop the wait
          },
          extra.signal,
        );
        return jobResult(job);
      }),
  );
}
