// `--live`: one minimal Messages API request, the way the worker authenticates, to prove the key,
// the base URL and the fast model together before a job depends on them.
import { oneLine } from "../text.js";
import { fail, pass, type Check } from "./check.js";
import type { KeyVariable } from "./settings.js";

export interface LiveTarget {
  url: string;
  model: string;
  key: string;
  keyVariable: KeyVariable;
}

export const liveTimeoutMs = 20_000;

export async function liveCheck(target: LiveTarget, timeoutMs = liveTimeoutMs): Promise<Check> {
  // Strict, unlike the runner's redactor: a provider that echoes even a short key must not get it printed.
  const redact = (text: string) => text.split(target.key).join("[redacted]");
  let response: Response;
  try {
    response = await fetch(target.url, {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": target.key, "anthropic-version": "2023-06-01" },
      body: JSON.stringify({ model: target.model, max_tokens: 1, messages: [{ role: "user", content: "ping" }] }),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    const why = error instanceof Error && error.name === "TimeoutError" ? `no answer within ${timeoutMs / 1000}s` : networkReason(error);
    return fail(`live: ${target.url} did not answer: ${redact(why)}`, "check CODE_WORKER_BASE_URL and that this machine can reach it");
  }
  const body = await response.text().catch(() => "");
  if (response.ok) return pass(`live: HTTP ${response.status} from ${target.url} for model ${target.model}`);
  const message = oneLine(redact(providerMessage(body) || response.statusText), 300);
  return fail(`live: HTTP ${response.status} from ${target.url}: ${message}`, statusFix(response.status, target));
}

/** The provider's own words: Anthropic-style `{"error":{"message"}}`, else the body's start. */
function providerMessage(body: string): string {
  try {
    const parsed = JSON.parse(body) as { error?: { message?: unknown }; message?: unknown };
    const message = parsed.error?.message ?? parsed.message;
    if (typeof message === "string") return message;
  } catch {
    // not JSON: the text itself is the message
  }
  return body;
}

function statusFix(status: number, target: LiveTarget): string {
  if (status === 401 || status === 403) return `the provider rejected the key: put a valid key in ${target.keyVariable}`;
  if (status === 404) return `check CODE_WORKER_BASE_URL (the worker calls ${target.url}) and CODE_WORKER_FAST_MODEL (${target.model})`;
  if (status === 400) return `check CODE_WORKER_FAST_MODEL (${target.model}) against the provider's model names`;
  if (status === 429 || status === 529 || status >= 500) return "the provider is busy or failing; try again in a minute";
  return "see the provider's message above";
}

/** fetch hides the cause (ECONNREFUSED, ENOTFOUND, a TLS error) one level down. */
function networkReason(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? error.cause : undefined;
  return cause ? `${(cause as NodeJS.ErrnoException).code ?? cause.message}` : error.message;
}
