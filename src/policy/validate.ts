// One policy file, checked on its own terms plus what the layers below it define: a rule inherited
// from a preset may restate only the keys it changes, and keeps its type.
import type { z } from "zod";
import { idPattern } from "./fields.js";
import { pathMatcher } from "./paths.js";
import { describeValue, didYouMean, fromIssue, type KeyPath, type Problem } from "./problems.js";
import { ruleEntry, ruleTypes, type RuleType } from "./rule-types/index.js";
import { checkSchema, layerSchema, presetRefPattern, ruleSchemas, setupSchema } from "./schema.js";
import { durationSeconds, hostCommandCapS } from "./sizes.js";

export type Entry = Record<string, unknown>;

export interface Layer {
  rules: Map<string, { type: RuleType; body: Entry } | "off">;
  checks: Map<string, Entry | "off">;
  worker?: Entry;
  worktree?: { copy?: string[]; link?: string[]; setup: Map<string, Entry | "off"> };
}

export type LayerKind = "preset" | "repo" | "floor";

/** What the layers already merged below this one define, so it can extend them. */
export interface Inherited {
  rules: ReadonlyMap<string, { type: RuleType; from: string }>;
  checks: ReadonlySet<string>;
  setup: ReadonlySet<string>;
}

const limits = { rules: 100, checks: 20, setup: 20 };
const parseOptions = { reportInput: true };

export function validateLayer(value: Entry, kind: LayerKind, inherited: Inherited): { layer?: Layer; problems: Problem[] } {
  const problems: Problem[] = [];
  const top = layerSchema.safeParse(value, parseOptions);
  if (!top.success) top.error.issues.forEach((issue) => problems.push(...fromIssue(issue, [], value)));
  if (kind === "floor") problems.push(...floorOnly(value));

  const rules = new Map<string, { type: RuleType; body: Entry } | "off">();
  for (const [id, raw] of entries(value.rules, ["rules"], limits.rules, problems)) {
    const rule = validateRule(id, raw, kind, inherited, problems);
    if (rule) rules.set(id, rule);
  }
  const checks = new Map<string, Entry | "off">();
  for (const [name, raw] of entries(value.checks, ["checks"], limits.checks, problems)) {
    const check = validateCommand(["checks", name], raw, checkSchema, inherited.checks.has(name), problems);
    if (check) checks.set(name, check);
  }
  const worktree = isEntry(value.worktree) ? value.worktree : undefined;
  const setup = new Map<string, Entry | "off">();
  for (const [name, raw] of entries(worktree?.setup, ["worktree", "setup"], limits.setup, problems)) {
    const command = validateCommand(["worktree", "setup", name], raw, setupSchema, inherited.setup.has(name), problems);
    if (command) setup.set(name, command);
  }
  if (problems.length || !top.success) return { problems };
  const { worker, worktree: tree } = top.data;
  return { layer: { rules, checks, worker, worktree: tree && { copy: tree.copy, link: tree.link, setup } }, problems };
}

/** The floor adds rules and worker deny rules; everything else belongs to presets and repositories. */
function floorOnly(value: Entry): Problem[] {
  const extra = Object.keys(value).filter((key) => !["version", "description", "rules", "worker"].includes(key));
  const workerExtra = isEntry(value.worker) ? Object.keys(value.worker).filter((key) => key !== "deny") : [];
  return [
    ...extra.map((key) => ({ code: "FLOOR_ONLY", path: [], key, message: `the floor sets only rules and worker.deny, not "${key}"` })),
    ...workerExtra.map((key) => ({ code: "FLOOR_ONLY", path: ["worker"], key, message: `the floor sets only worker.deny, not "${key}"` })),
  ];
}

function entries(value: unknown, path: KeyPath, limit: number, problems: Problem[]): [string, unknown][] {
  if (!isEntry(value)) return [];
  const all = Object.entries(value);
  if (all.length > limit) problems.push({ code: "OUT_OF_RANGE", path, message: `has ${all.length} entries; the limit is ${limit}` });
  return all.filter(([id]) => {
    if (idPattern.test(id)) return true;
    problems.push({
      code: "BAD_ID",
      path,
      key: id,
      message: `"${id}" is not a valid id: use lower-case letters, digits and "-", starting with a letter`,
    });
    return false;
  });
}

function validateRule(id: string, raw: unknown, kind: LayerKind, inherited: Inherited, problems: Problem[]) {
  const path = ["rules", id];
  const reserved = id.startsWith("floor-");
  if (reserved !== (kind === "floor")) {
    const message = reserved ? `"floor-" ids are reserved for the host` : `floor rule ids start with "floor-"`;
    problems.push({ code: reserved ? "RESERVED_ID" : "BAD_ID", path, message });
    return undefined;
  }
  if (raw === "off") return "off" as const;
  if (!isEntry(raw)) {
    problems.push({ code: "INVALID_TYPE", path, message: `must be a rule (a mapping) or "off", got ${describeValue(raw)}` });
    return undefined;
  }
  const type = ruleType(id, raw, inherited, problems);
  if (!type) return undefined;
  const below = inherited.rules.get(id);
  const schema = below ? ruleSchemas[type].partial() : ruleSchemas[type];
  const parsed = (schema as z.ZodType<Entry>).safeParse(raw, parseOptions);
  if (!parsed.success) {
    parsed.error.issues.forEach((issue) => problems.push(...fromIssue(issue, path, raw)));
    return undefined;
  }
  const needOne = ruleEntry(type).oneOf;
  if (!below && needOne && !needOne.some((key) => raw[key] !== undefined)) {
    problems.push({ code: "REQUIRED", path, message: `needs at least one of ${needOne.map((k) => `"${k}"`).join(", ")}` });
    return undefined;
  }
  const { type: _, ...body } = parsed.data;
  return { type, body };
}

