import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { z } from "zod";
import { activeStates, terminalStates } from "../../store/record.js";
import { listLine } from "../../views/compact.js";
import type { ToolContext } from "../context.js";
import { guarded, structured } from "../result.js";
import { listShape, toolInput } from "../schemas.js";

export const listDefault = 10;
export const listMax = 50;

export function registerListTool(server: McpServer, ctx: ToolContext): void {
  const input = toolInput({
    cwd: z.string().optional().describe("Only this repository's"),
    status: z.enum([...activeStates, ...terminalStates]).optional(),
    limit: z.number().int().min(1).max(listMax).optional().meta({ default: listDefault }),
  });
  server.registerTool(
    "code_worker_list_jobs",
    {
      title: "List jobs",
      description: "Jobs, newest first, a line each.",
      inputSchema: input.schema,
      outputSchema: listShape,
      annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
    },
    (raw) =>
      guarded(ctx.log, async () => {
        const args = input.parse(raw);
        const { jobs, more } = await ctx.engine().page({ cwd: args.cwd, status: args.status, limit: args.limit ?? listDefault });
        const now = Date.now();
        const lines = jobs.map((job) => listLine(job, now));
        return structured(
          { jobs: lines, ...(more ? { more } : {}) },
          `${lines.length} job${lines.length === 1 ? "" : "s"}${more ? `, ${more} more` : ""}`,
        );
      }),
  );
}
