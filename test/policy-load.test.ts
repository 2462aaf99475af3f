// The policy loader: every refusal with its file:line:col and code, layering, the shipped presets and
// the committed JSON Schema.
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { errorJson } from "../src/errors.js";
import { checkPolicyFile, loadPolicy, pickPolicySource, PolicyError, type LoadOptions } from "../src/policy/load.js";
import { globPattern, globProblem } from "../src/policy/paths.js";
import { policySchemaText } from "../src/policy/schema.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
const policiesDir = join(root, "policies");
const check = (text: string | Uint8Array, options?: LoadOptions) => checkPolicyFile({ name: "p.yaml", text }, options);

function assertProblem(text: string | Uint8Array, expected: string | RegExp, options?: LoadOptions) {
  const found = check(text, options);
  const hit = found.some((problem) => (typeof expected === "string" ? problem === expected : expected.test(problem)));
  assert.ok(hit, `expected ${String(expected)}\ngot:\n${found.join("\n") || "(no problems)"}`);
}

test("hostile or broken text is refused before it is evaluated, with file:line:col", () => {
  const cases: [string, string | Uint8Array, string | RegExp][] = [
    ["over 64 KiB", `version: 1\n${"#".repeat(70_000)}`, "p.yaml:1:1 [TOO_LARGE] p.yaml is 68KiB; the limit is 64KiB"],
    ["NUL byte", "version: 1\nx: a\u0000b\n", "p.yaml:2:5 [NUL_BYTE] contains a NUL byte; a policy is a text file"],
    [
      "invalid UTF-8",
      new Uint8Array([...Buffer.from("version: 1\nx: "), 0xff, 0x0a]),
      "p.yaml:2:4 [BAD_UTF8] is not valid UTF-8; save the file as UTF-8",
    ],
    ["lone surrogate", "version: 1\nx: \uD800\n", /^p\.yaml:2:4 \[BAD_UTF8\]/],
    ["empty", "", 'p.yaml:1:1 [NOT_A_MAPPING] expected a mapping with "version: 1"; the file is empty'],
    ["a list", "- a\n", 'p.yaml:1:1 [NOT_A_MAPPING] expected a mapping with "version: 1"; got a list'],
    ["bad indentation", "version: 1\nrules:\n  a: 1\n b: 2\n", "p.yaml:4:1 [BAD_INDENT] all mapping items must start at the same column"],
    ["tab indentation", "version: 1\nrules:\n\tmax-files: {max: 1}\n", /^p\.yaml:3:1 \[TAB_AS_INDENT\]/],
    ["unclosed flow", "version: 1\nworker: {allow: [Read\n", /^p\.yaml:\d+:\d+ \[[A-Z_]+\]/],
    ["two documents", "version: 1\n---\nversion: 1\n", 'p.yaml:2:1 [MULTIPLE_DOCS] a policy is one YAML document; remove the second "---"'],
    [
      "duplicate key",
      "version: 1\nrules:\n  max-files: {max: 1}\n  max-files: {max: 2}\n",
      'p.yaml:4:3 [DUPLICATE_KEY] duplicate key "max-files"',
    ],
    ["anchor", "version: 1\ndescription: &d x\n", "p.yaml:2:14 [ALIAS] anchors and aliases are not supported; write the value out"],
    ["alias", "version: 1\nworker:\n  deny: *x\n", "p.yaml:3:9 [ALIAS] anchors and aliases are not supported; write the value out"],
    ["merge key", "version: 1\nrules:\n  <<: {a: 1}\n", 'p.yaml:3:3 [MERGE_KEY] merge keys ("<<") are not supported; write the keys out'],
    ["standard tag", "version: !!int 1\n", "p.yaml:1:10 [TAG] YAML tags are not supported"],
    ["custom tag", "version: 1\ndescription: !js/function bar\n", "p.yaml:2:14 [TAG] YAML tags are not supported"],
    ["non-string key", "version: 1\n? [a, b]\n: c\n", "p.yaml:2:3 [NON_STRING_KEY] keys must be plain strings"],
    ["directive", "%YAML 1.1\n---\nversion: 1\n", "p.yaml:1:1 [DIRECTIVE] YAML directives (%YAML, %TAG) are not supported"],
    ["too deep", `version: 1\ndescription: ${"[".repeat(20)}${"]".repeat(20)}\n`, "p.yaml:2:29 [TOO_DEEP] is nested deeper than 16 levels"],
    [
      "too many nodes",
      `version: 1\ndescription: [${"1,".repeat(6000)}]\n`,
      /^p\.yaml:2:\d+ \[TOO_MANY_NODES\] has more than 5000 YAML nodes$/,
    ],
  ];
  for (const [label, text, expected] of cases) {
    const found = check(text);
    assert.ok(found.length > 0, label);
    const first = found[0]!;
    assert.ok(typeof expected === "string" ? first === expected : expected.test(first), `${label}: ${first}`);
  }
});

