// `npm run demo`: one whole job, offline. A throwaway repository with a bug, the scripted provider
// on loopback playing a worker's conversation, and the real Claude Code binary doing the work in
// the job's own worktree through the same engine the MCP server uses.
import { fileURLToPath } from "node:url";
import { loadConfig } from "../src/config.js";
import { offlineSetup } from "../src/demo/offline.js";
import { sampleTask } from "../src/demo/sample.js";
import { Engine } from "../src/control/engine.js";
import { compactResult, progressLine } from "../src/views/compact.js";

/** A real provider takes seconds per turn; this pace lets each step show up in the progress lines. */
const demoPaceMs = 120;

const { workspace, repoDir, provider, variables, sandboxNote } = await offlineSetup("code-worker-demo-", demoPaceMs);
if (sandboxNote) console.log(sandboxNote);
const env = { ...process.env, ...variables };
const engine = new Engine(loadConfig(env), env);

try {
  console.log(`repository: ${repoDir}`);
  console.log(`task: ${sampleTask}`);
  const started = await engine.start({ cwd: repoDir, task: sampleTask, taskLabel: "fix-sum", tier: "fast" });
  console.log(`job ${started.id} on branch ${started.branch}`);
  const job = await engine.wait(started.id, 300, (record) => console.log(`  ${progressLine(record, Date.now())}`));
  console.log("\ncompact result (what the host sees):");
  console.log(JSON.stringify(compactResult(job, Date.now()), null, 1));
  console.log(`\nlook at it with git:\n  cd ${repoDir}\n  git log --stat main..${job.branch}\n  git diff main...${job.branch}`);
  const cli = fileURLToPath(new URL("../src/cli/main.js", import.meta.url));
  console.log(
    `or review and apply it with the CLI (\`npm link\` in this clone puts code-worker on your PATH for good):\n  alias code-worker='node ${cli}'\n  export CODE_WORKER_HOME=${variables.CODE_WORKER_HOME}\n  code-worker review ${job.id}\n  code-worker apply ${job.id}`,
  );
  console.log(`(the demo leaves ${workspace.path} behind for you to look at; delete it when done)`);
  process.exitCode = job.status === "done" ? 0 : 1;
} finally {
  await provider.close();
}
