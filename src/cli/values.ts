// Flag and argument values turned into what the engine takes, refused in the flag's own name.
import type { Tier } from "../config.js";
import { UserError } from "../errors.js";
import { activeStates, terminalStates, type JobState } from "../store/record.js";
import type { Command } from "./command.js";
import { usageOf } from "./help.js";

export function required(value: string | undefined, name: string, command: Command): string {
  if (!value) throw new UserError("invalid_input", `missing ${name} (${usageOf(command)})`);
  return value;
}

export function tier(value: string | undefined): Tier | "auto" | undefined {
  if (value === undefined || value === "fast" || value === "think" || value === "auto") return value;
  throw new UserError("invalid_input", `--tier must be fast, think or auto, got "${value}"`);
}

export function state(value: string | undefined): JobState | undefined {
  const states: readonly string[] = [...activeStates, ...terminalStates];
  if (value === undefined || states.includes(value)) return value as JobState | undefined;
  throw new UserError("invalid_input", `--status must be one of ${states.join(", ")}, got "${value}"`);
}

export function seconds(value: string | undefined, flag: string): number | undefined {
  return value === undefined ? undefined : count(value, flag);
}

export function count(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UserError("invalid_input", `${flag} must be a whole number above 0, got "${value}"`);
  return n;
}
