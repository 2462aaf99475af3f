// A real MCP client over stdio, spawning the built server as Codex would.
import { join } from "node:path";
import type { TestContext } from "node:test";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";

export const serverMain = join(import.meta.dirname, "..", "src", "mcp", "main.js");

export interface Connection {
  client: Client;
  transport: StdioClientTransport;
  stderr: () => string;
  call(
    name: string,
    args: Record<string, unknown>,
    options?: { signal?: AbortSignal; onprogress?: (p: { progress: number; message?: string }) => void },
  ): Promise<CallToolResult>;
}

export async function connect(t: TestContext, env: NodeJS.ProcessEnv): Promise<Connection> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [serverMain],
    env: env as Record<string, string>,
    stderr: "pipe",
  });
  let stderr = "";
  transport.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
  const client = new Client({ name: "code-worker-tests", version: "1.0.0" });
  await client.connect(transport);
  t.after(() => client.close());
  return {
    client,
    transport,
    stderr: () => stderr,
    call: (name, args, options) =>
      client.callTool({ name, arguments: args }, undefined, { timeout: 300_000, ...options }) as Promise<CallToolResult>,
  };
}

/** The bytes a host's model sees for a result: the JSON of structuredContent. */
export function hostBytes(result: CallToolResult): number {
  return Buffer.byteLength(JSON.stringify(result.structuredContent));
}

export function errorText(result: CallToolResult): string {
  if (!result.isError) throw new Error(`expected an error result, got ${JSON.stringify(result.structuredContent)}`);
  return (result.content[0] as { text: string }).text;
}

/** An error result's structuredContent.error ({code, message, …data}); its message is the text line. */
export function errorOf(result: CallToolResult): Record<string, unknown> {
  const error = (result.structuredContent as { error?: Record<string, unknown> } | undefined)?.error;
  if (!error || error.message !== errorText(result))
    throw new Error(`expected {error: {code, message: the text line}}, got ${JSON.stringify(result.structuredContent)}`);
  return error;
}

export function view(result: CallToolResult): Record<string, any> {
  if (result.isError) throw new Error(`tool failed: ${JSON.stringify(result.content)}`);
  return result.structuredContent as Record<string, any>;
}
