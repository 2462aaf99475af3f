// The rule-type registry as the one source of each type: the README lists exactly its types, each
// entry's defaults and "one of" requirement name parameters the entry has, and the loader applies them.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import type { z } from "zod";
import { loadPolicy } from "../src/policy/load.js";
import { ruleEntry, ruleTypes } from "../src/policy/rule-types/index.js";

const readme = readFileSync(fileURLToPath(new URL("../../README.md", import.meta.url)), "utf8");

test("the README's Rules paragraph names every rule type in the registry and no other", () => {
  const paragraph = /^- \*\*Rules\*\*[\s\S]*?(?=^- \*\*)/m.exec(readme)?.[0];
  assert.ok(paragraph, 'README.md has a "- **Rules**" bullet under Policy');
  const named = [...paragraph.matchAll(/`([a-z][a-z-]*)`/g)].map((match) => match[1]);
  assert.deepEqual([...new Set(named)].sort(), [...ruleTypes].sort());
});

test("each entry's defaults and one-of keys are its own parameters, and the defaults pass their schemas", () => {
  for (const type of ruleTypes) {
    const { params, defaults = {}, oneOf = [] } = ruleEntry(type);
    for (const key of oneOf) assert.ok(key in params, `${type}: oneOf names "${key}"`);
    for (const [key, value] of Object.entries(defaults)) {
      const schema = params[key] as z.ZodType | undefined;
      assert.ok(schema?.safeParse(value).success, `${type}: default ${key}=${JSON.stringify(value)}`);
    }
  }
});

test("a type's defaults and verdict reach the effective rule", () => {
  const policy = loadPolicy({ name: "p.yaml", text: "version: 1\nrules:\n  checks-ran: {}\n  secrets: {}\n" });
  const rule = (id: string) => policy.rules.find((r) => r.id === id);
  assert.deepEqual([rule("checks-ran")?.params, rule("checks-ran")?.verdict], [{ min: 1 }, "review"]);
  assert.deepEqual([rule("secrets")?.params, rule("secrets")?.verdict], [{ detectors: "all" }, "reject"]);
});