test("alias bombs and deep nesting are refused quickly and never expanded", () => {
  const bomb = ["version: 1", "a: &a [x, x, x, x, x, x, x, x, x]"];
  for (let i = 1; i < 9; i++)
    bomb.push(
      `${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9)
        .fill(`*${String.fromCharCode(96 + i)}`)
        .join(", ")}]`,
    );
  const nested = `version: 1\ndescription: ${"[".repeat(30_000)}${"]".repeat(30_000)}\n`;
  const dashes = `version: 1\ndescription:\n  ${"- ".repeat(30_000)}x\n`;
  for (const [text, code] of [
    [bomb.join("\n"), "ALIAS"],
    [nested, "TOO_DEEP"],
    [dashes, "TOO_DEEP"],
  ] as const) {
    const started = performance.now();
    const [first] = check(text);
    assert.match(first!, new RegExp(`\\[${code}\\]`));
    assert.ok(performance.now() - started < 2000, `${code} took ${performance.now() - started} ms`);
  }
});

test("schema problems name the key path, the bad value and the fix", () => {
  const rules = (body: string) => `version: 1\nrules:\n${body}`;
  const cases: [string, string | RegExp][] = [
    ["version: 1\nrule: {}\n", 'p.yaml:2:1 [UNKNOWN_KEY] unknown key "rule" (did you mean "rules"?)'],
    [rules("  max-files: { max: 3, maxx: 4 }\n"), 'p.yaml:3:24 [UNKNOWN_KEY] rules.max-files: unknown key "maxx" (did you mean "max"?)'],
    ["rules: {}\n", 'p.yaml:1:1 [REQUIRED] version: is required: start the file with "version: 1"'],
    ['version: "1"\n', 'p.yaml:1:10 [INVALID_VALUE] version: must be the number 1, got the string "1"'],
    [
      "version: 2\n",
      "p.yaml:1:10 [INVALID_VALUE] version: version 2 is newer than this server, which reads version 1; upgrade code-worker",
    ],
    [rules("  infra: { paths: [infra/] }\n"), 'p.yaml:3:10 [TYPE_REQUIRED] rules.infra: "type" is required when the id is not a rule type'],
    [
      rules("  max-file: { max: 3 }\n"),
      'p.yaml:3:13 [TYPE_REQUIRED] rules.max-file: "type" is required when the id is not a rule type (did you mean "max-files"?)',
    ],
    [
      rules("  infra: { type: protected-path, paths: [infra/] }\n"),
      'p.yaml:3:18 [UNKNOWN_TYPE] rules.infra.type: unknown rule type "protected-path" (did you mean "protected-paths"?); if it is newer than this server, upgrade code-worker',
    ],
    [
      rules("  max-files: { type: max-lines, max: 1 }\n"),
      'p.yaml:3:22 [INVALID_VALUE] rules.max-files.type: a rule with id "max-files" has that type; give a "max-lines" rule another id',
    ],
    [
      rules("  max-files: { max: forty }\n"),
      'p.yaml:3:21 [INVALID_TYPE] rules.max-files.max: must be a whole number, got the string "forty"',
    ],
    [rules("  max-files: { max: -1 }\n"), "p.yaml:3:21 [OUT_OF_RANGE] rules.max-files.max: must be at least 0, got -1"],
    [rules("  max-files: { max: 2.5 }\n"), "p.yaml:3:21 [INVALID_TYPE] rules.max-files.max: must be a whole number, got 2.5"],
    [rules("  max-files: { max: .inf }\n"), "p.yaml:3:21 [INVALID_TYPE] rules.max-files.max: must be a whole number, got .inf"],
    [
      rules("  max-files: { max: 1, verdict: approve }\n"),
      /\[INVALID_VALUE\] rules\.max-files\.verdict: must be "review" or "reject", got the string "approve"; a failed rule cannot approve/,
    ],
    [rules("  max-files: on\n"), 'p.yaml:3:14 [INVALID_TYPE] rules.max-files: must be a rule (a mapping) or "off", got the string "on"'],
    [
      rules("  max-lines: { exclude: [a] }\n"),
      'p.yaml:3:14 [REQUIRED] rules.max-lines: needs at least one of "max", "max_added", "max_deleted"',
    ],
    [
      rules("  protected-paths: { paths: [a], on: [created] }\n"),
      /\[INVALID_VALUE\] rules\.protected-paths\.on\[0\]: must be "added", "modified", "deleted" or "renamed", got the string "created"$/,
    ],
    [rules("  Bad_Id: off\n"), /^p\.yaml:3:3 \[BAD_ID\] rules: "Bad_Id" is not a valid id/],
    [rules("  floor-secrets: off\n"), 'p.yaml:3:18 [RESERVED_ID] rules.floor-secrets: "floor-" ids are reserved for the host'],
    [rules('  max-files: { max: 1, reason: "two\\nlines" }\n'), "p.yaml:3:32 [INVALID_VALUE] rules.max-files.reason: must be one line"],
    ["version: 1\nrules: [a]\n", "p.yaml:2:8 [INVALID_TYPE] rules: must be a mapping, got a list"],
    [
      rules(Array.from({ length: 101 }, (_, i) => `  r${i}: off\n`).join("")),
      "p.yaml:3:3 [OUT_OF_RANGE] rules: has 101 entries; the limit is 100",
    ],
  ];
  for (const [text, expected] of cases) assertProblem(text, expected);
});

