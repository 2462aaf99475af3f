#!/usr/bin/env node
// `code-worker-mcp`: the stdio MCP server. stdout carries only the protocol; logs go to stderr.
// Configuration comes from the environment; an invalid one still starts the server, and every
// tool answers with the one line that names the variable to fix.
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { loadConfig } from "../config.js";
import { UserError } from "../errors.js";
import { Engine } from "../control/engine.js";
import { localBackend } from "../control/local-runner.js";
import { createServer } from "./server.js";

const log = (line: string) => process.stderr.write(`code-worker-mcp: ${line}\n`);

function engineOrError(): Engine | UserError {
  try {
    const config = loadConfig();
    return new Engine(config, process.env, localBackend(process.env, { standby: config.standbyRunner }));
  } catch (error) {
    if (!(error instanceof UserError)) throw error;
    log(`configuration error: ${error.message}`);
    return error;
  }
}

// A fault in one call must not take the server (and every host session using it) down.
process.on("unhandledRejection", (reason) => log(`unhandled rejection: ${String(reason)}`));
process.on("uncaughtException", (error) => log(`uncaught exception: ${error.stack ?? error.message}`));

const server = createServer(engineOrError(), log);
await server.connect(new StdioServerTransport());
log("ready on stdio");
