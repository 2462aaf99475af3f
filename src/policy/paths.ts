// Path patterns in gitignore syntax, matched one pattern at a time with the last hit winning. Plain
// gitignore never re-includes a file below an excluded directory, so `src/**` + `!src/generated/**`
// would still match `src/generated/x.ts`; testing each pattern alone lets a later "!" always win.
import ignore, { type Ignore } from "ignore";

// The patterns below are what the JSON Schema shows editors; the *Problem functions explain a value
// that fails them, so each message names the actual mistake.
/** gitignore pattern: no "." or ".." segments, "./", "~", drive letters, backslashes, braces or edge spaces. */
export const globPattern =
  /^(?!!?$)(?!!?\/$)(?!!?\s)(?!.*\s$)(?!!?#)(?!!?~)(?!!?[A-Za-z]:)(?!!?(?:.*\/)?\.\.?(?:\/|$))(?!.*\/\/)(?!.*\[[^\]]*$)[^\\\u0000-\u001f\u007f{}]{1,512}$/;
/** A plain path inside the repository, without wildcards. */
export const relPathPattern =
  /^(?![/~\s])(?![A-Za-z]:)(?!.*\s$)(?!(?:.*\/)?\.\.?(?:\/|$))(?!.*\/\/)(?!.*\/$)[^\\\u0000-\u001f\u007f*?[\]{}!]{1,512}$/;
/** A file name without a directory, e.g. "package.json". */
export const fileNamePattern = /^(?!\.\.?$)[^/\\\u0000-\u001f\u007f*?[\]{}!]{1,128}$/;

export function globProblem(value: string): string {
  const body = value.startsWith("!") ? value.slice(1) : value;
  const common = pathProblem(body, value);
  if (common) return common;
  if (value === "!") return `"!" alone matches nothing; write "!" and a pattern to exclude, e.g. "!*.md"`;
  if (body === "/") return `"/" alone matches nothing; name a directory, e.g. "/src/"`;
  if (body.startsWith("#")) return `a pattern cannot start with "#" (gitignore reads it as a comment); write "[#]${body.slice(1)}"`;
  if (/[{}]/.test(value)) return `gitignore has no braces; write one pattern per alternative instead of "${value}"`;
  if (/\[[^\]]*$/.test(value)) return `unclosed "[" in "${value}"`;
  return `"${value}" is not a valid pattern`;
}

export function relPathProblem(value: string): string {
  if (value.startsWith("/")) return `must stay inside the repository: write a path relative to its root, without the leading "/"`;
  const common = pathProblem(value, value);
  if (common) return common;
  if (value.endsWith("/")) return `drop the trailing "/" from "${value}"`;
  if (/[*?[\]{}!]/.test(value)) return `wildcards are not allowed here; write a plain path instead of "${value}"`;
  return `"${value}" is not a valid path`;
}

export function fileNameProblem(value: string): string {
  if (value.includes("/")) return `must be a file name without a directory, e.g. "package.json", got "${value}"`;
  return value.length > 128 ? "is longer than 128 characters" : `"${value}" is not a plain file name`;
}

/** What patterns and plain paths share: stay inside the repository, one line, "/" separators. */
function pathProblem(body: string, value: string): string | undefined {
  if (value === "") return "must not be empty";
  if (value.length > 512) return "is longer than 512 characters";
  if (/^\s|\s$/.test(body)) return `remove the spaces at the start or end of "${value}"`;
  if (/[\u0000-\u001f\u007f]/.test(value)) return "contains a control character";
  if (value.includes("\\")) return `"\\" is not a separator here; use "/" in "${value}"`;
  if (/(^|\/)\.\.(\/|$)/.test(body)) return `".." cannot leave the repository`;
  if (/(^|\/)\.(\/|$)/.test(body)) return `"." segments are not needed; drop "./" from "${value}"`;
  if (body.startsWith("~")) return `"~" is not expanded; paths are relative to the repository root`;
  if (/^[A-Za-z]:/.test(body)) return `drive letters are not allowed; paths are relative to the repository root`;
  if (body.includes("//")) return `"//" makes an empty path segment in "${value}"`;
  return undefined;
}

export type PathMatcher = (path: string) => boolean;

/** Compiles a pattern list: a path matches when the last pattern that hits it is not negated. */
export function pathMatcher(patterns: readonly string[]): PathMatcher {
  const compiled: { negated: boolean; test: Ignore }[] = patterns.map((pattern) => {
    const negated = pattern.startsWith("!");
    // Case-sensitive like git on Linux, where ".ENV" and ".env" are different files.
    return { negated, test: ignore({ ignorecase: false }).add(negated ? pattern.slice(1) : pattern) };
  });
  return (path) => {
    for (let i = compiled.length - 1; i >= 0; i--) {
      if (compiled[i]!.test.ignores(path)) return !compiled[i]!.negated;
    }
    return false;
  };
}
