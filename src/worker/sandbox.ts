// Claude Code's Linux sandbox (bubblewrap + socat): whether it can run here, and the empty
// mount points it leaves in the working directory for protected files that did not exist.
import { constants } from "node:fs";
import { access, lstat, readdir, rm } from "node:fs/promises";
import { delimiter, join } from "node:path";

/** Top-level names Claude Code 2.1.197 mounts over in the working directory (seen in its bwrap arguments). */
export const sandboxMountNames = [
  ".bash_profile", ".bashrc", ".claude", ".env", ".env.development", ".env.development.local", ".env.local",
  ".env.production", ".env.production.local", ".env.test", ".env.test.local", ".gitconfig", ".github",
  ".gitmodules", ".idea", ".mcp.json", ".npmrc", ".profile", ".ripgreprc", ".vscode", ".yarnrc", ".yarnrc.yml",
  ".zprofile", ".zshrc", "bunfig.toml", "node_modules", "package-lock.json", "package.json", "pnpm-lock.yaml",
  "scripts", "yarn.lock",
];

export const sandboxPackages = ["bwrap", "socat"];

/** The sandbox's programs missing from PATH (Debian packages bubblewrap and socat). */
export async function missingSandboxPrograms(path = process.env.PATH ?? ""): Promise<string[]> {
  if (process.platform !== "linux") return [];
  const missing: string[] = [];
  for (const program of sandboxPackages) {
    const found = await Promise.any(
      path.split(delimiter).filter(Boolean).map((dir) => access(join(dir, program), constants.X_OK)),
    ).then(() => true, () => false);
    if (!found) missing.push(program);
  }
  return missing;
}

/** Which of the mount names exist before the worker runs: those are the repository's own. */
export async function existingMountNames(cwd: string): Promise<Set<string>> {
  const present = new Set<string>();
  for (const name of sandboxMountNames) {
    if (await lstat(join(cwd, name)).then(() => true, () => false)) present.add(name);
  }
  return present;
}

/** Removes mount points the sandbox left behind: new since `before`, and holding no data. */
export async function sweepSandboxMounts(cwd: string, before: Set<string>): Promise<string[]> {
  const removed: string[] = [];
  for (const name of sandboxMountNames) {
    if (before.has(name)) continue;
    const path = join(cwd, name);
    if (await holdsNoData(path)) {
      await rm(path, { recursive: true, force: true });
      removed.push(name);
    }
  }
  return removed;
}

/** True for an empty regular file, or a directory tree of nothing but those. */
async function holdsNoData(path: string): Promise<boolean> {
  const stat = await lstat(path).catch(() => undefined);
  if (!stat) return false;
  if (stat.isFile()) return stat.size === 0;
  if (!stat.isDirectory()) return false;
  for (const entry of await readdir(path)) {
    if (!(await holdsNoData(join(path, entry)))) return false;
  }
  return true;
}
