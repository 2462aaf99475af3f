// Everything `npm run demo` and the smoke check need to run a job with no key and no network: a
// throwaway sample repository, the scripted provider on loopback, a throwaway key in a file, and
// the CODE_WORKER_* variables pointing at them.
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { dir, type DirectoryResult } from "tmp-promise";
import { startScriptedProvider, type ScriptedProvider } from "../provider/scripted-provider.js";
import { sandboxProblem } from "../worker/sandbox.js";
import { createSampleRepo, fixSumScript } from "./sample.js";

export interface OfflineSetup {
  workspace: DirectoryResult;
  repoDir: string;
  provider: ScriptedProvider;
  /** The configuration a host would pass. */
  variables: Record<string, string>;
  /** Set when bubblewrap or socat are missing and the sandbox was turned off. */
  sandboxNote?: string;
}

const offlineKey = "offline-key-not-secret";

export async function offlineSetup(prefix: string, paceMs = 0): Promise<OfflineSetup> {
  const workspace = await dir({ prefix, unsafeCleanup: true });
  const repoDir = join(workspace.path, "sample");
  await createSampleRepo(repoDir);
  const keyFile = join(workspace.path, "provider.key");
  await writeFile(keyFile, `${offlineKey}\n`, { mode: 0o600 });
  const provider = await startScriptedProvider({ scripts: { "*": fixSumScript(paceMs) }, apiKey: offlineKey });
  const problem = await sandboxProblem();
  return {
    workspace,
    repoDir,
    provider,
    variables: {
      CODE_WORKER_HOME: join(workspace.path, "home"),
      CODE_WORKER_API_KEY_FILE: keyFile,
      CODE_WORKER_BASE_URL: `${provider.url}/v1`,
      CODE_WORKER_FAST_MODEL: "scripted-fast",
      CODE_WORKER_FAST_LABEL: "scripted",
      CODE_WORKER_THINK_MODEL: "scripted-think",
      CODE_WORKER_SANDBOX: problem ? "off" : (process.env.CODE_WORKER_SANDBOX ?? "on"),
    },
    ...(problem ? { sandboxNote: `note: ${problem}, so this run turns the sandbox off (CODE_WORKER_SANDBOX=off)` } : {}),
  };
}
