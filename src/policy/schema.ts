// The policy file format as zod schemas: the source of policy.schema.json and of the loader's checks.
// The loader validates rule and check entries one by one (it picks the schema by key or `type`);
// `policyFileSchema` composes the same pieces for editors. Rule types come from ./rule-types/.
import { z } from "zod";
import {
  duration,
  env,
  glob,
  id,
  off,
  pathList,
  permissionMode,
  reason,
  relPath,
  run,
  strict,
  toolRule,
  verdict,
  wholeNumber,
} from "./fields.js";
import { coded } from "./problems.js";
import { ruleRegistry, ruleTypes, type RuleType } from "./rule-types/index.js";

function ruleSchema<T extends RuleType>(type: T) {
  const { params, fails, verdict: byDefault } = ruleRegistry[type];
  const common = {
    type: z.literal(type).optional().describe("Required when the rule's key is not a type name."),
    verdict: verdict.optional(),
    reason: reason.optional(),
  };
  return strict({ ...common, ...params }).meta({
    id: `rule_${type.replaceAll("-", "_")}`,
    description: `Fails when ${fails}. Default verdict: ${byDefault}.`,
  });
}

type RuleSchemas = { [T in RuleType]: ReturnType<typeof ruleSchema<T>> };
export const ruleSchemas = Object.fromEntries(ruleTypes.map((type) => [type, ruleSchema(type)])) as RuleSchemas;
export type RuleInput<T extends RuleType = RuleType> = z.infer<RuleSchemas[T]>;

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
  max_rounds: wholeNumber(1, 50).optional().describe("Rounds a job may run in all (fix, follow-up, escalation); default 5."),
  fix_rounds: wholeNumber(0, 10).optional().describe("Rounds the runner starts by itself to fix failing checks; default 1."),
  max_cost_usd: z
    .number()
    .positive()
    .max(10_000)
    .optional()
    .describe("No further round once the job's rounds cost this much, as the provider reports it."),
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
  return typeof value === "string" ? `the string "${value}"` : (JSON.stringify(value) ?? String(value));
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
  rules: z
    .object(namedRules)
    .catchall(z.union([off, customRule]))
    .optional(),
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
