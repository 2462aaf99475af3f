// Claude Code's Linux sandbox (bubblewrap + socat): whether it can run here, and the empty
// mount points it leaves in the working directory for protected files that did not exist.
import { constants } from "node:fs";
import { access, lstat, readdir, rm } from "node:fs/promises";
import { delimiter, join } from "node:path";
import { execa } from "execa";

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

/**
 * Why the sandbox cannot run here, in one line, or undefined when it can: its programs are
 * missing, or bubblewrap is installed but the kernel refuses it the namespaces it needs.
 */
export async function sandboxProblem(path = process.env.PATH ?? ""): Promise<string | undefined> {
  const missing = await missingSandboxPrograms(path);
  if (missing.length) return `the worker's sandbox needs ${missing.join(" and ")} (Debian: apt-get install bubblewrap socat)`;
  return bubblewrapRefusal(path);
}

/** Why an installed bubblewrap cannot start a sandbox here, or undefined when it can. */
export async function bubblewrapRefusal(path = process.env.PATH ?? ""): Promise<string | undefined> {
  if (process.platform !== "linux") return undefined;
  const probe = await execa("bwrap", ["--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--unshare-all", "--die-with-parent", "true"], {
    env: { PATH: path },
    reject: false,
    timeout: 10_000,
    stdin: "ignore",
  });
  if (probe.exitCode === 0) return undefined;
  const why = String(probe.stderr || probe.shortMessage || `exit ${probe.exitCode}`).trim().split("\n")[0];
  return `bubblewrap cannot start a sandbox here (${why}); the kernel may forbid unprivileged user namespaces`;
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