function ruleType(id: string, raw: Entry, inherited: Inherited, problems: Problem[]): RuleType | undefined {
  const path = ["rules", id];
  const explicit = raw.type;
  const below = inherited.rules.get(id);
  if (explicit !== undefined && !(ruleTypes as readonly unknown[]).includes(explicit)) {
    const shown = typeof explicit === "string" ? `"${explicit}"${didYouMean(explicit, ruleTypes)}` : describeValue(explicit);
    problems.push({
      code: "UNKNOWN_TYPE",
      path: [...path, "type"],
      message: `unknown rule type ${shown}; if it is newer than this server, upgrade code-worker`,
    });
    return undefined;
  }
  const named = (ruleTypes as readonly string[]).includes(id) ? (id as RuleType) : undefined;
  if (named && explicit !== undefined && explicit !== named) {
    problems.push({
      code: "INVALID_VALUE",
      path: [...path, "type"],
      message: `a rule with id "${id}" has that type; give a "${String(explicit)}" rule another id`,
    });
    return undefined;
  }
  const type = (explicit as RuleType | undefined) ?? named ?? below?.type;
  if (!type) {
    problems.push({
      code: "TYPE_REQUIRED",
      path,
      message: `"type" is required when the id is not a rule type${didYouMean(id, ruleTypes)}`,
    });
    return undefined;
  }
  if (below && below.type !== type) {
    problems.push({
      code: "TYPE_CHANGED",
      path: [...path, "type"],
      message: `is "${below.type}" in ${below.from}; a rule keeps its type across layers, so give this one another id`,
    });
    return undefined;
  }
  return type;
}

function validateCommand(
  path: KeyPath,
  raw: unknown,
  schema: typeof checkSchema | typeof setupSchema,
  inherited: boolean,
  problems: Problem[],
) {
  if (raw === "off") return "off" as const;
  if (!isEntry(raw)) {
    problems.push({ code: "INVALID_TYPE", path, message: `must be a mapping with "run", or "off", got ${describeValue(raw)}` });
    return undefined;
  }
  const parsed = (inherited ? schema.partial() : schema).safeParse(raw, parseOptions);
  if (!parsed.success) {
    parsed.error.issues.forEach((issue) => problems.push(...fromIssue(issue, path, raw)));
    return undefined;
  }
  const timeout = parsed.data.timeout;
  if (timeout !== undefined && durationSeconds(timeout) > hostCommandCapS) {
    problems.push({
      code: "BAD_DURATION",
      path: [...path, "timeout"],
      message: `${JSON.stringify(timeout)} is over the host's cap of 60m`,
    });
    return undefined;
  }
  return parsed.data as Entry;
}

/** The presets a file extends, in order; each must be a shipped preset other than the floor. */
export function readExtends(value: unknown, known: readonly string[]): { refs: string[]; problems: Problem[] } {
  if (value === undefined) return { refs: [], problems: [] };
  const list = typeof value === "string" ? [value] : value;
  const problem = (path: KeyPath, message: string) => ({ refs: [], problems: [{ code: "BAD_EXTENDS", path, message }] });
  if (!Array.isArray(list) || list.length === 0 || list.length > 3) {
    const got = Array.isArray(list) ? `${list.length} presets` : describeValue(value);
    return problem(["extends"], `must be "builtin:<name>" or a list of 1 to 3 of them, got ${got}`);
  }
  const refs: string[] = [];
  const problems: Problem[] = [];
  list.forEach((ref: unknown, i) => {
    const path = typeof value === "string" ? ["extends"] : ["extends", i];
    const message = extendsProblem(ref, known, refs);
    if (message) problems.push({ code: "BAD_EXTENDS", path, message });
    else refs.push((ref as string).slice("builtin:".length));
  });
  return { refs, problems };
}

function extendsProblem(ref: unknown, known: readonly string[], earlier: string[]): string | undefined {
  if (typeof ref !== "string") return `must be "builtin:<name>", got ${describeValue(ref)}`;
  const name = ref.slice("builtin:".length);
  const names = known.map((k) => `builtin:${k}`).join(", ");
  if (presetRefPattern.test(ref) && known.includes(name)) return earlier.includes(name) ? `"${ref}" is listed twice` : undefined;
  if (ref === "builtin:floor") return "the floor always applies and cannot be extended";
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(ref) || ref.includes("/"))
    return `takes builtin presets only (${names}); URLs and paths are not supported`;
  const bare = known.includes(ref)
    ? ` (did you mean "builtin:${ref}"?)`
    : didYouMean(
        ref,
        known.map((k) => `builtin:${k}`),
      );
  return `unknown preset "${ref}"${bare}; known: ${names}`;
}

function isEntry(value: unknown): value is Entry {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A layer's examples, tried against its rules as merged so far, like unit tests for the patterns. */
export function exampleProblems(layer: Layer, merged: ReadonlyMap<string, { body: Entry }>): Problem[] {
  const problems: Problem[] = [];
  for (const [id, rule] of layer.rules) {
    const examples = rule === "off" ? undefined : (rule.body.examples as { match?: string[]; not_match?: string[] } | undefined);
    const paths = merged.get(id)?.body.paths as string[] | undefined;
    if (!examples || !paths) continue;
    const matches = pathMatcher(paths);
    const check = (list: string[] | undefined, want: boolean, key: string) =>
      list?.forEach((example, i) => {
        if (matches(example) === want) return;
        const message = `"${example}" should ${want ? "" : "not "}match the rule's paths`;
        problems.push({ code: "BAD_EXAMPLE", path: ["rules", id, "examples", key, i], message });
      });
    check(examples.match, true, "match");
    check(examples.not_match, false, "not_match");
  }
  return problems;
}
