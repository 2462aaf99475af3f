import { fileURLToPath } from "node:url";
import { runDoctor } from "../../doctor/report.js";
import { defineCommand } from "../command.js";

export const doctor = defineCommand({
  name: "doctor",
  usage: "[--live]",
  about: "is this machine ready? each check with its fix, then the Codex\nconfig.toml block (same as npm run mcp:doctor)",
  flags: { live: { type: "boolean", about: "also send the provider one tiny request with the key" } },
  maxArgs: 0,
  example: "code-worker doctor --live",
  async run(_args, flags, { out }) {
    const report = await runDoctor({
      env: process.env,
      live: flags.live === true,
      serverMain: fileURLToPath(new URL("../../mcp/main.js", import.meta.url)),
      liveCommand: "code-worker doctor --live",
      print: (line) => out.line(line),
    });
    if (out.json) out.print({ ok: report.code === 0, checks: report.checks, codex_config: report.codexConfig });
    return report.code;
  },
});
