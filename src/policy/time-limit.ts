// A wall-clock limit for synchronous work. Code run from a vm script is interrupted by V8 when the
// timeout passes, a catastrophically backtracking regular expression included, so a custom secrets
// pattern or a pathological glob cannot hang evaluation.
import { createContext, Script } from "node:vm";

export class TimeLimitError extends Error {
  override name = "TimeLimitError";
}

/** One vm context reused for every call, since creating one costs about a millisecond. */
export function timeLimiter(): <T>(ms: number, work: () => T) => T {
  const context = createContext({ work: undefined as unknown });
  const script = new Script("work()");
  return <T>(ms: number, work: () => T): T => {
    context.work = work;
    try {
      return script.runInContext(context, { timeout: ms }) as T;
    } catch (error) {
      if ((error as { code?: string }).code === "ERR_SCRIPT_EXECUTION_TIMEOUT") throw new TimeLimitError(`took over ${ms} ms`);
      throw error;
    } finally {
      context.work = undefined;
    }
  };
}
