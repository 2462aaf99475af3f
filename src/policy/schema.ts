// The policy file format as zod schemas: the source of policy.schema.json and of the loader's checks.
// The loader validates rule and check entries one by one (it picks the schema by key or `type`);
// `policyFileSchema` composes the same pieces for editors.
import { z } from "zod";
import { duration, env, fileName, glob, id, off, pathList, permissionMode, reason, relPath, run, size, strict, toolRule, verdict, wholeNumber } from "./fields.js";
import { coded, describeValue, didYouMean } from "./problems.js";
import { detectorIds } from "./secrets.js";

export const ruleTypes = [
  "allowed-paths",
  "forbidden-paths",
  "protected-paths",
  "max-files",
  "max-lines",
  "max-deleted-files",
  "max-file-size",
  "binary-files",
  "lockfile-sync",
  "secrets",
  "tests-required",
  "checks-ran",
  "symlinks",
  "submodules",
] as const;
export type RuleType = (typeof ruleTypes)[number];

const changeKinds = ["added", "modified", "deleted", "renamed"] as const;
export type ChangeKind = (typeof changeKinds)[number];

const count = wholeNumber(0, 1_000_000);
const examples = strict({ match: z.array(relPath).max(50).optional(), not_match: z.array(relPath).max(50).optional() }).describe(
  "Paths that must and must not match, checked when the policy loads.",
);
const on = z.array(z.enum(changeKinds)).min(1).describe("Only these kinds of change count; a rename is its old path deleted and its new path added.");

function regexProblem(source: string): string | undefined {
  let compiled: RegExp;
  try {
    compiled = new RegExp(source);
  } catch (error) {
    return `is not a valid regular expression: ${(error as Error).message.replace(/^Invalid regular expression: /, "")}`;
  }
  return compiled.test("") ? "matches the empty string, so it would match every line" : undefined;
}
const regex = z
  .string()
  .min(1)
  .max(512)
  .refine((source) => regexProblem(source) === undefined, { error: (issue) => coded("BAD_REGEX", regexProblem(String(issue.input))!) })
  .describe("JavaScript regular expression source, without slashes or flags.");

function detectorsProblem(value: unknown): string {
  const unknown = Array.isArray(value) ? value.find((id) => !(detectorIds as readonly unknown[]).includes(id)) : undefined;
  if (typeof unknown === "string") return `unknown detector "${unknown}"${didYouMean(unknown, detectorIds)}; known: ${detectorIds.join(", ")}`;
  return `must be "all" or a list of detector ids, got ${describeValue(value)}`;
}

const lockfilePair = strict({
  manifest: fileName,
  lockfiles: z.array(fileName).min(1).max(8),
  deps_only: z.boolean().optional().describe("package.json only: count the manifest as changed only when a dependency field changed."),
});

const customDetector = strict({
  id: id.refine((value) => !(detectorIds as readonly string[]).includes(value), {
    error: (issue) => coded("INVALID_VALUE", `"${String(issue.input)}" is a built-in detector; list it under detectors instead`),
  }),
  regex,
  keywords: z.array(z.string().min(2).max(64)).max(10).optional().describe("Only lines containing one of these (any case) are tried."),
});

/** Each rule type's own parameters; every rule also takes type, verdict and reason. */
const ruleParams = {
  "allowed-paths": { paths: pathList, examples: examples.optional() },
  "forbidden-paths": { paths: pathList, on: on.optional(), examples: examples.optional() },
  "protected-paths": { paths: pathList, on: on.optional(), examples: examples.optional() },
  "max-files": { max: count, exclude: pathList.optional() },
  "max-lines": { max: count.optional(), max_added: count.optional(), max_deleted: count.optional(), exclude: pathList.optional() },
  "max-deleted-files": { max: count, exclude: pathList.optional() },
  "max-file-size": { max: size, exclude: pathList.optional() },
  "binary-files": { allow: pathList.optional() },
  "lockfile-sync": { pairs: z.array(lockfilePair).min(1).max(20) },
  secrets: {
    detectors: z
      .union([z.literal("all"), z.array(z.enum(detectorIds))], { error: (issue) => coded("INVALID_VALUE", detectorsProblem(issue.input)) })
      .optional()
      .describe('"all" (the default) or a list; [] runs only custom ones.'),
    custom: z.array(customDetector).max(50).optional(),
    allow: strict({ paths: pathList.optional(), patterns: z.array(regex).max(100).optional().describe("Tested against the matched text.") }).optional(),
  },
  "tests-required": { source: pathList, tests: pathList },
  "checks-ran": { min: wholeNumber(1, 100).optional() },
  symlinks: {},
  submodules: {},
} satisfies Record<RuleType, z.core.$ZodLooseShape>;

/** What each rule type checks; also its default verdict, which the loader applies. */
export const ruleDocs: Record<RuleType, { verdict: "review" | "reject"; fails: string }> = {
  "allowed-paths": { verdict: "reject", fails: "a changed path matches none of `paths`" },
  "forbidden-paths": { verdict: "reject", fails: "a changed path matches `paths`" },
  "protected-paths": { verdict: "review", fails: "a changed path matches `paths`" },
  "max-files": { verdict: "review", fails: "more than `max` files changed" },
  "max-lines": { verdict: "review", fails: "more text lines changed, added or deleted than a limit" },
  "max-deleted-files": { verdict: "review", fails: "more than `max` files deleted" },
  "max-file-size": { verdict: "reject", fails: "an added or modified file is larger than `max`" },
  "binary-files": { verdict: "review", fails: "an added or modified binary is outside `allow`" },
  "lockfile-sync": { verdict: "review", fails: "a manifest changed without its lockfile, or a lockfile without a manifest" },
  secrets: { verdict: "reject", fails: "an added line holds a credential" },
  "tests-required": { verdict: "review", fails: "a source file changed and no test file did" },
  "checks-ran": { verdict: "review", fails: "fewer than `min` checks ran" },
  symlinks: { verdict: "reject", fails: "an added or changed symlink points outside the repository" },
  submodules: { verdict: "review", fails: "a submodule pointer changed" },
};

