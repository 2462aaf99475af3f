// The `[mcp_servers.code-worker]` block for Codex's ~/.codex/config.toml, built from this checkout
// and the current environment. Codex passes an MCP server only a few variables of its own (HOME,
// PATH, USER, …), so everything code-worker reads must be in `env`. The key itself never is.
import { envValue, type Env } from "./check.js";

const placeholder = "<set me>";

const requiredVariables = ["CODE_WORKER_API_KEY_FILE", "CODE_WORKER_BASE_URL", "CODE_WORKER_FAST_MODEL", "CODE_WORKER_THINK_MODEL"];

/** Copied into the block only when set here, so the block reproduces what this doctor checked. */
const optionalVariables = [
  "CODE_WORKER_FAST_LABEL",
  "CODE_WORKER_THINK_LABEL",
  "CLAUDE_BIN",
  "CODE_WORKER_HOME",
  "CODE_WORKER_MAX_JOBS",
  "CODE_WORKER_JOB_TIMEOUT_S",
  "CODE_WORKER_STALL_S",
  "CODE_WORKER_SANDBOX",
  "CODE_WORKER_STANDBY_RUNNER",
];

export function codexConfigBlock(serverMain: string, env: Env): string[] {
  const values: [string, string][] = requiredVariables.map((name) => [name, envValue(env, name) ?? placeholder]);
  for (const name of optionalVariables) {
    const value = envValue(env, name);
    if (value !== undefined) values.push([name, value]);
  }
  const keyNote =
    !envValue(env, "CODE_WORKER_API_KEY_FILE") && envValue(env, "CODE_WORKER_API_KEY")
      ? [
          "# CODE_WORKER_API_KEY is set here, but config.toml is plain text: put the key in a file (chmod 600)",
          "# and set CODE_WORKER_API_KEY_FILE to it instead.",
        ]
      : [];
  return [
    ...keyNote,
    "[mcp_servers.code-worker]",
    'command = "node"',
    `args = [${tomlString(serverMain)}]`,
    `env = { ${values.map(([name, value]) => `${name} = ${tomlString(value)}`).join(", ")} }`,
    "startup_timeout_sec = 20",
    // wait_for_job blocks up to 240 s; Codex's default tool timeout is 60 s.
    "tool_timeout_sec = 300",
    ...approvals,
  ];
}

/** The approvals the README shows: what runs unattended, and what always asks (checked against a real Codex). */
const approvals = [
  "# Codex runs get, wait, list and details unasked; codex exec refuses what it would ask about, so approve what should run:",
  ...["code_worker_start_implementation", "code_worker_run_patch", "code_worker_continue_job", "code_worker_cancel_job"].flatMap((tool) => [
    `[mcp_servers.code-worker.tools.${tool}]`,
    'approval_mode = "approve"',
  ]),
  "# apply changes your checkout and discard drops work: asked on every call in the TUI, refused in codex exec.",
  ...["code_worker_apply_job", "code_worker_discard_job"].flatMap((tool) => [
    `[mcp_servers.code-worker.tools.${tool}]`,
    'approval_mode = "prompt"',
  ]),
];

/** A TOML basic string: JSON's escapes (\" \\ \n \uXXXX …) are all valid TOML escapes. */
function tomlString(value: string): string {
  return JSON.stringify(value);
}
