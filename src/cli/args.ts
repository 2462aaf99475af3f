// The command line as typed, checked against the command's own flags and argument count: a flag
// or an argument the command does not take is refused with one line and the command's usage,
// never ignored, and never in Node's parser's words.
import { parseArgs, type ParseArgsConfig } from "node:util";
import { UserError } from "../errors.js";
import type { Command, FlagSpecs, FlagValues } from "./command.js";
import { globalFlags } from "./flags.js";
import { usageOf } from "./help.js";

export type Parsed =
  | { kind: "help"; command?: Command }
  | { kind: "version" }
  | { kind: "run"; command: Command; args: string[]; flags: FlagValues<FlagSpecs> };

type Token = NonNullable<ReturnType<typeof parseArgs>["tokens"]>[number];

export function parse(argv: string[], commands: readonly Command[]): Parsed {
  const all = commands.reduce<FlagSpecs>((flags, command) => ({ ...flags, ...command.flags }), globalFlags);
  const { positionals, tokens } = parseArgs({ args: argv, options: optionsOf(all), allowPositionals: true, strict: false, tokens: true });
  const asHelp = positionals[0] === "help";
  const words = asHelp ? positionals.slice(1) : positionals;
  const name = words[0] === "policy" && words[1] !== undefined ? `policy ${words[1]}` : words[0];
  const command = commands.find((candidate) => candidate.name === name);
  // --help answers whatever else was typed.
  if (asHelp || tokens.some((token) => token.kind === "option" && token.name === "help")) return { kind: "help", command };
  if (name === undefined) {
    if (tokens.some((token) => token.kind === "option" && token.name === "version")) return { kind: "version" };
    const unknown = tokens.find((token) => token.kind === "option" && !Object.hasOwn(globalFlags, token.name));
    if (unknown?.kind === "option") throw new UserError("invalid_input", `unknown option ${unknown.rawName} (see code-worker --help)`);
    return { kind: "help" };
  }
  if (!command) throw new UserError("invalid_input", unknownCommand(words[0]!, commands));
  const where = `for ${name} (${usageOf(command)})`;
  const flags = { ...globalFlags, ...command.flags };
  for (const token of tokens) checkFlag(token, flags, command);
  const args = positionals.slice(name.split(" ").length);
  const extra = args.slice(command.maxArgs);
  if (extra.length)
    throw new UserError(
      "invalid_input",
      `unexpected argument${extra.length > 1 ? "s" : ""} ${extra.map((arg) => JSON.stringify(arg)).join(", ")} ${where}`,
    );
  try {
    const { values } = parseArgs({ args: argv, options: optionsOf(flags), allowPositionals: true, strict: true });
    return { kind: "run", command, args, flags: values as FlagValues<FlagSpecs> };
  } catch (error) {
    // Only a case checkFlag missed; still one line.
    throw new UserError("invalid_input", `${(error as Error).message.split("\n")[0]} ${where}`);
  }
}

function optionsOf(flags: FlagSpecs): NonNullable<ParseArgsConfig["options"]> {
  return Object.fromEntries(
    Object.entries(flags).map(([name, { type, short }]) => [name, short === undefined ? { type } : { type, short }]),
  );
}

function unknownCommand(word: string, commands: readonly Command[]): string {
  if (word !== "policy") return `unknown command "${word}" (see code-worker --help)`;
  const subcommands = commands.filter((command) => command.name.startsWith("policy ")).map((command) => command.name.slice(7));
  return `policy needs ${subcommands.slice(0, -1).join(", ")} or ${subcommands.at(-1)} (see code-worker --help)`;
}

/** Refuses what Node's strict parser would, in our words: an unknown flag, a missing or stray value. */
function checkFlag(token: Token, flags: FlagSpecs, command: Command): void {
  if (token.kind !== "option") return;
  const where = `for ${command.name} (${usageOf(command)})`;
  const spec = Object.hasOwn(flags, token.name) ? flags[token.name] : undefined;
  if (!spec) throw new UserError("invalid_input", `unknown option ${token.rawName} ${where}`);
  if (spec.type === "boolean" && token.inlineValue) throw new UserError("invalid_input", `${token.rawName} takes no value ${where}`);
  if (spec.type === "string" && token.value === undefined) throw new UserError("invalid_input", `${token.rawName} needs a value ${where}`);
  if (spec.type === "string" && !token.inlineValue && token.value?.startsWith("-")) {
    throw new UserError(
      "invalid_input",
      `${token.rawName} needs a value for ${command.name}; for one starting with "-", write ${token.rawName}=VALUE (${usageOf(command)})`,
    );
  }
}
