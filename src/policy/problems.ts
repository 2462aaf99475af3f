// A problem is what the loader reports about one spot of a policy file: a stable code, the key path,
// and a message that shows the bad value and the fix. Zod issues are translated here so every
// message reads the same whether it came from the schema or from the loader's own checks.
import type { z } from "zod";

export type KeyPath = (string | number)[];

export interface Problem {
  code: string;
  path: KeyPath;
  message: string;
  /** Point at this key of the mapping at `path` rather than at the mapping (unknown keys). */
  key?: string;
  /** Set when the position is known without a key path (syntax errors, byte checks). */
  offset?: number;
}

// Schema-level error messages carry their code as a "[CODE] " prefix, the only way a zod message
// can carry one; `fromIssue` takes it off again.
export function coded(code: string, message: string): string {
  return `[${code}] ${message}`;
}

function uncode(message: string, fallback: string): { code: string; message: string } {
  const match = /^\[([A-Z_]+)\] ([\s\S]*)$/.exec(message);
  return match ? { code: match[1]!, message: match[2]! } : { code: fallback, message };
}

function formatPath(path: KeyPath): string {
  return path.map((part, i) => (typeof part === "number" ? `[${part}]` : i === 0 ? part : `.${part}`)).join("");
}

/** `file:line:col [CODE] key.path: message`, the form a job creation error and `policy check` show. */
export function formatProblem(file: string, line: number, col: number, problem: Problem): string {
  const where = problem.path.length ? `${formatPath(problem.path)}: ` : "";
  return `${file}:${line}:${col} [${problem.code}] ${where}${problem.message}`;
}

/** The nearest candidate within two edits, for "did you mean" hints. */
function nearest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of candidates) {
    const distance = editDistance(word, candidate);
    if (distance < bestDistance && distance < Math.max(word.length, candidate.length)) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

export function didYouMean(word: string, candidates: readonly string[]): string {
  const guess = nearest(word, candidates);
  return guess === undefined ? "" : ` (did you mean "${guess}"?)`;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}

export function unknownKey(key: string, known: readonly string[]): string {
  return `unknown key "${key}"${didYouMean(key, known)}`;
}

/** A value as a message shows it: `the string "1"`, `2.5`, `.inf`, `a list`. */
export function describeValue(value: unknown): string {
  if (typeof value === "string") return `the string "${value.length > 40 ? `${value.slice(0, 39)}…` : value}"`;
  if (typeof value === "number") {
    if (Number.isNaN(value)) return ".nan";
    if (!Number.isFinite(value)) return value > 0 ? ".inf" : "-.inf";
    return String(value);
  }
  if (value === null) return "nothing (null)";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  return String(value);
}

const expectedNames: Record<string, string> = {
  int: "a whole number",
  number: "a number",
  string: "a string",
  array: "a list",
  object: "a mapping",
  record: "a mapping",
  boolean: "true or false",
};

/** One zod issue as problems; an unknown-keys issue becomes one problem per key. */
export function fromIssue(issue: z.core.$ZodIssue, base: KeyPath, input: unknown): Problem[] {
  const path = [...base, ...(issue.path as KeyPath)];
  const value = "input" in issue ? issue.input : valueAt(input, issue.path as KeyPath);
  if (issue.code === "unrecognized_keys") {
    const messages = issue.message.split("\n");
    return issue.keys.map((key, i) => ({ ...uncode(messages[i] ?? unknownKey(key, []), "UNKNOWN_KEY"), path, key }));
  }
  if (issue.code === "invalid_key") {
    const inner = issue.issues[0];
    return [
      {
        ...uncode(inner?.message ?? `"${String(issue.input)}" is not an allowed key`, "INVALID_KEY"),
        path: path.slice(0, -1),
        key: String(issue.input),
      },
    ];
  }
  if (value === undefined && (issue.code === "invalid_type" || issue.code === "invalid_union" || issue.code === "invalid_value")) {
    const hint = formatPath(path) === "version" ? ': start the file with "version: 1"' : "";
    return [{ code: "REQUIRED", message: `is required${hint}`, path }];
  }
  const own = uncode(issue.message, "");
  if (own.code) return [{ ...own, path }];
  return [{ ...genericMessage(issue, value), path }];
}

function genericMessage(issue: z.core.$ZodIssue, value: unknown): { code: string; message: string } {
  switch (issue.code) {
    case "invalid_type":
      return { code: "INVALID_TYPE", message: `must be ${expectedNames[issue.expected] ?? issue.expected}, got ${describeValue(value)}` };
    case "invalid_value":
      return { code: "INVALID_VALUE", message: `must be ${oneOf(issue.values)}, got ${describeValue(value)}` };
    case "too_small":
      return { code: "OUT_OF_RANGE", message: tooSmall(issue, value) };
    case "too_big":
      return { code: "OUT_OF_RANGE", message: tooBig(issue, value) };
    case "invalid_union":
      return { code: "INVALID_TYPE", message: `has the wrong type: got ${describeValue(value)}` };
    default:
      return { code: "INVALID_VALUE", message: issue.message };
  }
}

function oneOf(values: readonly unknown[]): string {
  const shown = values.map((v) => JSON.stringify(v));
  return shown.length === 1 ? `exactly ${shown[0]}` : `${shown.slice(0, -1).join(", ")} or ${shown.at(-1)}`;
}

function tooSmall(issue: z.core.$ZodIssueTooSmall, value: unknown): string {
  const min = Number(issue.minimum);
  if (issue.origin === "string") return min <= 1 ? "must not be empty" : `must be at least ${min} characters`;
  if (issue.origin === "array" || issue.origin === "set") return `needs at least ${min} item${min === 1 ? "" : "s"}`;
  return `must be at least ${min}, got ${describeValue(value)}`;
}

function tooBig(issue: z.core.$ZodIssueTooBig, value: unknown): string {
  const max = Number(issue.maximum);
  if (issue.origin === "string") return `is longer than ${max} characters`;
  if (issue.origin === "array" || issue.origin === "set") return `has more than ${max} items`;
  return `must be at most ${max}, got ${describeValue(value)}`;
}

function valueAt(input: unknown, path: KeyPath): unknown {
  let value = input;
  for (const part of path) {
    if (value === null || typeof value !== "object") return undefined;
    value = (value as Record<string | number, unknown>)[part];
  }
  return value;
}