function ruleSchema<T extends RuleType>(type: T) {
  const common = {
    type: z.literal(type).optional().describe("Required when the rule's key is not a type name."),
    verdict: verdict.optional(),
    reason: reason.optional(),
  };
  return strict({ ...common, ...ruleParams[type] }).meta({
    id: `rule_${type.replaceAll("-", "_")}`,
    description: `Fails when ${ruleDocs[type].fails}. Default verdict: ${ruleDocs[type].verdict}.`,
  });
}

type RuleSchemas = { [T in RuleType]: ReturnType<typeof ruleSchema<T>> };
export const ruleSchemas = Object.fromEntries(ruleTypes.map((type) => [type, ruleSchema(type)])) as RuleSchemas;
export type RuleInput<T extends RuleType = RuleType> = z.infer<RuleSchemas[T]>;

/** Rules of these types need at least one of the listed limits. */
export const oneOfRequired: Partial<Record<RuleType, string[]>> = { "max-lines": ["max", "max_added", "max_deleted"] };

export const checkSchema = strict({
  run,
  timeout: duration.optional().describe("Default 10m; the host caps it at 60m."),
  verdict: verdict.optional().describe("Verdict when the check fails. Default: reject."),
  when_changed: pathList.optional().describe("Run only when a changed path matches; otherwise the check is skipped."),
  cwd: relPath.optional(),
  env: env.optional(),
}).meta({ id: "check" });

export const setupSchema = strict({
  run,
  timeout: duration.optional().describe("Default 10m; the host caps it at 60m."),
  cwd: relPath.optional(),
  env: env.optional(),
}).meta({ id: "setup" });

const workerSchema = strict({
  permission_mode: permissionMode.optional(),
  allow: z.array(toolRule).max(200).optional().describe("Replaces the inherited list."),
  deny: z.array(toolRule).max(200).optional().describe("Added to every other layer's deny list."),
  max_turns: wholeNumber(1, 1000).optional(),
  timeout: duration.optional(),
});

const worktreeFields = {
  copy: z.array(glob).max(100).optional().describe("Ignored files to copy from the host checkout, e.g. .env.local."),
  link: z.array(relPath).max(100).optional().describe("Ignored directories to symlink from the host checkout, e.g. a dependency cache."),
};

const versionSchema = z.literal(1, {
  error: (issue) => {
    const value = issue.input;
    if (typeof value === "number" && Number.isInteger(value) && value > 1) {
      return coded("INVALID_VALUE", `version ${value} is newer than this server, which reads version 1; upgrade code-worker`);
    }
    return coded("INVALID_VALUE", `must be the number 1, got ${describeVersion(value)}`);
  },
});

function describeVersion(value: unknown): string {
  return typeof value === "string" ? `the string "${value}"` : JSON.stringify(value) ?? String(value);
}

export const presetRefPattern = /^builtin:[a-z][a-z0-9-]{0,62}$/;
const presetRef = z.string().regex(presetRefPattern);
const description = z.string().max(500);

/** One file as the loader first sees it; rule, check and setup entries are validated one by one. */
export const layerSchema = strict({
  version: versionSchema,
  extends: z.unknown().optional(),
  description: description.optional(),
  rules: z.record(z.string(), z.unknown()).optional(),
  checks: z.record(z.string(), z.unknown()).optional(),
  worker: workerSchema.optional(),
  worktree: strict({ ...worktreeFields, setup: z.record(z.string(), z.unknown()).optional() }).optional(),
});

const namedRules = Object.fromEntries(ruleTypes.map((type) => [type, z.union([off, ruleSchemas[type]]).optional()]));
const customRule = z.xor(ruleTypes.map((type) => ruleSchemas[type])).describe('A rule under any other id; its "type" is required.');

/** The whole file, for editors. */
const policyFileSchema = strict({
  version: versionSchema.describe("Format version; 1 is the only valid value."),
  extends: z
    .union([presetRef, z.array(presetRef).min(1).max(3)])
    .optional()
    .describe("Shipped presets to start from, applied left to right, e.g. builtin:strict."),
  description: description.optional(),
  rules: z.object(namedRules).catchall(z.union([off, customRule])).optional(),
  checks: z.record(id, z.union([off, checkSchema])).optional(),
  worker: workerSchema.optional(),
  worktree: strict({ ...worktreeFields, setup: z.record(id, z.union([off, setupSchema])).optional() }).optional(),
}).meta({
  title: "code-worker policy (version 1)",
  description: "Decides whether a finished job is approved, needs review, or is rejected.",
});

/** policy.schema.json's exact text. */
export function policySchemaText(): string {
  return `${JSON.stringify(z.toJSONSchema(policyFileSchema, { target: "draft-7" }), null, 2)}\n`;
}
