// Which model a job runs on. `auto` is decided here by a short rule the README documents; models
// themselves are never guessed: a tier with no model configured fails with the variable's name.
import type { Config, Tier } from "../config.js";
import { UserError } from "../errors.js";
import type { JobRecord } from "../store/record.js";

const modelVariable: Record<Tier, string> = { fast: "CODE_WORKER_FAST_MODEL", think: "CODE_WORKER_THINK_MODEL" };

/** Long tasks, and tasks that name work needing judgement, go to the think tier. */
const thinkWords =
  /\b(refactor|redesign|architect|investigat|debug|root[- ]cause|migrat|concurren|race condition|deadlock|performance|security|vulnerab)/i;
export const autoThinkChars = 1200;

export function autoTier(task: string): Tier {
  return task.length > autoThinkChars || thinkWords.test(task) ? "think" : "fast";
}

export function chooseTier(requested: Tier | "auto", task: string, config: Config): JobRecord["tier"] {
  const chosen = requested === "auto" ? autoTier(task) : requested;
  const { model, label } = config.models[chosen];
  if (!model) {
    const how = requested === "auto" ? ` (auto chose it for this task)` : "";
    throw new UserError(
      "configuration",
      `execution_tier "${chosen}" needs a model${how}: set ${modelVariable[chosen]} or ask for the other tier`,
      { variable: modelVariable[chosen] },
    );
  }
  return { chosen, requested, model, label: label ?? model };
}
