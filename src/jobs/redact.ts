// The provider key must never reach a record, log, event file or result: everything the runner
// writes passes through one redactor that knows the key.
import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";

export type Redact = (text: string) => string;

export function redactor(secret: string | undefined): Redact {
  if (!secret || secret.length < 8) return (text) => text;
  return (text) => (text.includes(secret) ? text.split(secret).join("[redacted]") : text);
}

/**
 * Rewrites every file under dir that holds the secret. Claude Code keeps its own transcript of the
 * session in its config dir; a provider that echoes the key would otherwise leave it there.
 */
export async function redactFiles(dir: string, secret: string, redact: Redact): Promise<void> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    // parentPath is Node 20.12's name for what 20.1 called path.
    const path = join(entry.parentPath ?? (entry as unknown as { path: string }).path, entry.name);
    const text = await readFile(path, "utf8");
    if (text.includes(secret)) await writeFile(path, redact(text));
  }
}
