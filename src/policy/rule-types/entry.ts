// A rule type as one entry: its parameters, default verdict and parameter values, what it checks in
// one line, and how it finds a failure in a change. The zod schema, policy.schema.json, the loader's
// defaults and the evaluator are all built from the entries in ./index.ts.
import type { z } from "zod";
import type { ChangedFile, CheckOutcome } from "../../facts/change.js";
import type { RuleVerdict } from "../fields.js";

/**
 * The generic text, the items a reason lists (paths, or detector and file:line), and the paths for
 * the job record; no finding means the rule passed.
 */
export interface Finding {
  text: string;
  /** The text states numbers worth keeping next to a rule's own reason. */
  facts?: true;
  items: string[];
  paths: string[];
}

/** What a rule judges: the change, the checks' outcomes, and which checks the policy configures. */
export interface RuleContext {
  files: ChangedFile[];
  checks: CheckOutcome[];
  configuredChecks: string[];
}

type Shape = z.core.$ZodLooseShape;
type ParamsOf<S extends Shape> = z.output<z.ZodObject<S, z.core.$strict>>;
/** The parameters a rule is evaluated with: those with a default are always set. */
type WithDefaults<P, D> = P & Required<Pick<P, keyof D & keyof P>>;

export interface RuleTypeEntry<S extends Shape, D extends Partial<ParamsOf<S>>> {
  /** Completes "Fails when …": the one-line doc the JSON Schema shows. */
  fails: string;
  /** Applied when a rule sets none. */
  verdict: RuleVerdict;
  /** Each parameter's schema; every rule also takes type, verdict and reason. */
  params: S;
  /** Parameter values the loader fills in when no layer sets them. */
  defaults?: D;
  /** Where a rule is first defined it needs at least one of these. */
  oneOf?: (keyof S & string)[];
  find(params: WithDefaults<ParamsOf<S>, D>, context: RuleContext): Finding | undefined;
}

/** An entry with its parameter types erased, as code that handles every rule type alike sees it. */
export interface AnyRuleTypeEntry {
  fails: string;
  verdict: RuleVerdict;
  params: Shape;
  defaults?: object;
  oneOf?: string[];
  /** Method syntax on purpose: its parameter is checked both ways, so every typed entry fits. */
  find(params: object, context: RuleContext): Finding | undefined;
}

/** Declares an entry, typing `find`'s parameters from `params` and `defaults`. */
export function ruleType<S extends Shape, D extends Partial<ParamsOf<S>> = {}>(entry: RuleTypeEntry<S, D>): RuleTypeEntry<S, D> {
  return entry;
}

/** A finding over these paths, each once, or none. */
export function listed(text: string, paths: string[]): Finding | undefined {
  const unique = [...new Set(paths)];
  return unique.length ? { text, items: unique, paths: unique } : undefined;
}
