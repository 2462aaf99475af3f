// Layering: presets left to right, then the repository's file, then the floor. Maps merge key by key,
// scalars and lists replace, "off" removes an entry, and worker.deny is the union of every layer
// (Claude Code merges its settings layers' rule lists the same way, and deny wins).
import { createHash } from "node:crypto";
import type { RuleVerdict } from "./fields.js";
import { ruleEntry, type RuleType } from "./rule-types/index.js";
import type { RuleInput } from "./schema.js";
import { durationSeconds } from "./sizes.js";
import type { Entry, Inherited, Layer } from "./validate.js";

export type RuleParams<T extends RuleType = RuleType> = Omit<RuleInput<T>, "type" | "verdict" | "reason">;

export type EffectiveRule = {
  [T in RuleType]: { id: string; type: T; verdict: RuleVerdict; reason?: string; params: RuleParams<T> };
}[RuleType];

export interface EffectiveCheck {
  run: string | string[];
  timeout_s: number;
  verdict: RuleVerdict;
  when_changed?: string[];
  cwd?: string;
  env?: Record<string, string>;
}

export type EffectiveSetup = Omit<EffectiveCheck, "verdict" | "when_changed">;

export interface EffectivePolicy {
  /** Inherited rules first, in the order the layers define them; the floor's last. */
  rules: EffectiveRule[];
  /** In run order: inherited first. */
  checks: Record<string, EffectiveCheck>;
  worker: {
    permission_mode?: "dontAsk" | "acceptEdits" | "default" | "plan";
    allow?: string[];
    deny: string[];
    max_turns?: number;
    timeout_s?: number;
    max_rounds?: number;
    fix_rounds?: number;
    max_cost_usd?: number;
  };
  worktree: { copy: string[]; link: string[]; setup: Record<string, EffectiveSetup> };
  /** "builtin:strict>repo sha256:3f2a9c01b7de": the layers, and a hash of the merged policy. */
  sources: string;
  /** Full sha256 of the merged policy, for job records. */
  hash: string;
}

export interface Merged {
  rules: Map<string, { type: RuleType; body: Entry; from: string }>;
  checks: Map<string, Entry>;
  setup: Map<string, Entry>;
  worker: Entry;
  deny: string[];
  copy?: string[];
  link?: string[];
}

const defaultCommandTimeout = "10m";

export function emptyMerged(): Merged {
  return { rules: new Map(), checks: new Map(), setup: new Map(), worker: {}, deny: [] };
}

export function inherited(merged: Merged): Inherited {
  return {
    rules: new Map([...merged.rules].map(([id, rule]) => [id, { type: rule.type, from: rule.from }])),
    checks: new Set(merged.checks.keys()),
    setup: new Set(merged.setup.keys()),
  };
}

export function mergeLayer(base: Merged, layer: Layer, label: string): Merged {
  const rules = new Map(base.rules);
  for (const [id, rule] of layer.rules) {
    if (rule === "off") {
      rules.delete(id);
      continue;
    }
    const below = rules.get(id);
    rules.set(id, below ? { ...below, body: mergeEntries(below.body, rule.body) } : { type: rule.type, body: rule.body, from: label });
  }
  const { deny, ...worker } = layer.worker ?? {};
  return {
    rules,
    checks: mergeMap(base.checks, layer.checks),
    setup: mergeMap(base.setup, layer.worktree?.setup ?? new Map()),
    worker: mergeEntries(base.worker, worker),
    deny: [...new Set([...base.deny, ...((deny as string[] | undefined) ?? [])])],
    copy: layer.worktree?.copy ?? base.copy,
    link: layer.worktree?.link ?? base.link,
  };
}

function mergeMap(base: Map<string, Entry>, over: Map<string, Entry | "off">): Map<string, Entry> {
  const merged = new Map(base);
  for (const [name, entry] of over) {
    if (entry === "off") merged.delete(name);
    else merged.set(name, mergeEntries(merged.get(name) ?? {}, entry));
  }
  return merged;
}

/** Maps merge key by key; anything else, lists included, replaces. */
function mergeEntries(base: Entry, over: Entry): Entry {
  const merged: Entry = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const below = merged[key];
    merged[key] = isMap(below) && isMap(value) ? mergeEntries(below, value) : value;
  }
  return merged;
}

function isMap(value: unknown): value is Entry {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function effectivePolicy(merged: Merged, labels: string[]): EffectivePolicy {
  const rules = [...merged.rules].map(([id, { type, body }]) => effectiveRule(id, type, body));
  const checks = Object.fromEntries(
    [...merged.checks].map(([name, check]) => [
      name,
      { ...command(check), verdict: (check.verdict as RuleVerdict) ?? "reject", ...pick(check, "when_changed") },
    ]),
  );
  const setup = Object.fromEntries([...merged.setup].map(([name, entry]) => [name, command(entry)]));
  const { timeout, ...worker } = merged.worker;
  const policy = {
    rules,
    checks,
    worker: { ...worker, deny: merged.deny, ...(timeout === undefined ? {} : { timeout_s: durationSeconds(timeout as string | number) }) },
    worktree: { copy: merged.copy ?? [], link: merged.link ?? [], setup },
  };
  const hash = createHash("sha256").update(JSON.stringify(policy)).digest("hex");
  return { ...(policy as Omit<EffectivePolicy, "sources" | "hash">), sources: `${labels.join(">")} sha256:${hash.slice(0, 12)}`, hash };
}

function effectiveRule(id: string, type: RuleType, body: Entry): EffectiveRule {
  const { verdict, reason, ...params } = body;
  const entry = ruleEntry(type);
  return {
    id,
    type,
    verdict: (verdict as RuleVerdict | undefined) ?? entry.verdict,
    ...(reason === undefined ? {} : { reason: reason as string }),
    params: { ...entry.defaults, ...params },
  } as EffectiveRule;
}

function command(entry: Entry): EffectiveSetup {
  const timeout = (entry.timeout as string | number | undefined) ?? defaultCommandTimeout;
  return {
    run: entry.run as string | string[],
    timeout_s: durationSeconds(timeout),
    ...pick(entry, "cwd"),
    ...pick(entry, "env"),
  } as EffectiveSetup;
}

function pick(entry: Entry, key: string): Entry {
  return entry[key] === undefined ? {} : { [key]: entry[key] };
}
