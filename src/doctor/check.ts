// One doctor check's outcome: a line with ✓ or ✗ and, for a failure, the exact fix under it.
export interface Check {
  ok: boolean;
  line: string;
  fix?: string;
}

export type Env = Record<string, string | undefined>;

export const pass = (line: string): Check => ({ ok: true, line });

export const fail = (line: string, fix: string): Check => ({ ok: false, line, fix });

export function renderCheck(check: Check): string {
  const head = `${check.ok ? "✓" : "✗"} ${check.line}`;
  return check.fix ? `${head}\n    fix: ${check.fix}` : head;
}

/** The environment variable's value, trimmed; undefined when unset or blank (as config.ts reads it). */
export function envValue(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}
