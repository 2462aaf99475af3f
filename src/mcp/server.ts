// The MCP server factory: tools over an engine, no state of its own, so Codex can restart it freely.
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { createRequire } from "node:module";
import type { Engine } from "../control/engine.js";
import type { UserError } from "../errors.js";
import { toolContext } from "./context.js";
import { registerTools } from "./tools/index.js";

const { version } = createRequire(import.meta.url)("../../../package.json") as { version: string };

export function createServer(engineOrError: Engine | UserError, log: (line: string) => void): McpServer {
  const server = new McpServer(
    { name: "code-worker", version },
    {
      instructions:
        "Hand coding tasks to background Claude Code workers. Start a job, then poll code_worker_get_job sparsely (next_poll_s); trust liveness; review the compact result.",
    },
  );
  registerTools(server, toolContext(engineOrError, log));
  return server;
}
