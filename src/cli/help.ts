// Help texts: the whole CLI's (`code-worker --help`) and one command's (`code-worker start --help`),
// both built from the command table, so a flag cannot be missing from its command's help.
import type { Command, FlagSpec } from "./command.js";
import { globalFlags } from "./flags.js";

const column = 48;

/** The usage that every error about a command's arguments ends with, on one line. */
export function usageOf(command: Command): string {
  return `usage: code-worker ${command.name} ${command.usage}`.replace(/\s+/g, " ").trimEnd();
}

export function globalHelp(commands: readonly Command[]): string {
  return [
    "usage: code-worker <command> [options]",
    "",
    ...commands.map(helpEntry),
    "",
    "  --json   print the compact JSON view instead of lines",
    "  code-worker help COMMAND (or COMMAND --help): that command's flags, defaults and an example",
    "",
    "configuration comes from the environment: see the README (CODE_WORKER_* variables)",
  ].join("\n");
}

/** A command's lines in the global help: its usage, then what it does from column 48. */
function helpEntry(command: Command): string {
  const lines = `${command.name} ${command.usage}`
    .trimEnd()
    .split("\n")
    .map((line) => `  ${line}`);
  const [first, ...rest] = command.about.split("\n");
  const last = lines.pop()!;
  const indent = " ".repeat(column);
  if (last.length < column) lines.push(`${last.padEnd(column)}${first}`);
  else lines.push(last, `${indent}${first}`);
  return [...lines, ...rest.map((line) => `${indent}${line}`)].join("\n");
}

export function commandHelp(command: Command): string {
  const flags = Object.entries({ ...command.flags, ...globalFlags }).map(([name, spec]) => flagLine(name, spec));
  return [
    `usage: code-worker ${command.name} ${command.usage}`.trimEnd(),
    "",
    command.about.replace(/\n/g, " "),
    "",
    "flags:",
    ...flags,
    "",
    "example:",
    `  ${command.example}`,
  ].join("\n");
}

function flagLine(name: string, spec: FlagSpec): string {
  const short = spec.short ? `-${spec.short}, ` : "";
  const left = `  ${short}--${name}${spec.value ? ` ${spec.value}` : ""}`;
  const about = spec.default ? `${spec.about} (default: ${spec.default})` : spec.about;
  return left.length < 26 ? `${left.padEnd(26)}${about}` : `${left}\n${" ".repeat(26)}${about}`;
}
