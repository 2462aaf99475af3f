// How code-worker runs git on a repository a worker has written to: nothing outside the repository's
// own config is read (no system or global config, no ~/.config/git), no hook, fsmonitor, network
// transport, clean/smudge filter, textconv or external diff runs. A worker could otherwise plant a
// config or attributes file that git would execute in the runner, outside any sandbox.
import { readFileSync, statSync } from "node:fs";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { parseGitdirPointer } from "./parse.js";

/** The environment of every git code-worker runs: nothing of the caller's but PATH and LANG. */
export function gitEnv(): Record<string, string> {
  return {
    PATH: process.env.PATH ?? "/usr/local/bin:/usr/bin:/bin",
    LANG: process.env.LANG ?? "C.UTF-8",
    // /dev/null cannot hold ~/.gitconfig or ~/.config/git/{config,attributes,ignore}: nothing can plant them.
    HOME: "/dev/null",
    XDG_CONFIG_HOME: "/dev/null",
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_CONFIG_GLOBAL: "/dev/null",
    GIT_ATTR_NOSYSTEM: "1",
    GIT_TERMINAL_PROMPT: "0",
    GIT_OPTIONAL_LOCKS: "0",
  };
}

const fixed = [
  "core.hooksPath=/dev/null",
  "core.fsmonitor=false",
  "core.untrackedCache=false",
  "protocol.allow=never",
  "diff.external=",
  "commit.gpgsign=false",
  "tag.gpgsign=false",
];

/** `-c` overrides for every git command run in dir: the fixed ones and each driver the repository configures. */
export function gitSafetyArgs(dir: string): string[] {
  return [...fixed, ...driverOverrides(dir)].flatMap((setting) => ["-c", setting]);
}

/**
 * The repository's own config may name filter and diff drivers (git-lfs, say); a worker's
 * .gitattributes could route its files through them. Each is blanked for code-worker's git.
 */
function driverOverrides(dir: string): string[] {
  const config = configFile(dir);
  if (!config) return [];
  const names = driverNames(config, 0);
  return [
    ...names.filter.flatMap((name) => [
      `filter.${name}.clean=`,
      `filter.${name}.smudge=`,
      `filter.${name}.process=`,
      `filter.${name}.required=false`,
    ]),
    ...names.diff.flatMap((name) => [`diff.${name}.textconv=`, `diff.${name}.command=`]),
  ];
}

const sectionPattern = /^\s*\[\s*(filter|diff)(?:\s+"((?:[^"\\]|\\.)*)"|\.([^\]\s]+))\s*\]/gim;
const includePattern = /^\s*path\s*=\s*(.+?)\s*$/gim;

function driverNames(file: string, depth: number): { filter: string[]; diff: string[] } {
  const names = { filter: new Set<string>(), diff: new Set<string>() };
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return { filter: [], diff: [] };
  }
  for (const match of text.matchAll(sectionPattern)) {
    const name = match[2]?.replace(/\\(.)/g, "$1") ?? match[3]!.toLowerCase();
    // A name that cannot be written back as a -c key is skipped: git would not parse it either.
    if (!/[\s=]/.test(name)) names[match[1]!.toLowerCase() as "filter" | "diff"].add(name);
  }
  // Included files may configure drivers too (one level deep is as far as a config usually goes; two covered).
  if (depth < 2 && /^\s*\[\s*include(if\s+"[^"]*")?\s*\]/im.test(text)) {
    for (const match of text.matchAll(includePattern)) {
      const path = match[1]!.replace(/^"(.*)"$/, "$1");
      if (path.startsWith("~")) continue;
      const nested = driverNames(isAbsolute(path) ? path : join(dirname(file), path), depth + 1);
      nested.filter.forEach((name) => names.filter.add(name));
      nested.diff.forEach((name) => names.diff.add(name));
    }
  }
  return { filter: [...names.filter], diff: [...names.diff] };
}

/** The shared config file of the repository dir belongs to: a checkout, a linked worktree or a git dir. */
function configFile(dir: string): string | undefined {
  const dotGit = join(dir, ".git");
  const stat = statSync(dotGit, { throwIfNoEntry: false });
  let gitDir: string;
  if (stat?.isDirectory()) gitDir = dotGit;
  else if (stat?.isFile()) {
    const pointer = parseGitdirPointer(safeRead(dotGit));
    if (!pointer) return undefined;
    gitDir = resolve(dir, pointer);
  } else if (statSync(join(dir, "HEAD"), { throwIfNoEntry: false })) gitDir = dir;
  else return undefined;
  const common = safeRead(join(gitDir, "commondir")).trim();
  return join(common ? resolve(gitDir, common) : gitDir, "config");
}

function safeRead(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
}
