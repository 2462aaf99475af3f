// The verdict over a finished change: every rule and check that failed, the most severe verdict, and
// a reason per failure that names the rule to edit. Fails closed: a rule that throws or runs out of
// time yields review, and a check that should have run but reported nothing does too.
import type { ChangedFile, CheckOutcome } from "../facts/change.js";
import type { EffectivePolicy, EffectiveRule } from "./layering.js";
import { pathMatcher } from "./paths.js";
import { pathEvents } from "./path-events.js";
import { ruleEntry, type Finding, type RuleContext } from "./rule-types/index.js";
import { formatSeconds } from "./sizes.js";
import { TimeLimitError, timeLimiter } from "./time-limit.js";

export interface PolicyVerdict {
  verdict: "approve" | "review" | "reject";
  /** "<rule or check>: <one line>", rejects first, at most 5. */
  reasons: string[];
  /** Reasons left out. */
  more?: number;
}

export interface FiredRule {
  /** The rule id, or the check name. */
  rule: string;
  /** The rule type, or "check". */
  type: string;
  verdict: "review" | "reject";
  reason: string;
  paths: string[];
}

export interface EvaluateOptions {
  /** Wall-clock limit for each rule; over it, the rule yields review. */
  ruleBudgetMs?: number;
}

const reasonMax = 120;
const maxReasons = 5;
const verdictBudget = 800;
const itemsShown = 2;

export function evaluatePolicy(
  policy: EffectivePolicy,
  files: ChangedFile[],
  checks: CheckOutcome[],
  options: EvaluateOptions = {},
): { verdict: PolicyVerdict; fired: FiredRule[] } {
  const withinLimit = timeLimiter();
  const budget = options.ruleBudgetMs ?? 5000;
  const context: RuleContext = { files, checks, configuredChecks: Object.keys(policy.checks) };
  const find = (rule: EffectiveRule): Found => {
    try {
      return { ok: true, finding: ruleEntry(rule.type).find(rule.params, context) };
    } catch (error) {
      return { ok: false, error };
    }
  };
  // Every rule inside one limit first: each limited call costs a watchdog thread. All of them done
  // within one rule's budget means each was; only past it is each rule timed on its own, to say which.
  let found: Found[];
  try {
    found = withinLimit(budget, () => policy.rules.map(find));
  } catch (error) {
    if (!(error instanceof TimeLimitError)) throw error;
    found = policy.rules.map((rule) => {
      try {
        return withinLimit(budget, () => find(rule));
      } catch (error) {
        return { ok: false, error };
      }
    });
  }
  const fired = policy.rules.flatMap((rule, i): FiredRule[] => {
    const outcome = found[i]!;
    const fire = (verdict: FiredRule["verdict"], reason: string | undefined, finding: Finding): FiredRule[] => [
      { rule: rule.id, type: rule.type, verdict, reason: reasonLine(rule.id, reason, finding), paths: finding.paths },
    ];
    if (!outcome.ok) return fire("review", undefined, { text: failureText(rule, outcome.error, budget), items: [], paths: [] });
    return outcome.finding ? fire(rule.verdict, rule.reason, outcome.finding) : [];
  });
  fired.push(...checkFailures(policy, files, checks));
  return { verdict: summarize(fired), fired };
}

/** One rule's outcome: what it found (nothing: it did not fire), or why it could not say. */
type Found = { ok: true; finding: Finding | undefined } | { ok: false; error: unknown };

function failureText(rule: EffectiveRule, error: unknown, budgetMs: number): string {
  if (error instanceof TimeLimitError) {
    return `did not finish within ${budgetMs < 1000 ? `${budgetMs}ms` : formatSeconds(budgetMs / 1000)}; review by hand`;
  }
  return `could not be evaluated (${rule.type}): ${printable(String((error as Error).message ?? error))}`;
}

/** Which checks run for these changes; a check whose when_changed matches nothing is skipped. */
export function checksToRun(
  policy: EffectivePolicy,
  files: ChangedFile[],
): { name: string; run: string | string[]; timeout_s: number; cwd?: string; env?: Record<string, string> }[] {
  const paths = pathEvents(files).map((event) => event.path);
  return Object.entries(policy.checks)
    .filter(([, check]) => !check.when_changed || paths.some(pathMatcher(check.when_changed)))
    .map(([name, { run, timeout_s, cwd, env }]) => ({ name, run, timeout_s, ...(cwd ? { cwd } : {}), ...(env ? { env } : {}) }));
}

function checkFailures(policy: EffectivePolicy, files: ChangedFile[], outcomes: CheckOutcome[]): FiredRule[] {
  const expected = new Set(checksToRun(policy, files).map((check) => check.name));
  return Object.entries(policy.checks).flatMap(([name, check]): FiredRule[] => {
    const outcome = outcomes.find((o) => o.name === name);
    const fail = (verdict: FiredRule["verdict"], text: string) => [
      { rule: name, type: "check", verdict, reason: reasonLine(`check ${name}`, undefined, { text, items: [], paths: [] }), paths: [] },
    ];
    if (!outcome) return expected.has(name) ? fail("review", "no outcome was reported") : [];
    const after = outcome.duration_s === undefined ? "" : ` after ${formatSeconds(outcome.duration_s)}`;
    switch (outcome.outcome) {
      case "fail":
        return fail(check.verdict, `${outcome.exit_code === undefined ? "failed" : `exit ${outcome.exit_code}`}${after}`);
      case "timeout":
        return fail(check.verdict, `timed out${after}`);
      case "error":
        return fail(check.verdict, "could not run");
      default:
        return [];
    }
  });
}

/** "<label>: <reason or generic text>: <item>, <item> +N more", cut to 120 characters. */
export function reasonLine(label: string, reason: string | undefined, finding: Finding): string {
  const head = reason === undefined ? finding.text : finding.facts ? `${reason} (${finding.text})` : reason;
  const items = finding.items.map(printable);
  const line = (shown: number) => {
    if (!items.length) return `${label}: ${head}`;
    const more = items.length > shown ? ` +${items.length - shown} more` : "";
    return `${label}: ${head}: ${items.slice(0, shown).join(", ")}${more}`;
  };
  const full = line(itemsShown);
  if ([...full].length <= reasonMax) return full;
  const shorter = [...line(1)];
  return shorter.length <= reasonMax ? shorter.join("") : `${shorter.slice(0, reasonMax - 1).join("")}…`;
}

/** Most severe verdict; rejects' reasons first; as many reasons as fit 5 and 800 bytes. */
/** The most severe verdict among fired rules and checks, and their reasons, rejects first, within the budget. */
export function summarize(fired: FiredRule[]): PolicyVerdict {
  const verdict = fired.some((f) => f.verdict === "reject") ? "reject" : fired.length ? "review" : "approve";
  const ordered = [...fired.filter((f) => f.verdict === "reject"), ...fired.filter((f) => f.verdict === "review")].map((f) => f.reason);
  const shown = ordered.slice(0, maxReasons);
  const result = (): PolicyVerdict => ({
    verdict,
    reasons: shown,
    ...(ordered.length > shown.length ? { more: ordered.length - shown.length } : {}),
  });
  while (Buffer.byteLength(JSON.stringify(result())) >= verdictBudget) shown.pop();
  return result();
}

/** Control characters (a path may hold a newline) would break the one-line reason. */
export function printable(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f]/g, "?");
}
