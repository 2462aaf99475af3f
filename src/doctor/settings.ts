// What the environment configures: that it loads, where the key comes from, the models, the provider URL.
// The key is read here (--live needs it) but never appears in a check's line or fix.
import { constants } from "node:fs";
import { access, readFile, stat } from "node:fs/promises";
import { isAbsolute } from "node:path";
import { ConfigError, loadConfig } from "../config.js";
import { providerBase } from "../worker/command.js";
import { envValue, fail, pass, type Check, type Env } from "./check.js";

export type KeyVariable = "CODE_WORKER_API_KEY_FILE" | "CODE_WORKER_API_KEY";

export interface KeyFinding {
  check: Check;
  /** Where the key came from, or would have: a rejected key's fix names it. */
  variable?: KeyVariable;
  key?: string;
}

/** Claude Code's own default when no base URL is configured. */
const anthropicBase = "https://api.anthropic.com";

export function configCheck(env: Env): Check {
  try {
    const config = loadConfig(env);
    return pass(`configuration loads (state in ${config.home}, ${config.maxJobs} jobs at once)`);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return fail("configuration does not load", error.message);
  }
}

export async function keyCheck(env: Env): Promise<KeyFinding> {
  const path = envValue(env, "CODE_WORKER_API_KEY_FILE");
  if (path) return keyFileCheck(path);
  const key = envValue(env, "CODE_WORKER_API_KEY");
  if (key) {
    return {
      check: pass(
        "key from CODE_WORKER_API_KEY (a key file is preferred: CODE_WORKER_API_KEY_FILE keeps the key out of the MCP host's config)",
      ),
      variable: "CODE_WORKER_API_KEY",
      key,
    };
  }
  return {
    check: fail(
      "no provider key: CODE_WORKER_API_KEY_FILE is not set",
      "put the key in a file, chmod 600 it, and set CODE_WORKER_API_KEY_FILE to the file's absolute path",
    ),
  };
}

export async function keyFileCheck(path: string): Promise<KeyFinding> {
  const variable = "CODE_WORKER_API_KEY_FILE";
  const failed = (line: string, fix: string): KeyFinding => ({ check: fail(line, fix), variable });
  if (!isAbsolute(path)) return failed(`${variable} is not an absolute path: "${path}"`, `set ${variable} to the key file's absolute path`);
  const info = await stat(path).catch((error: NodeJS.ErrnoException) => error);
  if (info instanceof Error) {
    if (info.code === "ENOENT")
      return failed(`key file ${path} does not exist`, `put the key in ${path} (the key alone), then chmod 600 ${path}`);
    return failed(
      `key file ${path} cannot be looked at: ${info.code ?? info.message}`,
      `make ${path} and its directories accessible to you`,
    );
  }
  if (!info.isFile()) return failed(`key file ${path} is not a regular file`, `set ${variable} to a file that holds the key`);
  if (
    !(await access(path, constants.R_OK).then(
      () => true,
      () => false,
    ))
  ) {
    return failed(`key file ${path} is not readable by you`, `chmod 600 ${path} (as its owner)`);
  }
  const key = (await readFile(path, "utf8")).trim();
  if (!key) return failed(`key file ${path} is empty`, `put the key in ${path} (the key alone, on one line)`);
  // Windows has no such mode bits; there the file's ACL is the user's business.
  if (process.platform !== "win32" && info.mode & 0o077) {
    const mode = (info.mode & 0o777).toString(8);
    return failed(`key file ${path} is open to group or others (mode ${mode})`, `chmod 600 ${path}`);
  }
  return { check: pass(`key file ${path} (readable by you alone)`), variable, key };
}

export function modelChecks(env: Env): Check[] {
  return (["fast", "think"] as const).map((tier) => {
    const variable = `CODE_WORKER_${tier.toUpperCase()}_MODEL`;
    const model = envValue(env, variable);
    const label = envValue(env, `CODE_WORKER_${tier.toUpperCase()}_LABEL`);
    if (!model)
      return fail(`${tier} model not set (${variable})`, `set ${variable} to the provider's name of the model for the ${tier} tier`);
    return pass(`${tier} model ${model}${label ? `, shown as "${label}"` : ""}`);
  });
}

/** The Messages API URL the worker will call, or the configuration error that names the base URL. */
export function messagesUrl(env: Env): { url: string } | { error: string } {
  try {
    // Only the base URL's own variable, so that this line speaks of it alone.
    const { baseUrl } = loadConfig({ CODE_WORKER_BASE_URL: env.CODE_WORKER_BASE_URL });
    return { url: `${providerBase(baseUrl ?? anthropicBase)}/v1/messages` };
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return { error: error.message };
  }
}

export function baseUrlCheck(env: Env): Check {
  const target = messagesUrl(env);
  if ("error" in target) return fail("base URL is not usable", target.error);
  const base = envValue(env, "CODE_WORKER_BASE_URL");
  if (!base) return pass(`base URL not set: the worker calls ${target.url} (Claude Code's default)`);
  return pass(`base URL ${base}: the worker calls ${target.url}`);
}