test("sizes, durations, commands, environments and tool rules are checked with their fix", () => {
  const cases: [string, string | RegExp][] = [
    [
      "rules:\n  max-file-size: { max: 1.5MB }",
      'p.yaml:3:25 [BAD_SIZE] rules.max-file-size.max: use a whole number and B, KB, KiB, MB, MiB, GB or GiB, e.g. "512KiB", got the string "1.5MB"',
    ],
    [
      "rules:\n  max-file-size: { max: 0 }",
      "p.yaml:3:25 [BAD_SIZE] rules.max-file-size.max: must be a whole number of bytes of at least 1, got 0",
    ],
    [
      "checks:\n  unit: { run: x, timeout: 5 minutes }",
      'p.yaml:3:28 [BAD_DURATION] checks.unit.timeout: use s, m or h, e.g. "10m", got the string "5 minutes"',
    ],
    ["checks:\n  unit: { run: x, timeout: 2h }", 'p.yaml:3:28 [BAD_DURATION] checks.unit.timeout: "2h" is over the host\'s cap of 60m'],
    ["worker: { timeout: 25h }", 'p.yaml:2:20 [BAD_DURATION] worker.timeout: must be at most 24h, got "25h"'],
    ["worker: { timeout: 0 }", /\[BAD_DURATION\] worker\.timeout: must be whole seconds of at least 1/],
    ['checks:\n  unit: { run: "" }', "p.yaml:3:16 [BAD_COMMAND] checks.unit.run: must not be empty"],
    ['checks:\n  unit: { run: [npx, ""] }', "p.yaml:3:22 [BAD_COMMAND] checks.unit.run[1]: must not be empty"],
    ['checks:\n  unit: { run: "a\\0b" }', "p.yaml:3:16 [BAD_COMMAND] checks.unit.run: contains a NUL byte"],
    ["checks:\n  unit: { run: 5 }", "p.yaml:3:16 [BAD_COMMAND] checks.unit.run: must be a command string or a list of arguments, got 5"],
    ["checks:\n  unit: { timeout: 5m }", "p.yaml:3:9 [REQUIRED] checks.unit.run: is required"],
    ["checks:\n  unit: { run: x, cwd: /srv }", /\[BAD_PATH\] checks\.unit\.cwd: must stay inside the repository/],
    ["checks:\n  unit: { run: x, cwd: a/../.. }", 'p.yaml:3:24 [BAD_PATH] checks.unit.cwd: ".." cannot leave the repository'],
    [
      "checks:\n  unit: { run: x, env: { foo: bar } }",
      /^p\.yaml:3:26 \[BAD_ENV\] checks\.unit\.env: environment variable names are A-Z, 0-9 and _.*got "foo"$/,
    ],
    ['worker:\n  deny: ["Bash(git push:*"]', 'p.yaml:3:10 [BAD_TOOL_RULE] worker.deny[0]: unbalanced "(" in "Bash(git push:*"'],
    [
      "worker:\n  allow: [bypassPermissions]",
      "p.yaml:3:11 [BAD_TOOL_RULE] worker.allow[0]: bypassPermissions is a host setting, never a policy one",
    ],
    ['worker:\n  allow: ["Bash()"]', /\[BAD_TOOL_RULE\] worker\.allow\[0\]: empty "\(\)" in "Bash\(\)"/],
    ['worker:\n  allow: ["Bash(a\\tb)"]', "p.yaml:3:11 [BAD_TOOL_RULE] worker.allow[0]: contains a control character"],
    [
      "worker:\n  permission_mode: bypassPermissions",
      "p.yaml:3:20 [INVALID_VALUE] worker.permission_mode: bypassPermissions is a host setting, never a policy one",
    ],
    ["worker:\n  max_turns: 0", "p.yaml:3:14 [OUT_OF_RANGE] worker.max_turns: must be at least 1, got 0"],
    ["worktree:\n  link: [node_modules/]", 'p.yaml:3:10 [BAD_PATH] worktree.link[0]: drop the trailing "/" from "node_modules/"'],
    ["worktree:\n  copy: [../.env]", 'p.yaml:3:10 [BAD_GLOB] worktree.copy[0]: ".." cannot leave the repository'],
    [
      "worktree:\n  setup:\n    deps: { run: npm ci, timeout: 61m }",
      'p.yaml:4:35 [BAD_DURATION] worktree.setup.deps.timeout: "61m" is over the host\'s cap of 60m',
    ],
    ["worktree:\n  setup:\n    deps: { timeout: 1m }", "p.yaml:4:11 [REQUIRED] worktree.setup.deps.run: is required"],
  ];
  for (const [body, expected] of cases) assertProblem(`version: 1\n${body}\n`, expected);
});

