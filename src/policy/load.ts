// A repository's policy to the effective one: its presets resolved from policies/, its own file
// merged over them, the floor added. Every problem carries file:line:col, and nothing is evaluated
// until the whole stack is valid.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { UserError } from "../errors.js";
import { effectivePolicy, emptyMerged, inherited, mergeLayer, type EffectivePolicy } from "./layering.js";
import { parsePolicyText, type ParsedText } from "./parse.js";
import { formatProblem, type Problem } from "./problems.js";
import { exampleProblems, readExtends, validateLayer, type LayerKind } from "./validate.js";

export interface PolicySource {
  /** What problems show, e.g. ".code-worker/policy.yaml". */
  name: string;
  /** Bytes let the loader reject invalid UTF-8; a string is taken as already decoded. */
  text: string | Uint8Array;
}

export class PolicyError extends UserError {
  override name = "PolicyError";
  constructor(readonly problems: string[]) {
    super("policy_invalid", problems.length > 1 ? `${problems[0]} (and ${problems.length - 1} more)` : problems[0]!, { problems });
  }
}

export interface LoadOptions {
  /** Directory of the presets and floor.yaml; the repository's policies/ by default. */
  policiesDir?: string;
  /** A preset whose own layer goes over the repository's (not what it extends): run_patch's builtin:tiny limits. */
  overlay?: string;
}

/** Where a repository keeps its policy, read from the job's base commit. */
export const policyFileNames = [".code-worker/policy.yaml", ".code-worker/policy.yml"] as const;
const defaultPolicy = "strict";
const maxProblems = 20;
const presetDepth = 3;

/** Loads a repository's policy (none ⇒ builtin:strict), resolves extends and adds the floor. */
export function loadPolicy(repoFile: PolicySource | undefined, options: LoadOptions = {}): EffectivePolicy {
  const { policy, problems } = resolvePolicy(repoFile, options);
  if (!policy) throw new PolicyError(problems);
  return policy;
}

/** Validates one file with its presets and the floor, for `code-worker policy check`; [] when valid. */
export function checkPolicyFile(source: PolicySource, options: LoadOptions = {}): string[] {
  return resolvePolicy(source, options).problems;
}

/** The one policy file found at the base commit, if any; a repository may not have both spellings. */
export function pickPolicySource(found: PolicySource[]): PolicySource | undefined {
  if (found.length > 1) {
    const [first, second] = found;
    throw new PolicyError([`${second!.name}:1:1 [BOTH_FILES] both ${first!.name} and ${second!.name} exist; keep one`]);
  }
  return found[0];
}

interface PendingLayer {
  label: string;
  kind: LayerKind;
  name: string;
  parsed: ParsedText & { value: Record<string, unknown> };
}

interface Located {
  name: string;
  line: number;
  col: number;
  text: string;
}

/** What one resolution shares: where presets live, which exist, and the problems found so far. */
interface Resolution {
  dir: string;
  known: string[];
  located: Located[];
}

function resolvePolicy(repoFile: PolicySource | undefined, options: LoadOptions): { policy?: EffectivePolicy; problems: string[] } {
  const dir = options.policiesDir ?? fileURLToPath(new URL("../../../policies/", import.meta.url));
  const known = readdirSync(dir)
    .filter((file) => /^[a-z][a-z0-9-]*\.yaml$/.test(file) && file !== "floor.yaml")
    .map((file) => file.slice(0, -".yaml".length));
  const run: Resolution = { dir, known, located: [] };
  const layers = repoFile
    ? collect(run, "repo", "repo", repoFile, [])
    : collect(run, `builtin:${defaultPolicy}`, "preset", preset(run, defaultPolicy), [defaultPolicy]);
  if (options.overlay) layers.push(...ownLayer(run, options.overlay));
  layers.push(...collect(run, "floor", "floor", preset(run, "floor"), []));

  let merged = emptyMerged();
  for (const layer of layers) {
    const { layer: valid, problems } = validateLayer(layer.parsed.value, layer.kind, inherited(merged));
    report(run, layer.name, layer.parsed, problems);
    if (!valid) continue;
    merged = mergeLayer(merged, valid, layer.label);
    report(run, layer.name, layer.parsed, exampleProblems(valid, merged.rules));
  }
  if (run.located.length) return { problems: inFileOrder(run.located).slice(0, maxProblems) };
  const labels = layers.filter((layer) => layer.kind !== "floor").map((layer) => layer.label);
  return { policy: effectivePolicy(merged, labels), problems: [] };
}

