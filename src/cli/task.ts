// The task of start and continue: from --task or --task-file, exactly one of them.
import { readFile } from "node:fs/promises";
import { UserError } from "../errors.js";

export async function taskOf(flags: { task?: string; "task-file"?: string }): Promise<string> {
  if (flags.task !== undefined && flags["task-file"] !== undefined)
    throw new UserError("invalid_input", "give --task or --task-file, not both");
  const task = flags["task-file"] !== undefined ? await readTaskFile(flags["task-file"]) : flags.task;
  if (task === undefined) throw new UserError("invalid_input", "say what to do with --task TEXT or --task-file F");
  return task;
}

async function readTaskFile(path: string): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch {
    throw new UserError("not_found", `cannot read the task file "${path}" (--task-file)`, { path });
  }
}
