#!/usr/bin/env node
// `code-worker`: the command line for people and scripts. Same engine and views as the MCP server;
// human lines by default, the compact JSON views with --json. Each command is a module in commands/.
import { readFile } from "node:fs/promises";
import { loadConfig } from "../config.js";
import { Engine } from "../control/engine.js";
import { errorJson, UserError } from "../errors.js";
import { parse } from "./args.js";
import { inCliWords } from "./cli-words.js";
import { colorWanted } from "./color.js";
import { commands } from "./commands/index.js";
import { commandHelp, globalHelp } from "./help.js";
import { Output } from "./output.js";

async function main(argv: string[]): Promise<number> {
  const parsed = parse(argv, commands);
  if (parsed.kind === "help") {
    console.log(parsed.command ? commandHelp(parsed.command) : globalHelp(commands));
    return parsed.command || argv.length ? 0 : 2;
  }
  if (parsed.kind === "version") {
    console.log(await version());
    return 0;
  }
  let engine: Engine | undefined;
  const out = new Output(parsed.flags.json === true, colorWanted(process.env, process.stdout));
  const context = { out, engine: () => (engine ??= new Engine(loadConfig())) };
  return parsed.command.run(parsed.args, parsed.flags, context);
}

async function version(): Promise<string> {
  const manifest = JSON.parse(await readFile(new URL("../../../package.json", import.meta.url), "utf8")) as { version: string };
  return `code-worker ${manifest.version}`;
}

// A reader that stops early (`code-worker list | head -1`) is not an error: end quietly.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code !== "EPIPE") throw error;
  process.exit(0);
});

const argv = process.argv.slice(2);
try {
  process.exitCode = await main(argv);
} catch (error) {
  const known = error instanceof UserError;
  const message = known ? inCliWords(error.message) : `internal error: ${error instanceof Error ? error.message : String(error)}`;
  // --json is looked for in the raw words, so that an error in parsing them comes as JSON too.
  if (argv.includes("--json"))
    console.log(JSON.stringify({ error: known ? errorJson(error.code, message, error.data) : errorJson("internal", message) }));
  else console.error(`code-worker: ${message}`);
  process.exitCode = known ? 2 : 1;
}
