// `npm run demo`: one whole job, offline. A throwaway repository with a bug, the scripted provider
// on loopback playing a worker's conversation, and the real Claude Code binary doing the work in
// the job's own worktree through the same engine the MCP server uses.
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { dir } from "tmp-promise";
import { loadConfig } from "../src/config.js";
import { createSampleRepo, fixSumScript, sampleTask } from "../src/demo/sample.js";
import { Engine } from "../src/jobs/engine.js";
import { startScriptedProvider } from "../src/provider/scripted-provider.js";
import { compactResult, progressLine } from "../src/views/compact.js";
import { missingSandboxPrograms } from "../src/worker/sandbox.js";

const demoKey = "demo-key-not-secret";
/** A real provider takes seconds per turn; this pace lets each step show up in the progress lines. */
const demoPaceMs = 120;

const workspace = await dir({ prefix: "code-worker-demo-", unsafeCleanup: true });
const repoDir = join(workspace.path, "sample");
await createSampleRepo(repoDir);
const keyFile = join(workspace.path, "provider.key");
await writeFile(keyFile, `${demoKey}\n`, { mode: 0o600 });
const provider = await startScriptedProvider({ scripts: { "*": fixSumScript(demoPaceMs) }, apiKey: demoKey });

const missing = await missingSandboxPrograms();
if (missing.length) console.log(`note: ${missing.join(" and ")} not installed, so this demo runs the worker without its sandbox (CODE_WORKER_SANDBOX=off)`);
const env = {
  ...process.env,
  CODE_WORKER_HOME: join(workspace.path, "home"),
  CODE_WORKER_API_KEY_FILE: keyFile,
  CODE_WORKER_BASE_URL: `${provider.url}/v1`,
  CODE_WORKER_FAST_MODEL: "scripted-fast",
  CODE_WORKER_FAST_LABEL: "scripted",
  CODE_WORKER_THINK_MODEL: "scripted-think",
  CODE_WORKER_SANDBOX: missing.length ? "off" : (process.env.CODE_WORKER_SANDBOX ?? "on"),
};
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
  console.log(`(the demo leaves ${workspace.path} behind for you to look at; delete it when done)`);
  process.exitCode = job.status === "done" ? 0 : 1;
} finally {
  await provider.close();
}
