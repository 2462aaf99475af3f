// Turns what a worker may do into Claude Code's command line, settings and environment, and, with
// the sandbox on, wraps the whole process in the OS confinement. Pure: it reads nothing and starts
// nothing. Facts behind each choice: shared/reference/claude-code-headless.md.
import { confinedArgv, relayPortInside, relaySocketInside, type Confinement } from "../os/confine.js";
import { reportJsonSchema } from "./report.js";

export interface WorkerSpec {
  bin: string;
  model: string;
  cwd: string;
  /** The worker's own HOME and Claude Code config dir: fresh for the job, writable by it alone. */
  home: string;
  configDir: string;
  /** TMPDIR when unconfined; confined, the worker's private dir is bound at /tmp. */
  tmpDir: string;
  /** The per-job token the relay accepts in place of the key. */
  token: string;
  /** Where the worker reaches the relay: a unix socket to bind into the sandbox, or a loopback URL without it. */
  relay: { socket: string } | { url: string };
  /** The OS confinement of the whole process; undefined runs it unconfined (CODE_WORKER_SANDBOX=off). */
  confinement?: Confinement;
  permissionMode?: string;
  allow: string[];
  deny: string[];
  maxTurns: number;
  instructions: string;
  /** The session of an earlier round to resume (same worktree and config dir), so the worker keeps what it learned. */
  resume?: string;
}

export interface WorkerCommand {
  file: string;
  args: string[];
  env: Record<string, string>;
  /** The Claude Code binary, which a cancel interrupts (confined, it runs below the sandbox's own processes). */
  program: string;
}

export const workerTools = ["Bash", "Read", "Edit", "Write", "Glob", "Grep"];

export function workerCommand(spec: WorkerSpec): WorkerCommand {
  // Claude Code's own Bash sandbox stays off: the OS confinement holds the whole process, its file
  // tools included, and a bubblewrap nested in another cannot mount what it would need to.
  const settings = {
    permissions: { ...(spec.permissionMode ? { defaultMode: spec.permissionMode } : {}), allow: spec.allow, deny: spec.deny },
    sandbox: { enabled: false },
  };
  const claude = [
    spec.bin,
    "-p",
    "--output-format",
    "stream-json",
    "--verbose",
    "--model",
    spec.model,
    "--tools",
    workerTools.join(","),
    // No settings file is read (not the repository's, nor those the worker could write in its own
    // config dir for a later round), the file tools stay in the worktree, no MCP server starts.
    "--restricted",
    "--strict-mcp-config",
    "--settings",
    JSON.stringify(settings),
    `--max-turns=${spec.maxTurns}`,
    `--append-system-prompt=${spec.instructions}`,
    // The worker ends with a StructuredOutput call, a report the runner holds against the facts.
    "--json-schema",
    reportJsonSchema(),
    ...(spec.resume ? ["--resume", spec.resume] : []),
  ];
  const env = workerEnv(spec);
  if (!spec.confinement || !("socket" in spec.relay)) {
    const [file, ...args] = claude;
    return { file: file!, args, env, program: spec.bin };
  }
  const confinement = {
    ...spec.confinement,
    files: [...(spec.confinement.files ?? []), { source: spec.relay.socket, dest: relaySocketInside }],
  };
  const [file, ...args] = confinedArgv(
    confinement,
    ["/bin/sh", "-c", forwarder, "forwarder", String(relayPortInside), relaySocketInside, ...claude],
    env.PATH,
  );
  return { file: file!, args, env, program: spec.bin };
}

/**
 * Inside the sandbox there is no network but loopback: socat carries the worker's loopback port to
 * the relay's socket, and Claude Code starts once the port listens (0A is LISTEN in /proc/net/tcp).
 */
const forwarder = [
  'socat "TCP-LISTEN:$1,bind=127.0.0.1,reuseaddr,fork" "UNIX-CONNECT:$2" &',
  'port=$(printf "%04X" "$1"); i=0',
  'while ! grep -q ":$port 00000000:0000 0A" /proc/net/tcp && [ $i -lt 1000 ]; do i=$((i+1)); sleep 0.005; done',
  'shift 2; exec "$@"',
].join("\n");

function workerEnv(spec: WorkerSpec): Record<string, string> {
  return {
    PATH: process.env.PATH ?? "/usr/local/bin:/usr/bin:/bin",
    HOME: spec.home,
    CLAUDE_CONFIG_DIR: spec.configDir,
    TMPDIR: spec.confinement ? "/tmp" : spec.tmpDir,
    LANG: process.env.LANG ?? "C.UTF-8",
    ANTHROPIC_API_KEY: spec.token,
    ANTHROPIC_BASE_URL: "socket" in spec.relay ? `http://127.0.0.1:${relayPortInside}` : spec.relay.url,
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
}

/** Claude Code appends /v1/messages itself; providers document their base with /v1 on the end. */
export function providerBase(url: string): string {
  return url.replace(/\/+$/, "").replace(/\/v1$/, "");
}