test("globs must stay in the repository and mean what gitignore means", () => {
  const bad: [string, string][] = [
    ["", "must not be empty"],
    ["!", '"!" alone matches nothing; write "!" and a pattern to exclude, e.g. "!*.md"'],
    [" src/", 'remove the spaces at the start or end of " src/"'],
    ["src/ ", 'remove the spaces at the start or end of "src/ "'],
    ["src\\a", '"\\" is not a separator here; use "/" in "src\\a"'],
    ["a\u0001b", "contains a control character"],
    ["*.{ts,js}", 'gitignore has no braces; write one pattern per alternative instead of "*.{ts,js}"'],
    ["a[b", 'unclosed "[" in "a[b"'],
    ["../x", '".." cannot leave the repository'],
    ["!src/../../x", '".." cannot leave the repository'],
    ["./src", '"." segments are not needed; drop "./" from "./src"'],
    ["~/x", '"~" is not expanded; paths are relative to the repository root'],
    ["C:/x", "drive letters are not allowed; paths are relative to the repository root"],
    ["#x", 'a pattern cannot start with "#" (gitignore reads it as a comment); write "[#]x"'],
    ["a//b", '"//" makes an empty path segment in "a//b"'],
    ["/", '"/" alone matches nothing; name a directory, e.g. "/src/"'],
  ];
  for (const [glob, message] of bad) {
    assert.equal(globPattern.test(glob), false, glob);
    assert.equal(globProblem(glob), message, glob);
  }
  const good = ["src/", "/src/", "!*.md", "**/*.ts", "[a-z].txt", ".env.*", "a b", "src/**/x", ".github/", "!/dist/"];
  for (const glob of good) assert.equal(globPattern.test(glob), true, glob);
  const text = `version: 1\nrules:\n  generated:\n    type: forbidden-paths\n    paths: ["dist/", "{a,b}"]\n`;
  assertProblem(
    text,
    'p.yaml:5:22 [BAD_GLOB] rules.generated.paths[1]: gitignore has no braces; write one pattern per alternative instead of "{a,b}"',
  );
});

