import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { ToolContext } from "../context.js";
import { registerApplyTool } from "./apply-job.js";
import { registerCancelTool } from "./cancel-job.js";
import { registerContinueTool } from "./continue-job.js";
import { registerDetailsTool } from "./get-details.js";
import { registerDiscardTool } from "./discard-job.js";
import { registerGetJobTool } from "./get-job.js";
import { registerListTool } from "./list-jobs.js";
import { registerRunPatchTool } from "./run-patch.js";
import { registerStartTool } from "./start-implementation.js";
import { registerWaitTool } from "./wait-for-job.js";

export function registerTools(server: McpServer, ctx: ToolContext): void {
  registerStartTool(server, ctx);
  registerGetJobTool(server, ctx);
  registerWaitTool(server, ctx);
  registerCancelTool(server, ctx);
  registerListTool(server, ctx);
  registerDetailsTool(server, ctx);
  registerRunPatchTool(server, ctx);
  registerContinueTool(server, ctx);
  registerApplyTool(server, ctx);
  registerDiscardTool(server, ctx);
}
