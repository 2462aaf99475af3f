import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { z } from "zod";
import { defaultDetailBytes, detailKinds, maxDetailBytes } from "../../control/details.js";
import type { ToolContext } from "../context.js";
import { guarded, structured } from "../result.js";
import { detailShape, jobId, toolInput } from "../schemas.js";

export function registerDetailsTool(server: McpServer, ctx: ToolContext): void {
  const input = toolInput({
    job_id: jobId,
    what: z.enum(detailKinds),
    path: z.string().optional().describe("A file (diff) or check name (check_log)"),
    max_bytes: z.number().int().min(256).max(maxDetailBytes).optional().meta({ default: defaultDetailBytes }),
    round: z.number().int().min(1).max(99).optional().describe("Default the last; diff: its commits only"),
  });
  server.registerTool(
    "code_worker_get_details",
    {
      title: "Job details",
      description: "One capped detail: the diff (or a file's), a check's log tail, the worker's events or final message.",
      inputSchema: input.schema,
      outputSchema: detailShape,
      annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
    },
    (raw) =>
      guarded(ctx.log, async () => {
        const args = input.parse(raw);
        const detail = await ctx.engine().detail(args.job_id, args.what, args.path, args.max_bytes, args.round);
        const cut = detail.truncated_bytes ? `, ${detail.truncated_bytes} bytes cut` : "";
        return structured(detail, `${args.what} of ${detail.job_id}: ${detail.bytes} bytes${cut}`);
      }),
  );
}