test("examples, regular expressions and detectors are checked when the policy loads", () => {
  const generated = `version: 1\nrules:\n  generated:\n    type: forbidden-paths\n    paths: ["dist/", "src/generated/"]\n    examples: { match: [src/generated/api.ts, lib/index.js], not_match: [src/generator.ts, dist/x] }\n`;
  assert.deepEqual(check(generated), [
    `p.yaml:6:47 [BAD_EXAMPLE] rules.generated.examples.match[1]: "lib/index.js" should match the rule's paths`,
    `p.yaml:6:92 [BAD_EXAMPLE] rules.generated.examples.not_match[1]: "dist/x" should not match the rule's paths`,
  ]);
  const secrets = (body: string) => `version: 1\nrules:\n  secrets: ${body}\n`;
  const cases: [string, string | RegExp][] = [
    [
      secrets('{ custom: [{ id: x, regex: "(" }] }'),
      /^p\.yaml:3:39 \[BAD_REGEX\] rules\.secrets\.custom\[0\]\.regex: is not a valid regular expression: .*Unterminated group$/,
    ],
    [
      secrets('{ custom: [{ id: x, regex: "a*" }] }'),
      "p.yaml:3:39 [BAD_REGEX] rules.secrets.custom[0].regex: matches the empty string, so it would match every line",
    ],
    [
      secrets(`{ custom: [{ id: x, regex: "${"a".repeat(600)}" }] }`),
      "p.yaml:3:39 [OUT_OF_RANGE] rules.secrets.custom[0].regex: is longer than 512 characters",
    ],
    [
      secrets('{ allow: { patterns: ["[z-a]"] } }'),
      /^p\.yaml:3:34 \[BAD_REGEX\] rules\.secrets\.allow\.patterns\[0\]: is not a valid regular expression/,
    ],
    [
      secrets('{ custom: [{ id: github-token, regex: "x+" }] }'),
      'p.yaml:3:29 [INVALID_VALUE] rules.secrets.custom[0].id: "github-token" is a built-in detector; list it under detectors instead',
    ],
    [
      secrets("{ detectors: [github-tokn] }"),
      /^p\.yaml:3:25 \[INVALID_VALUE\] rules\.secrets\.detectors: unknown detector "github-tokn" \(did you mean "github-token"\?\)/,
    ],
    [
      "version: 1\nrules:\n  lockfile-sync: { pairs: [{ manifest: a/package.json, lockfiles: [a.lock] }] }\n",
      /\[BAD_PATH\] rules\.lockfile-sync\.pairs\[0\]\.manifest: must be a file name without a directory/,
    ],
  ];
  for (const [text, expected] of cases) assertProblem(text, expected);
});

test("extends takes shipped presets only, and layers keep each rule's type", () => {
  const cases: [string, string | RegExp][] = [
    [
      "extends: builtin:strct",
      'p.yaml:2:10 [BAD_EXTENDS] extends: unknown preset "builtin:strct" (did you mean "builtin:strict"?); known: builtin:strict, builtin:tiny',
    ],
    [
      "extends: strict",
      'p.yaml:2:10 [BAD_EXTENDS] extends: unknown preset "strict" (did you mean "builtin:strict"?); known: builtin:strict, builtin:tiny',
    ],
    [
      "extends: https://example.com/policy.yaml",
      "p.yaml:2:10 [BAD_EXTENDS] extends: takes builtin presets only (builtin:strict, builtin:tiny); URLs and paths are not supported",
    ],
    ["extends: ../policies/strict.yaml", /\[BAD_EXTENDS\] extends: takes builtin presets only/],
    ["extends: builtin:floor", "p.yaml:2:10 [BAD_EXTENDS] extends: the floor always applies and cannot be extended"],
    [
      "extends: [builtin:strict, builtin:tiny, builtin:strict, builtin:tiny]",
      'p.yaml:2:10 [BAD_EXTENDS] extends: must be "builtin:<name>" or a list of 1 to 3 of them, got 4 presets',
    ],
    ["extends: [builtin:strict, builtin:strict]", 'p.yaml:2:27 [BAD_EXTENDS] extends[1]: "builtin:strict" is listed twice'],
    [
      "extends: builtin:strict\nrules:\n  migrations: { type: forbidden-paths, paths: [db/] }",
      'p.yaml:4:23 [TYPE_CHANGED] rules.migrations.type: is "protected-paths" in builtin:strict; a rule keeps its type across layers, so give this one another id',
    ],
  ];
  for (const [body, expected] of cases) assertProblem(`version: 1\n${body}\n`, expected);
  // An inherited rule may restate only what it changes, and omit its type.
  assert.deepEqual(
    check("version: 1\nextends: builtin:strict\nrules:\n  migrations: { paths: [db/] }\n  lockfile-sync: { verdict: reject }\n"),
    [],
  );
  // Without a preset below, the same entries must be complete.
  assertProblem(
    "version: 1\nrules:\n  lockfile-sync: { verdict: reject }\n",
    "p.yaml:3:18 [REQUIRED] rules.lockfile-sync.pairs: is required",
  );
});

