// What every tool needs: the engine (or why there is none) and a stderr logger.
import type { Engine } from "../control/engine.js";
import { UserError } from "../errors.js";

export interface ToolContext {
  /** Throws the configuration error, naming the variable, when the server started without a valid config. */
  engine(): Engine;
  log(line: string): void;
}

export function toolContext(engineOrError: Engine | UserError, log: (line: string) => void): ToolContext {
  return {
    engine: () => {
      if (engineOrError instanceof UserError) throw engineOrError;
      return engineOrError;
    },
    log,
  };
}
