// Configuration comes from the environment only (the MCP host passes it), read once at the entry
// point and handed down as a value. Every error names the variable to change.
import { homedir } from "node:os";
import { isAbsolute, join } from "node:path";
import { UserError } from "./errors.js";

export type Tier = "fast" | "think";

export interface Config {
  /** Index of job ids, slots, worktrees and per-job runtime dirs. */
  home: string;
  /** Where the key comes from; the value itself is read only by a runner. */
  keySource: { kind: "file"; path: string } | { kind: "env"; variable: "CODE_WORKER_API_KEY" } | { kind: "none" };
  /** Provider base URL as configured (a trailing /v1 is allowed; the worker adapter strips it). */
  baseUrl?: string;
  models: Record<Tier, { model?: string; label?: string }>;
  /** Explicit path to the claude binary; otherwise the pinned npm package's platform binary. */
  claudeBin?: string;
  maxJobs: number;
  jobTimeoutS: number;
  stallS: number;
  sandbox: boolean;
  /** Whether a long-lived control plane (the MCP server) keeps one runner started ahead for the next job. */
  standbyRunner: boolean;
}

/** An environment variable is wrong; its name is the error's `variable`. */
export class ConfigError extends UserError {
  override name = "ConfigError";
  constructor(variable: string, message: string) {
    super("configuration", message, { variable });
  }
}

type Env = Record<string, string | undefined>;

export function loadConfig(env: Env = process.env): Config {
  const home = nonEmpty(env, "CODE_WORKER_HOME") ?? join(homedir(), ".code-worker");
  if (!isAbsolute(home)) throw new ConfigError("CODE_WORKER_HOME", `CODE_WORKER_HOME must be an absolute path, got "${home}"`);
  return {
    home,
    keySource: keySource(env),
    baseUrl: baseUrl(env),
    models: {
      fast: { model: nonEmpty(env, "CODE_WORKER_FAST_MODEL"), label: nonEmpty(env, "CODE_WORKER_FAST_LABEL") },
      think: { model: nonEmpty(env, "CODE_WORKER_THINK_MODEL"), label: nonEmpty(env, "CODE_WORKER_THINK_LABEL") },
    },
    claudeBin: absolutePath(env, "CLAUDE_BIN"),
    maxJobs: integer(env, "CODE_WORKER_MAX_JOBS", 2, 1, 64),
    jobTimeoutS: integer(env, "CODE_WORKER_JOB_TIMEOUT_S", 3600, 10, 86_400),
    stallS: integer(env, "CODE_WORKER_STALL_S", 120, 5, 86_400),
    sandbox: onOff(env, "CODE_WORKER_SANDBOX"),
    standbyRunner: onOff(env, "CODE_WORKER_STANDBY_RUNNER"),
  };
}

function nonEmpty(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

function absolutePath(env: Env, name: string): string | undefined {
  const value = nonEmpty(env, name);
  if (value !== undefined && !isAbsolute(value)) {
    throw new ConfigError(name, `${name} must be an absolute path, got "${value}"`);
  }
  return value;
}

function keySource(env: Env): Config["keySource"] {
  const path = absolutePath(env, "CODE_WORKER_API_KEY_FILE");
  if (path && nonEmpty(env, "CODE_WORKER_API_KEY")) {
    throw new ConfigError(
      "CODE_WORKER_API_KEY",
      "CODE_WORKER_API_KEY_FILE and CODE_WORKER_API_KEY are both set; unset CODE_WORKER_API_KEY (the key file is preferred)",
    );
  }
  if (path) return { kind: "file", path };
  if (nonEmpty(env, "CODE_WORKER_API_KEY")) return { kind: "env", variable: "CODE_WORKER_API_KEY" };
  return { kind: "none" };
}

function baseUrl(env: Env): string | undefined {
  const value = nonEmpty(env, "CODE_WORKER_BASE_URL");
  if (value === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError("CODE_WORKER_BASE_URL", `CODE_WORKER_BASE_URL is not a URL: "${value}" (e.g. https://api.example.com/v1)`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new ConfigError("CODE_WORKER_BASE_URL", `CODE_WORKER_BASE_URL must start with http:// or https://, got "${value}"`);
  }
  if (url.username || url.password) {
    throw new ConfigError(
      "CODE_WORKER_BASE_URL",
      "CODE_WORKER_BASE_URL must not carry credentials; put the key in CODE_WORKER_API_KEY_FILE",
    );
  }
  return value;
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = nonEmpty(env, name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(name, `${name} must be a whole number from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}

/** A switch that is on unless set to "off". */
function onOff(env: Env, name: string): boolean {
  const raw = nonEmpty(env, name) ?? "on";
  if (raw === "on") return true;
  if (raw === "off") return false;
  throw new ConfigError(name, `${name} must be "on" or "off", got "${raw}"`);
}
