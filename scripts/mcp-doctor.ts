// `npm run mcp:doctor [-- --live]`: is this machine and this environment ready to serve Codex?
// One line per check (✓ or ✗ with the fix), then the config.toml block for this checkout.
// Exit 0 when every check passed, 1 otherwise, 2 on an unknown argument.
import { fileURLToPath } from "node:url";
import { runDoctor } from "../src/doctor/report.js";

const args = process.argv.slice(2);
const unknown = args.filter((arg) => arg !== "--live");
if (unknown.length) {
  console.error(`unknown argument ${unknown[0]}; usage: npm run mcp:doctor [-- --live]`);
  process.exit(2);
}

const report = await runDoctor({
  env: process.env,
  live: args.includes("--live"),
  // The server of this very build tree: dist/ from npm, or whichever out dir this script was built into.
  // Not import.meta.dirname: that needs Node 20.11, and this script must run to say Node is too old.
  serverMain: fileURLToPath(new URL("../src/mcp/main.js", import.meta.url)),
  liveCommand: "npm run mcp:doctor -- --live",
  print: (line) => console.log(line),
});
process.exitCode = report.code;
