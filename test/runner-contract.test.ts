// The local backend against the runner contract every backend must pass, with runners started
// for their job and with a runner started ahead (the MCP server's).
import { localBackend } from "../src/control/local-runner.js";
import { runnerContract } from "./contract/runner-contract.js";

runnerContract("local runner", {
  backend: localBackend,
  kill: (claim) => process.kill(claim.pid, "SIGKILL"),
});

runnerContract("local runner started ahead", {
  backend: (env) => localBackend(env, { standby: true }),
  kill: (claim) => process.kill(claim.pid, "SIGKILL"),
});
