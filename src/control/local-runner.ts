// Starts the detached runner for a job: its own process group, stdio to runner.log, unref'd so it
// outlives the server (or CLI) that started it.
import { spawn } from "node:child_process";
import { closeSync, openSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { JobStore } from "../store/store.js";

const runnerMain = fileURLToPath(new URL("../runner/main.js", import.meta.url));

export function launchRunner(store: JobStore, id: string, env: NodeJS.ProcessEnv): number | undefined {
  const log = openSync(store.file(id, "runner.log"), "a", 0o600);
  try {
    const child = spawn(process.execPath, [runnerMain, store.root, id], {
      detached: true,
      stdio: ["ignore", log, log],
      env,
    });
    child.on("error", () => undefined); // a failed spawn shows up as a runner that never claimed the job
    child.unref();
    return child.pid;
  } finally {
    closeSync(log);
  }
}
