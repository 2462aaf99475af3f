// `npm run mcp:doctor [-- --live]`: is this machine and this environment ready to serve Codex?
// One line per check (✓ or ✗ with the fix), then the config.toml block for this checkout.
// Exit 0 when every check passed, 1 otherwise, 2 on an unknown argument.
import { fileURLToPath } from "node:url";
import { envValue, fail, renderCheck, type Check, type Env } from "../src/doctor/check.js";
import { codexConfigBlock } from "../src/doctor/codex-config.js";
import { liveCheck } from "../src/doctor/live.js";
import { claudeCheck, gitCheck, nodeCheck, sandboxCheck } from "../src/doctor/programs.js";
import { baseUrlCheck, configCheck, keyCheck, messagesUrl, modelChecks, type KeyFinding } from "../src/doctor/settings.js";

const args = process.argv.slice(2);
const unknown = args.filter((arg) => arg !== "--live");
if (unknown.length) {
  console.error(`unknown argument ${unknown[0]}; usage: npm run mcp:doctor [-- --live]`);
  process.exit(2);
}

const env: Env = process.env;
// The server of this very build tree: dist/ from npm, or whichever out dir this script was built into.
// Not import.meta.dirname: that needs Node 20.11, and this script must run to say Node is too old.
const serverMain = fileURLToPath(new URL("../src/mcp/main.js", import.meta.url));

const checks: Check[] = [];
const report = (check: Check) => {
  checks.push(check);
  console.log(renderCheck(check));
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
if (args.includes("--live")) report(await live(key));
else console.log("  (add --live to send the provider one tiny request: npm run mcp:doctor -- --live)");

console.log("\nFor Codex, add this to ~/.codex/config.toml:\n");
console.log(codexConfigBlock(serverMain, env).join("\n"));

process.exitCode = checks.every((check) => check.ok) ? 0 : 1;

async function live(key: KeyFinding): Promise<Check> {
  const target = messagesUrl(env);
  const model = envValue(env, "CODE_WORKER_FAST_MODEL");
  if ("error" in target || !model || !key.key || !key.variable) {
    return fail("live: not tried, it needs a usable key, CODE_WORKER_FAST_MODEL and base URL", "make the ✗ checks above pass first");
  }
  return liveCheck({ url: target.url, model, key: key.key, keyVariable: key.variable });
}
