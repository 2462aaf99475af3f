// The local backend against the runner contract every backend must pass.
import { localBackend } from "../src/control/local-runner.js";
import { runnerContract } from "./contract/runner-contract.js";

runnerContract("local runner", {
  backend: localBackend,
  kill: (claim) => process.kill(claim.pid, "SIGKILL"),
});
