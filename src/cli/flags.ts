// Flags shared by several commands, so each reads the same in every help text.
import type { FlagSpec } from "./command.js";

export const taskFlags = {
  task: { type: "string", value: "TEXT", about: "what the worker should do" },
  "task-file": { type: "string", value: "F", about: "read the task from file F instead" },
} as const satisfies Record<string, FlagSpec>;

export const tierFlag = {
  type: "string",
  value: "fast|think|auto",
  about: "the worker's model tier; auto picks by the task and may escalate once",
  default: "auto",
} as const satisfies FlagSpec;

export const waitFlag = { type: "boolean", about: "follow the job to its end, a line per change" } as const satisfies FlagSpec;

export const cwdFlag = {
  type: "string",
  value: "DIR",
  about: "the repository (any directory inside it)",
  default: "the current directory",
} as const satisfies FlagSpec;

/** Flags every command takes. */
export const globalFlags = {
  json: { type: "boolean", about: "print the compact JSON view instead of lines" },
  help: { type: "boolean", short: "h", about: "this command's usage, flags and an example" },
} as const satisfies Record<string, FlagSpec>;
