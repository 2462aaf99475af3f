// Turns what a worker may do into Claude Code's command line, settings and environment.
// Pure: it reads nothing and starts nothing. Facts behind each choice: shared/reference/claude-code-headless.md.
import { join } from "node:path";

export interface WorkerSpec {
  bin: string;
  model: string;
  cwd: string;
  /** Per-job home and config dirs live under it. */
  runtimeDir: string;
  /** Per-job temp dir; short, since the sandbox puts its sockets there. */
  tmpDir: string;
  /** Written by the caller; the command line points at it. */
  settingsFile: string;
  baseUrl?: string;
  apiKey: string;
  sandbox: boolean;
  permissionMode?: string;
  allow: string[];
  deny: string[];
  /** Paths sandboxed commands may not write (the host's checkouts, the git dir, credentials). */
  denyWrite: string[];
  denyRead: string[];
  maxTurns: number;
  instructions: string;
}

export interface WorkerCommand {
  file: string;
  args: string[];
  env: Record<string, string>;
  settings: object;
}

export const workerTools = ["Bash", "Read", "Edit", "Write", "Glob", "Grep"];

export function workerCommand(spec: WorkerSpec): WorkerCommand {
  const settings = {
    permissions: { ...(spec.permissionMode ? { defaultMode: spec.permissionMode } : {}), allow: spec.allow, deny: spec.deny },
    sandbox: spec.sandbox
      ? {
          enabled: true,
          failIfUnavailable: true,
          allowUnsandboxedCommands: false,
          filesystem: { denyWrite: spec.denyWrite, denyRead: spec.denyRead },
        }
      : { enabled: false },
  };
  const args = [
    "-p",
    "--output-format", "stream-json",
    "--verbose",
    "--model", spec.model,
    "--tools", workerTools.join(","),
    // The repository's own .claude settings, hooks and MCP servers are not the worker's to run.
    "--setting-sources", "user",
    "--strict-mcp-config",
    "--settings", spec.settingsFile,
    `--max-turns=${spec.maxTurns}`,
    `--append-system-prompt=${spec.instructions}`,
  ];
  return { file: spec.bin, args, env: workerEnv(spec), settings };
}

function workerEnv(spec: WorkerSpec): Record<string, string> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "/usr/local/bin:/usr/bin:/bin",
    HOME: join(spec.runtimeDir, "home"),
    CLAUDE_CONFIG_DIR: join(spec.runtimeDir, "config"),
    TMPDIR: spec.tmpDir,
    LANG: process.env.LANG ?? "C.UTF-8",
    ANTHROPIC_API_KEY: spec.apiKey,
    // Keeps the key out of every command the worker runs (and forces explicit allow rules). It
    // needs bubblewrap, so it comes with the sandbox: without it, commands can see the key.
    CLAUDE_CODE_SUBPROCESS_ENV_SCRUB: spec.sandbox ? "1" : "0",
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
    DISABLE_AUTOUPDATER: "1",
    // Bounded retries: the defaults take minutes to give up on a bad key.
    CLAUDE_CODE_MAX_RETRIES: "2",
    API_TIMEOUT_MS: "120000",
    // Every request goes to the configured model, subagents and small tasks included.
    ANTHROPIC_DEFAULT_HAIKU_MODEL: spec.model,
    ANTHROPIC_DEFAULT_SONNET_MODEL: spec.model,
    ANTHROPIC_DEFAULT_OPUS_MODEL: spec.model,
    ANTHROPIC_SMALL_FAST_MODEL: spec.model,
    CLAUDE_CODE_SUBAGENT_MODEL: spec.model,
  };
  if (spec.baseUrl) env.ANTHROPIC_BASE_URL = providerBase(spec.baseUrl);
  return env;
}

/** Claude Code appends /v1/messages itself; providers document their base with /v1 on the end. */
export function providerBase(url: string): string {
  return url.replace(/\/+$/, "").replace(/\/v1$/, "");
}
