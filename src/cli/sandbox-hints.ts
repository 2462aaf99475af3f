// What a check or setup step lacked inside the sandbox, said in one line each: a program its PATH
// does not reach, or a link in a linked directory that points where the sandbox shows nothing
// (a home directory, CODE_WORKER_HOME). A job fails for these reasons with no word of why.
import { accessSync, constants, existsSync, readFileSync, readlinkSync, realpathSync } from "node:fs";
import { delimiter, dirname, isAbsolute, join, normalize, relative, resolve } from "node:path";
import { runPolicyCommand, type CommandPlace } from "../checks/run-command.js";
import { systemDirs, within } from "../os/confine.js";
import type { JobRecord } from "../store/record.js";

/** How shells, bwrap, setpriv, env and Node's spawn say a program is missing; group 1 is its name. */
const notFound = [
  /([^\s:'"‘’]+): (?:command )?not found$/,
  /(?:execvp|failed to execute|env:) ['"‘]?([^\s'"’]+?)['"’]?: No such file or directory$/,
  /^spawn (\S+) ENOENT\]?$/,
];

/** What runCommand uses when neither the step nor code-worker's own environment sets PATH. */
const fallbackPath = "/usr/local/bin:/usr/bin:/bin";

export interface ProgramContext {
  job: Pick<JobRecord, "repo" | "worktree">;
  /** The step's own env.PATH, if it sets one. */
  path?: string;
  sandbox: boolean;
}

/** One line per program the log says was not found. */
export function missingPrograms(lines: string[], ctx: ProgramContext): string[] {
  const programs = new Set<string>();
  for (const line of lines) {
    for (const pattern of notFound) {
      const name = pattern.exec(line.trim())?.[1];
      if (name) programs.add(name);
    }
  }
  return [...programs].map((program) => programHint(program, ctx));
}

function programHint(program: string, ctx: ProgramContext): string {
  const path = ctx.path ?? process.env.PATH ?? fallbackPath;
  const seen = ctx.sandbox ? "the sandbox sees" : "checks run with";
  if (isAbsolute(program))
    return `\`${program}\` is not there ${ctx.sandbox ? "inside the sandbox: it shows the system's and PATH's directories, the worktree and linked ones" : "for the checks"}`;
  if (program.includes("/"))
    return `\`${program}\` is not in the fresh worktree: it has no ignored files; link or copy them (worktree.link, worktree.copy) or make them in worktree.setup`;
  const local = join("node_modules", ".bin", program);
  if (existsSync(join(ctx.job.repo.root, local)) && !existsSync(join(ctx.job.worktree, local)))
    return `\`${program}\` is not on the PATH ${seen}: it is in your checkout's ${local}, which a fresh worktree lacks; link node_modules (worktree.link) or install in worktree.setup`;
  const found = onPath(program, path);
  const real = found && realpathSync(found);
  if (ctx.sandbox && real && real !== found && !visibleInside(real, path))
    return `\`${program}\` is not on the PATH ${seen}: ${found} links to ${real}, a path the sandbox hides; install it under a directory of PATH`;
  return `\`${program}\` is not on the PATH ${seen}: ${path}`;
}

/** The program's file in the first PATH directory that has it executable. */
function onPath(program: string, path: string): string | undefined {
  for (const dir of path.split(delimiter).filter(Boolean)) {
    const file = join(dir, program);
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // not in this one
    }
  }
  return undefined;
}

/** Whether the sandbox shows a file: under a system directory, or right in one of PATH's (each is bound). */
function visibleInside(file: string, path: string): boolean {
  return systemDirs.some((dir) => within(file, dir)) || path.split(delimiter).some((dir) => dir && dirname(file) === normalize(dir));
}

const shownLinks = 3;

/**
 * Links inside the linked directories that the sandbox cannot follow although the host can: found
 * by looking from inside the sandbox itself, as a job's checks would (three levels deep, which
 * reaches node_modules/@scope/pkg and .venv/bin/python).
 */
export async function hiddenLinks(
  job: Pick<JobRecord, "repo" | "worktree">,
  links: string[],
  place: Omit<CommandPlace, "network">,
): Promise<string[]> {
  if (!links.length) return [];
  const script = 'for dir; do find "$dir/" -maxdepth 3 -xtype l -print 2>/dev/null | head -n 50; done';
  const probe = { run: ["/bin/sh", "-c", script, "probe", ...links.map((link) => join(job.worktree, link))], timeout_s: 60 };
  await runPolicyCommand(".links", probe, { ...place, network: false });
  const found = readFileSync(join(place.logDir, ".links.log"), "utf8")
    .split("\n")
    .filter((line) => line.startsWith(job.worktree))
    .map((line) => relative(job.worktree, normalize(line)))
    .flatMap((path) => {
      const host = join(job.repo.root, path);
      const target = linkTarget(host);
      if (!target) return [];
      const link = links.find((dir) => path === dir || path.startsWith(`${normalize(dir).replace(/\/$/, "")}/`));
      return existsSync(target)
        ? [`${path} (in worktree.link "${link}") links to ${target}, a path the sandbox hides: checks see a broken link`]
        : [];
    });
  const more = found.length - shownLinks;
  return [...found.slice(0, shownLinks), ...(more > 0 ? [`… and ${more} more links the sandbox cannot follow`] : [])];
}

/** Where a link on the host points, absolute; undefined when it is no longer a link. */
function linkTarget(path: string): string | undefined {
  try {
    return resolve(dirname(path), readlinkSync(path, "utf8"));
  } catch {
    return undefined;
  }
}
