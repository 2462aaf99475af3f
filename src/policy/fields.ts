// The leaf values of a policy file. Each pattern is what the JSON Schema shows an editor; its error
// function explains a value that fails it, with the code the loader reports.
import { z } from "zod";
import { fileNamePattern, fileNameProblem, globPattern, globProblem, relPathPattern, relPathProblem } from "./paths.js";
import { coded, describeValue, unknownKey } from "./problems.js";
import { durationPattern, durationProblem, durationSeconds, maxDurationS, sizePattern, sizeProblem } from "./sizes.js";

/** What an error function receives; only the offending value is needed here. */
type Issue = { input?: unknown };
const explain = (code: string, problem: (value: unknown) => string) => ({ error: (issue: Issue) => coded(code, problem(issue.input)) });
const ifString = (problem: (value: string) => string) => (value: unknown) =>
  typeof value === "string" ? problem(value) : `must be a string, got ${describeValue(value)}`;

/** z.strictObject whose unknown-key error names each key with the nearest known one. */
export function strict<Shape extends z.core.$ZodLooseShape>(shape: Shape) {
  const known = Object.keys(shape);
  return z.strictObject(shape, {
    error: (issue) =>
      issue.code === "unrecognized_keys" ? issue.keys.map((key) => coded("UNKNOWN_KEY", unknownKey(key, known))).join("\n") : undefined,
  });
}

/** An integer in [min, max]; a string or fraction is told it must be a whole number. */
export function wholeNumber(min: number, max: number) {
  const error = (issue: Issue & { code?: string }) =>
    issue.code === "invalid_type" ? coded("INVALID_TYPE", `must be a whole number, got ${describeValue(issue.input)}`) : undefined;
  return z.int({ error }).min(min).max(max);
}

export const idPattern = /^[a-z][a-z0-9-]{0,62}$/;
const idProblem = (value: unknown) =>
  `ids are lower-case letters, digits and "-", starting with a letter, e.g. "no-vendor", got ${describeValue(value)}`;
export const id = z.string(explain("BAD_ID", idProblem)).regex(idPattern, explain("BAD_ID", idProblem));

export const verdict = z.enum(["review", "reject"], explain("INVALID_VALUE", verdictProblem)).meta({ id: "verdict" });
export type RuleVerdict = z.infer<typeof verdict>;

function verdictProblem(value: unknown): string {
  const hint = value === "approve" ? "; a failed rule cannot approve, turn the rule off instead" : "";
  return `must be "review" or "reject", got ${describeValue(value)}${hint}`;
}

export const off = z
  .literal("off")
  .meta({ id: "off", description: "Remove this entry, including what an extended policy defined under this key." });
export const reason = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[^\u0000-\u001f\u007f]*$/, { error: coded("INVALID_VALUE", "must be one line") })
  .describe("One line shown in the verdict instead of the generic text.");

export const glob = z
  .string()
  .regex(globPattern, explain("BAD_GLOB", ifString(globProblem)))
  .meta({ id: "glob", description: 'gitignore pattern relative to the repository root; "!" negates; the last matching pattern wins.' });
export const pathList = z.array(glob).min(1).max(500).meta({ id: "pathList" });
export const relPath = z
  .string()
  .regex(relPathPattern, explain("BAD_PATH", ifString(relPathProblem)))
  .meta({ id: "relPath", description: "A path relative to the repository root, without wildcards." });
export const fileName = z.string().regex(fileNamePattern, explain("BAD_PATH", ifString(fileNameProblem)));

export const size = z
  .union(
    [
      z.int(explain("BAD_SIZE", sizeProblem)).min(1, explain("BAD_SIZE", sizeProblem)),
      z.string().regex(sizePattern, explain("BAD_SIZE", sizeProblem)),
    ],
    explain("BAD_SIZE", sizeProblem),
  )
  .meta({
    id: "size",
    description: 'Bytes, or a whole number with B, KB, MB, GB (1000-based) or KiB, MiB, GiB (1024-based), e.g. "512KiB".',
  });

const durationError = explain("BAD_DURATION", durationProblem);
export const duration = z
  .union(
    [
      z.int(durationError).min(1, durationError).max(maxDurationS, durationError),
      z
        .string(durationError)
        .regex(durationPattern, durationError)
        .refine((v) => durationSeconds(v) <= maxDurationS, durationError),
    ],
    durationError,
  )
  .meta({ id: "duration", description: 'Seconds, or a whole number with s, m or h, e.g. "90s", "10m", "1h".' });

const toolRulePattern = /^(?!.*bypassPermissions)[A-Za-z][A-Za-z0-9_-]*(?:\([^\u0000-\u001f\u007f]+\))?$/;
export const toolRule = z
  .string()
  .max(300)
  .regex(toolRulePattern, explain("BAD_TOOL_RULE", ifString(toolRuleProblem)))
  .meta({
    id: "toolRule",
    description: 'Claude Code permission rule, passed through verbatim: "Tool" or "Tool(specifier)", e.g. "Bash(git push:*)".',
  });

function toolRuleProblem(value: string): string {
  if (value.includes("bypassPermissions")) return "bypassPermissions is a host setting, never a policy one";
  if (/[\u0000-\u001f\u007f]/.test(value)) return "contains a control character";
  const open = value.indexOf("(");
  if (open !== -1 && !value.endsWith(")")) return `unbalanced "(" in "${value}"`;
  if (open === -1 && value.includes(")")) return `unbalanced ")" in "${value}"`;
  if (value.endsWith("()")) return `empty "()" in "${value}"; write the tool name alone to match every use`;
  return `must be "Tool" or "Tool(specifier)", e.g. "Bash(git diff:*)", got "${value}"`;
}

export const permissionMode = z
  .enum(["dontAsk", "acceptEdits", "default", "plan"], explain("INVALID_VALUE", permissionModeProblem))
  .describe("bypassPermissions is a host setting, never a policy one.");

function permissionModeProblem(value: unknown): string {
  if (value === "bypassPermissions") return "bypassPermissions is a host setting, never a policy one";
  return `must be "dontAsk", "acceptEdits", "default" or "plan", got ${describeValue(value)}`;
}

const commandText = z
  .string()
  .max(4096)
  .regex(
    /^(?=[\s\S]*\S)[^\u0000]*$/,
    explain(
      "BAD_COMMAND",
      ifString((v) => (v.includes("\u0000") ? "contains a NUL byte" : "must not be empty")),
    ),
  );
export const run = z
  .union(
    [commandText.describe("Run with /bin/sh -c."), z.array(commandText).min(1).max(100).describe("argv, run without a shell.")],
    explain("BAD_COMMAND", (v) => `must be a command string or a list of arguments, got ${describeValue(v)}`),
  )
  .meta({ id: "run", description: "A string runs with /bin/sh -c; a list is argv, run without a shell." });

const envNamePattern = /^[A-Z_][A-Z0-9_]{0,63}$/;
export const env = z
  .record(
    z.string().regex(
      envNamePattern,
      explain("BAD_ENV", (v) => `environment variable names are A-Z, 0-9 and _, not starting with a digit, got "${String(v)}"`),
    ),
    z
      .string()
      .max(4096)
      .regex(/^[^\u0000]*$/, { error: coded("BAD_ENV", "contains a NUL byte") }),
  )
  .refine((vars) => Object.keys(vars).length <= 50, { error: coded("OUT_OF_RANGE", "has more than 50 variables") })
  .meta({ id: "env", description: "Added to the scrubbed environment the command runs in, which always has CI=true." });