test("presets nest at most 3 deep without cycles; the floor sets rules and worker.deny only, never bypassPermissions", () => {
  const dir = mkdtempSync(join(tmpdir(), "policy-presets-"));
  try {
    const write = (name: string, text: string) => writeFileSync(join(dir, `${name}.yaml`), text);
    const floor = (body = "") =>
      write("floor", `version: 1\nrules:\n  floor-self: { type: protected-paths, paths: [.code-worker/] }\n${body}`);
    floor();
    write("a", "version: 1\nextends: builtin:b\n");
    write("b", "version: 1\nextends: builtin:c\n");
    write("c", "version: 1\nextends: builtin:d\n");
    write("d", "version: 1\nrules:\n  infra: { type: protected-paths, paths: [infra/] }\n");
    write("loop", "version: 1\nextends: builtin:loop2\n");
    write("loop2", "version: 1\nextends: builtin:loop\n");
    write("drop", "version: 1\nextends: builtin:d\nrules:\n  infra: off\n");
    const options = { policiesDir: dir };
    assertProblem(
      "version: 1\nextends: builtin:a\n",
      "policies/c.yaml:2:10 [BAD_EXTENDS] extends: presets may extend presets at most 3 deep",
      options,
    );
    assert.deepEqual(check("version: 1\nextends: builtin:b\n", options), []);
    assertProblem(
      "version: 1\nextends: builtin:loop\n",
      "policies/loop2.yaml:2:10 [BAD_EXTENDS] extends: builtin:loop extends itself through builtin:loop > builtin:loop2",
      options,
    );
    // After "off", a later layer starts the id afresh, with any type.
    assert.deepEqual(
      check("version: 1\nextends: builtin:drop\nrules:\n  infra: { type: forbidden-paths, paths: [infra/] }\n", options),
      [],
    );

    floor("checks:\n  unit: { run: x }\nworker:\n  deny: [WebFetch]\n  max_turns: 5\n");
    assert.deepEqual(check("version: 1\n", options), [
      'policies/floor.yaml:4:1 [FLOOR_ONLY] the floor sets only rules and worker.deny, not "checks"',
      'policies/floor.yaml:8:3 [FLOOR_ONLY] worker: the floor sets only worker.deny, not "max_turns"',
    ]);
    floor("worker:\n  permission_mode: bypassPermissions\n");
    assertProblem(
      "version: 1\n",
      "policies/floor.yaml:5:20 [INVALID_VALUE] worker.permission_mode: bypassPermissions is a host setting, never a policy one",
      options,
    );
    floor("worker:\n  deny: [bypassPermissions]\n");
    assertProblem("version: 1\n", /^policies\/floor\.yaml:5:10 \[BAD_TOOL_RULE\] worker\.deny\[0\]: bypassPermissions/, options);
    write("floor", "version: 1\nrules:\n  self: { type: protected-paths, paths: [.code-worker/] }\n");
    assertProblem("version: 1\n", 'policies/floor.yaml:3:9 [BAD_ID] rules.self: floor rule ids start with "floor-"', options);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a policy error's message is its first problem, and it lists at most 20", () => {
  const many = `version: 1\nrules:\n${Array.from({ length: 30 }, (_, i) => `  r${i}: { type: max-files, max: -1 }\n`).join("")}`;
  const error = (() => {
    try {
      loadPolicy({ name: ".code-worker/policy.yaml", text: many });
    } catch (caught) {
      return caught;
    }
    assert.fail("loadPolicy accepted an invalid policy");
  })();
  assert.ok(error instanceof PolicyError);
  assert.equal(error.problems.length, 20);
  assert.equal(error.message, `.code-worker/policy.yaml:3:31 [OUT_OF_RANGE] rules.r0.max: must be at least 0, got -1 (and 19 more)`);
  // A host gets the problems themselves, the first 10 and how many more.
  assert.equal(error.code, "policy_invalid");
  const json = errorJson(error.code, error.message, error.data);
  assert.deepEqual(json.problems, error.problems.slice(0, 10));
  assert.equal(json.problems_more, 10);
  assert.throws(
    () =>
      pickPolicySource([
        { name: ".code-worker/policy.yaml", text: "" },
        { name: ".code-worker/policy.yml", text: "" },
      ]),
    { message: ".code-worker/policy.yml:1:1 [BOTH_FILES] both .code-worker/policy.yaml and .code-worker/policy.yml exist; keep one" },
  );
  assert.equal(pickPolicySource([]), undefined);
});

test("every file in policies/ loads, and no policy means builtin:strict plus the floor", () => {
  const presets = readdirSync(policiesDir).filter((file) => file.endsWith(".yaml") && file !== "floor.yaml");
  assert.deepEqual(presets.sort(), ["strict.yaml", "tiny.yaml"]);
  for (const file of presets) {
    assert.deepEqual(check(readFileSync(join(policiesDir, file))), [], file);
    assert.match(
      loadPolicy({ name: "p.yaml", text: `version: 1\nextends: builtin:${file.slice(0, -5)}\n` }).sources,
      /^builtin:strict>.*repo sha256:[0-9a-f]{12}$/,
    );
  }
  const strict = loadPolicy(undefined);
  assert.match(strict.sources, /^builtin:strict sha256:[0-9a-f]{12}$/);
  assert.equal(strict.hash.length, 64);
  const floorIds = strict.rules.filter((rule) => rule.id.startsWith("floor-")).map((rule) => `${rule.id}:${rule.type}:${rule.verdict}`);
  assert.deepEqual(floorIds, [
    "floor-self:protected-paths:review",
    "floor-git-internals:forbidden-paths:reject",
    "floor-git-config:protected-paths:review",
    "floor-secrets:secrets:reject",
    "floor-symlinks:symlinks:reject",
    "floor-file-size:max-file-size:reject",
    "floor-submodules:submodules:review",
  ]);
  assert.ok(strict.worker.deny.includes("Bash(git push:*)") && strict.worker.deny.includes("Edit(.code-worker/**)"));
  assert.equal(strict.worker.permission_mode, "dontAsk");
  assert.equal(strict.worker.timeout_s, 1800);
  const tiny = loadPolicy({ name: "p.yaml", text: "version: 1\nextends: builtin:tiny\n" });
  assert.equal(
    tiny.rules.find((rule) => rule.id === "tests-required"),
    undefined,
  );
  assert.deepEqual(tiny.rules.find((rule) => rule.id === "max-lines")?.params, {
    max: 60,
    exclude: ["*.lock", "package-lock.json", "pnpm-lock.yaml", "__snapshots__/"],
  });
});

test("a scratch repository's permissive policy sits on the floor alone", () => {
  const scratch = `version: 1
description: Scratch repo. Approve nearly everything; keep the hard rails.
rules:
  forbidden-paths:
    paths: [".env", ".env.*", "*.pem", "*.key", ".ssh/"]
  max-file-size: { max: 20MiB }
  secrets:
    detectors: all
    allow: { paths: ["fixtures/"], patterns: ["EXAMPLE$"] }
  runaway:
    type: max-files
    max: 400
    reason: unusually large change, even for a scratch repo
worker:
  permission_mode: dontAsk
  allow: [Read, Glob, Grep, Edit, Write, Bash]
  deny: ["Bash(git push:*)", "Bash(sudo:*)"]
  timeout: 2h
`;
  const policy = loadPolicy({ name: ".code-worker/policy.yaml", text: scratch });
  assert.deepEqual(
    policy.rules.map((rule) => rule.id).filter((id) => !id.startsWith("floor-")),
    ["forbidden-paths", "max-file-size", "secrets", "runaway"],
  );
  assert.equal(policy.worker.timeout_s, 7200);
  assert.deepEqual(policy.checks, {});
  assert.match(policy.sources, /^repo sha256:/);
});

test("layers merge maps key by key, replace lists, drop 'off' entries and union worker.deny", () => {
  const node = `version: 1
extends: builtin:strict
rules:
  protected-paths:
    reason: manifests and CI need a maintainer
    paths: [".github/", "package.json", "vitest.config.*"]
  max-lines: { max: 1500 }
  migrations: off
  generated:
    type: forbidden-paths
    paths: ["dist/", "src/generated/"]
    examples: { match: [src/generated/api.ts, dist/index.js], not_match: [src/generator.ts] }
checks:
  install: { run: npm ci --no-audit --no-fund, timeout: 5m, when_changed: [package.json, package-lock.json] }
  typecheck: { run: npx tsc --noEmit -p ., timeout: 5m }
  lint: { run: npx eslint --max-warnings 0 ., timeout: 5m, verdict: review }
  unit: { run: [npx, vitest, run, --reporter=dot], timeout: 10m, env: { TZ: UTC } }
worker:
  allow: [Read, Edit, "Bash(npx vitest:*)"]
  deny: ["Bash(npm publish:*)"]
  max_turns: 80
worktree:
  copy: [.env.local]
  link: [node_modules]
  setup:
    deps: { run: npm ci, timeout: 5m }
`;
  const policy = loadPolicy({ name: ".code-worker/policy.yaml", text: node });
  const rule = (id: string) => policy.rules.find((r) => r.id === id);
  assert.deepEqual(rule("protected-paths")?.params, { paths: [".github/", "package.json", "vitest.config.*"] });
  assert.equal(rule("protected-paths")?.reason, "manifests and CI need a maintainer");
  assert.deepEqual(rule("max-lines")?.params, { max: 1500, exclude: ["*.lock", "package-lock.json", "pnpm-lock.yaml", "__snapshots__/"] });
  assert.equal(rule("migrations"), undefined);
  assert.equal(rule("generated")?.verdict, "reject");
  assert.deepEqual(Object.keys(policy.checks), ["install", "typecheck", "lint", "unit"]);
  assert.deepEqual(policy.checks.unit, {
    run: ["npx", "vitest", "run", "--reporter=dot"],
    timeout_s: 600,
    verdict: "reject",
    env: { TZ: "UTC" },
  });
  assert.equal(policy.checks.lint?.verdict, "review");
  assert.deepEqual(policy.worker.allow, ["Read", "Edit", "Bash(npx vitest:*)"]);
  assert.equal(policy.worker.max_turns, 80);
  assert.equal(policy.worker.permission_mode, "dontAsk");
  for (const deny of ["Bash(curl:*)", "Bash(npm publish:*)", "Edit(.git/**)"]) assert.ok(policy.worker.deny.includes(deny), deny);
  assert.deepEqual(policy.worktree, { copy: [".env.local"], link: ["node_modules"], setup: { deps: { run: "npm ci", timeout_s: 300 } } });
  assert.match(policy.sources, /^builtin:strict>repo sha256:[0-9a-f]{12}$/);
  assert.notEqual(policy.hash, loadPolicy(undefined).hash);
});

test("policy.schema.json is the zod schema's draft-07 output", () => {
  const committed = readFileSync(join(root, "policy.schema.json"), "utf8");
  assert.equal(committed, policySchemaText(), "run: node dist/scripts/policy-schema.js --write");
  const schema = JSON.parse(committed) as { $schema: string; definitions: Record<string, unknown> };
  assert.equal(schema.$schema, "http://json-schema.org/draft-07/schema#");
  assert.ok(schema.definitions.rule_max_files && schema.definitions.glob && schema.definitions.check);
});
