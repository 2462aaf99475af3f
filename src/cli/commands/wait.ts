import { defineCommand } from "../command.js";
import { follow } from "../follow.js";
import { required, seconds } from "../values.js";

export const wait = defineCommand({
  name: "wait",
  usage: "JOB [--timeout S]",
  about: "follow a job, one line per change, until it ends",
  flags: { timeout: { type: "string", value: "S", about: "stop following after S seconds (the job carries on)", default: "3600" } },
  maxArgs: 1,
  example: "code-worker wait orders-import-fix-k7m2",
  async run([id], flags, { engine, out }): Promise<number> {
    return follow(engine(), required(id, "JOB", wait), seconds(flags.timeout, "--timeout") ?? 3600, out);
  },
});
