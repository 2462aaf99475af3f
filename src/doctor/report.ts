// The doctor as a whole: is this machine and this environment ready to serve Codex? One line per
// check (✓ or ✗ with the fix), then the config.toml block for this build. Shared by
// `npm run mcp:doctor` and `code-worker doctor`, which differ only in how they tell you to go live.
import { envValue, fail, renderCheck, type Check, type Env } from "./check.js";
import { codexConfigBlock } from "./codex-config.js";
import { liveCheck } from "./live.js";
import { claudeCheck, gitCheck, nodeCheck, sandboxCheck } from "./programs.js";
import { baseUrlCheck, configCheck, keyCheck, messagesUrl, modelChecks, type KeyFinding } from "./settings.js";

export interface DoctorRun {
  env: Env;
  live: boolean;
  /** The MCP server's entry point of this build, for the config.toml block. */
  serverMain: string;
  /** How to run the doctor with --live, for the hint when it ran without. */
  liveCommand: string;
  print(line: string): void;
}

export interface DoctorReport {
  /** 0 when every check passed, 1 otherwise. */
  code: number;
  checks: Check[];
  codexConfig: string;
}

/** Runs every check, printing each as it is known, then the Codex block. */
export async function runDoctor(run: DoctorRun): Promise<DoctorReport> {
  const { env } = run;
  const checks: Check[] = [];
  const report = (check: Check) => {
    checks.push(check);
    run.print(renderCheck(check));
  };
  report(nodeCheck());
  report(await gitCheck(env));
  report(await claudeCheck(env));
  report(await sandboxCheck(env));
  report(configCheck(env));
  const key = await keyCheck(env);
  report(key.check);
  modelChecks(env).forEach(report);
  report(baseUrlCheck(env));
  if (run.live) report(await live(env, key));
  else run.print(`  (add --live to send the provider one tiny request: ${run.liveCommand})`);
  run.print("\nFor Codex, add this to ~/.codex/config.toml:\n");
  const codexConfig = codexConfigBlock(run.serverMain, env).join("\n");
  run.print(codexConfig);
  return { code: checks.every((check) => check.ok) ? 0 : 1, checks, codexConfig };
}

async function live(env: Env, key: KeyFinding): Promise<Check> {
  const target = messagesUrl(env);
  const model = envValue(env, "CODE_WORKER_FAST_MODEL");
  if ("error" in target || !model || !key.key || !key.variable) {
    return fail("live: not tried, it needs a usable key, CODE_WORKER_FAST_MODEL and base URL", "make the ✗ checks above pass first");
  }
  return liveCheck({ url: target.url, model, key: key.key, keyVariable: key.variable });
}
