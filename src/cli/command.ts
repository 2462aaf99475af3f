// What a command is: its usage, flags (with their help text), how many arguments it takes, one
// example, and the function that runs it. --help, usage errors and the parser all read this.
import type { Engine } from "../control/engine.js";
import type { Output } from "./output.js";

export interface FlagSpec {
  type: "string" | "boolean";
  short?: string;
  /** The value's placeholder in help, e.g. TEXT or DAYS. */
  value?: string;
  about: string;
  /** The value used when the flag is not given, as help shows it. */
  default?: string;
}

export type FlagSpecs = Readonly<Record<string, FlagSpec>>;

/** The parsed flags of a command: strings for value flags, booleans for switches. */
export type FlagValues<F extends FlagSpecs> = {
  [K in keyof F]?: F[K]["type"] extends "boolean" ? boolean : F[K]["type"] extends "string" ? string : string | boolean;
};

export interface Context {
  out: Output;
  /** The engine, built on first use: commands that need no configuration never load it. */
  engine(): Engine;
}

export interface Command<F extends FlagSpecs = FlagSpecs> {
  /** One word, or two for a group ("policy check"). */
  name: string;
  /** Arguments and flags as typed; a line break here is kept in help, joined in errors. */
  usage: string;
  about: string;
  flags: F;
  maxArgs: number;
  example: string;
  run(args: string[], flags: FlagValues<F>, context: Context): Promise<number>;
}

/** Keeps a command's flag names and value types tied to its run function. */
export function defineCommand<F extends FlagSpecs>(command: Command<F>): Command<F> {
  return command;
}
