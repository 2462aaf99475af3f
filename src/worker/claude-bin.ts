// The pinned Claude Code package ships its native binary in a per-platform optional dependency.
// npm 11 may skip the wrapper's postinstall, so the platform binary is spawned directly.
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { UserError } from "../errors.js";

const require = createRequire(import.meta.url);

export function claudeBinary(configured?: string): string {
  if (configured) {
    if (!existsSync(configured))
      throw new UserError("configuration", `CLAUDE_BIN points to "${configured}", which does not exist`, { variable: "CLAUDE_BIN" });
    return configured;
  }
  const exe = process.platform === "win32" ? "claude.exe" : "claude";
  for (const variant of ["", "-musl"]) {
    const name = `@anthropic-ai/claude-code-${process.platform}-${process.arch}${variant}`;
    try {
      const path = join(dirname(require.resolve(`${name}/package.json`)), exe);
      if (existsSync(path)) return path;
    } catch {
      // not installed for this platform variant
    }
  }
  throw new UserError(
    "prerequisite",
    `Claude Code's binary for ${process.platform}-${process.arch} is not installed; run npm install in code-worker, or set CLAUDE_BIN`,
  );
}