/** A file and, before it, the presets it extends, recursively and in order. */
function collect(run: Resolution, label: string, kind: LayerKind, source: PolicySource, chain: string[]): PendingLayer[] {
  const parsed = kind === "repo" ? parsePolicyText(source.name, source.text) : parsedPreset(source);
  if (!parsed.value) {
    report(run, source.name, parsed, parsed.problems);
    return [];
  }
  const extendsValue = kind === "floor" ? undefined : parsed.value.extends;
  const { refs, problems } = readExtends(extendsValue, run.known);
  report(run, source.name, parsed, problems);
  const below = refs.flatMap((ref, i): PendingLayer[] => {
    const path = typeof extendsValue === "string" ? ["extends"] : ["extends", i];
    const refuse = (message: string): PendingLayer[] => {
      report(run, source.name, parsed, [{ code: "BAD_EXTENDS", path, message }]);
      return [];
    };
    if (chain.includes(ref)) return refuse(`builtin:${ref} extends itself through ${chain.map((c) => `builtin:${c}`).join(" > ")}`);
    if (chain.length >= presetDepth) return refuse(`presets may extend presets at most ${presetDepth} deep`);
    return collect(run, `builtin:${ref}`, "preset", preset(run, ref), [...chain, ref]);
  });
  return [...below, { label, kind, name: source.name, parsed: parsed as PendingLayer["parsed"] }];
}

/** A preset's own settings, without the presets it extends (those would undo the repository's). */
function ownLayer(run: Resolution, name: string): PendingLayer[] {
  const source = preset(run, name);
  const parsed = parsedPreset(source);
  if (!parsed.value) {
    report(run, source.name, parsed, parsed.problems);
    return [];
  }
  return [{ label: `builtin:${name}`, kind: "preset", name: source.name, parsed: parsed as PendingLayer["parsed"] }];
}

/** Preset texts already parsed in this process, by name and bytes: a runner started ahead parses them before its job. */
const presetsParsed = new Map<string, ParsedText>();

/** A preset's text parsed once per process; the value is frozen, since every later load shares it. */
function parsedPreset(source: PolicySource): ParsedText {
  const key = `${source.name}\0${Buffer.from(source.text).toString("latin1")}`;
  const known = presetsParsed.get(key);
  if (known) return known;
  const parsed = parsePolicyText(source.name, source.text);
  if (parsed.value) deepFreeze(parsed.value);
  presetsParsed.set(key, parsed);
  return parsed;
}

function deepFreeze(value: unknown): void {
  if (typeof value !== "object" || value === null || Object.isFrozen(value)) return;
  Object.freeze(value);
  for (const inner of Object.values(value)) deepFreeze(inner);
}

function preset(run: Resolution, name: string): PolicySource {
  return { name: `policies/${name}.yaml`, text: readFileSync(join(run.dir, `${name}.yaml`)) };
}

function report(run: Resolution, name: string, parsed: ParsedText, problems: Problem[]): void {
  for (const problem of problems) {
    const { line, col } = parsed.position(problem);
    run.located.push({ name, line, col, text: formatProblem(name, line, col, problem) });
  }
}

/** Each file's problems top to bottom, files in the order they first reported one, without repeats. */
function inFileOrder(located: Located[]): string[] {
  const files = [...new Set(located.map((problem) => problem.name))];
  const sorted = located
    .map((problem, i) => ({ ...problem, i }))
    .sort((a, b) => files.indexOf(a.name) - files.indexOf(b.name) || a.line - b.line || a.col - b.col || a.i - b.i);
  // One bad value can fail two checks of the same schema with the same explanation.
  return [...new Set(sorted.map((problem) => problem.text))];
}
