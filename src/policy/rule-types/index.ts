// Every rule type, one entry each. The policy schema, policy.schema.json, the loader's defaults and
// the evaluator read their rule types from here; add a type by adding its entry.
import { checksRan } from "./checks-ran.js";
import type { AnyRuleTypeEntry } from "./entry.js";
import { binaryFiles, submodules, symlinks } from "./file-kinds.js";
import { maxDeletedFiles, maxFileSize, maxFiles, maxLines } from "./limits.js";
import { lockfileSync } from "./lockfile-sync.js";
import { allowedPaths, forbiddenPaths, protectedPaths, testsRequired } from "./path-rules.js";
import { secrets } from "./secrets.js";

/** In the order the schema lists them. */
export const ruleRegistry = {
  "allowed-paths": allowedPaths,
  "forbidden-paths": forbiddenPaths,
  "protected-paths": protectedPaths,
  "max-files": maxFiles,
  "max-lines": maxLines,
  "max-deleted-files": maxDeletedFiles,
  "max-file-size": maxFileSize,
  "binary-files": binaryFiles,
  "lockfile-sync": lockfileSync,
  secrets,
  "tests-required": testsRequired,
  "checks-ran": checksRan,
  symlinks,
  submodules,
} satisfies Record<string, AnyRuleTypeEntry>;

export type RuleType = keyof typeof ruleRegistry;
export const ruleTypes = Object.keys(ruleRegistry) as RuleType[];

/** A type's entry without its parameter types, for code that handles every type alike. */
export function ruleEntry(type: RuleType): AnyRuleTypeEntry {
  return ruleRegistry[type];
}

export type { Finding, RuleContext } from "./entry.js";
