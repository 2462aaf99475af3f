// Rules over change facts: what each rule type finds, and the verdict a host reads.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { ChangedFile, CheckOutcome } from "../src/facts/change.js";
import { checksToRun, evaluatePolicy } from "../src/policy/evaluate.js";
import { loadPolicy } from "../src/policy/load.js";
import { packageDepsChanged } from "../src/policy/lockfiles.js";
import { pathMatcher } from "../src/policy/paths.js";

const policy = (body: string) => loadPolicy({ name: "p.yaml", text: `version: 1\n${body}` });
const file = (path: string, facts: Partial<ChangedFile> = {}): ChangedFile => ({
  path,
  status: "modified",
  insertions: 1,
  deletions: 0,
  binary: false,
  ...facts,
});
const reasonsOf = (body: string, files: ChangedFile[], checks: CheckOutcome[] = []) =>
  evaluatePolicy(policy(body), files, checks).fired.map((fired) => `${fired.verdict} ${fired.reason}`);

// Built at run time so no credential-shaped string sits in the source for a scanner (ours included).
const githubToken = `ghp_${"a1B2c3D4e5".repeat(3)}f6G7h8`;
const awsExampleKey = `AKIA${"IOSFODNN7EXAMPLE"}`;
const privateKeyHeader = `-----BEGIN ${"RSA PRIVATE"} KEY-----`;

test("path patterns: one at a time, the last hit wins, so a later '!' always re-includes", () => {
  const source = pathMatcher(["src/**", "!src/generated/**", "!*.md"]);
  assert.equal(source("src/a.ts"), true);
  assert.equal(source("src/generated/x.ts"), false);
  assert.equal(source("src/README.md"), false);
  const anchored = pathMatcher(["/package.json", "migrations/", ".env.*", "!.env.example"]);
  assert.deepEqual(
    ["package.json", "web/package.json", "db/migrations/1.sql", "migrations", ".env.local", "a/.env.prod", ".env.example"].map(anchored),
    [true, false, true, false, true, true, false],
  );
  assert.equal(pathMatcher([".ENV"])(".env"), false, "case-sensitive like git on Linux");
});

test("allowed, forbidden and protected paths, with renames as a deletion plus an addition", () => {
  const body = `rules:
  allowed-paths: { paths: [src/, docs/] }
  forbidden-paths: { paths: [".env", ".env.*", "!.env.example"] }
  migrations: { type: protected-paths, verdict: reject, on: [modified, deleted, renamed], paths: [migrations/] }
`;
  assert.deepEqual(reasonsOf(body, [file("src/a.ts"), file("docs/x.md", { status: "added" })]), []);
  assert.deepEqual(reasonsOf(body, [file("lib/x.ts"), file("src/b.ts", { status: "renamed", oldPath: "lib/b.ts" })]), [
    "reject allowed-paths: changed outside the allowed paths: lib/x.ts, lib/b.ts",
  ]);
  assert.deepEqual(reasonsOf(body, [file("src/.env"), file("src/.env.example")]), [
    "reject forbidden-paths: forbidden path changed: src/.env",
  ]);
  assert.deepEqual(reasonsOf(body, [file("src/migrations/002.sql", { status: "added" })]), []);
  assert.deepEqual(reasonsOf(body, [file("src/migrations/001.sql")]), [
    "reject migrations: protected path changed: src/migrations/001.sql",
  ]);
  assert.deepEqual(reasonsOf(body, [file("src/migrations/003.sql", { status: "renamed", oldPath: "src/migrations/001.sql" })]), [
    "reject migrations: protected path changed: src/migrations/001.sql, src/migrations/003.sql",
  ]);
  const protectedRule = `rules:\n  protected-paths: { reason: CI needs a human, paths: [.github/] }\n`;
  assert.deepEqual(reasonsOf(protectedRule, [file(".github/workflows/ci.yml")]), [
    "review protected-paths: CI needs a human: .github/workflows/ci.yml",
  ]);
});

test("counting rules: files, lines, deletions and sizes, each with its exclude list", () => {
  const body = `rules:
  max-files: { max: 2, exclude: ["*.lock"] }
  max-lines: { max: 10, max_deleted: 3, exclude: [package-lock.json] }
  max-deleted-files: { max: 0 }
  max-file-size: { max: 1KiB, exclude: [assets/] }
  runaway: { type: max-files, max: 3, reason: unusually large change }
`;
  assert.deepEqual(reasonsOf(body, [file("a.ts"), file("b.ts"), file("c.lock"), file("package-lock.json", { insertions: 500 })]), [
    "review max-files: 3 files changed, limit 2",
    "review runaway: unusually large change (4 files changed, limit 3)",
  ]);
  assert.deepEqual(reasonsOf(body, [file("a.ts", { insertions: 8, deletions: 5 }), file("logo.png", { binary: true, insertions: 0 })]), [
    "review max-lines: 13 lines changed, limit 10; 5 lines deleted, limit 3",
  ]);
  assert.deepEqual(reasonsOf(body, [file("old.ts", { status: "deleted", insertions: 0 })]), [
    "review max-deleted-files: 1 file deleted, limit 0: old.ts",
  ]);
  assert.deepEqual(reasonsOf(body, [file("big.json", { size: 2048 }), file("assets/huge.bin", { size: 1e7 })]), [
    "reject max-file-size: larger than 1KiB: big.json (2KiB)",
  ]);
  assert.deepEqual(reasonsOf(body, [file("exact.ts", { size: 1024 })]), []);
});

test("binary files, symlinks and submodules", () => {
  const body = "rules:\n  binary-files: { allow: [assets/] }\n";
  assert.deepEqual(
    reasonsOf(body, [file("logo.png", { status: "added", binary: true, insertions: 0 }), file("assets/a.png", { binary: true })]),
    ["review binary-files: binary file added or changed: logo.png"],
  );
  assert.deepEqual(reasonsOf(body, [file("old.png", { status: "deleted", binary: true })]), []);
  const links: ChangedFile[] = [
    file("docs/current", { status: "added", mode: "120000", symlinkTarget: "v2" }),
    file("docs/up", { status: "added", mode: "120000", symlinkTarget: "../../etc/passwd" }),
    file("abs", { mode: "120000", symlinkTarget: "/home/user/.ssh/id_rsa" }),
    file("unknown", { status: "added", mode: "120000" }),
    file("vendor/lib", { mode: "160000", insertions: 0 }),
  ];
  assert.deepEqual(reasonsOf("", links), [
    "reject floor-symlinks: symlink points outside the repository: docs/up, abs +1 more",
    "review floor-submodules: submodule pointer changed: vendor/lib",
  ]);
});

test("lockfile-sync: nearest changed lockfile in the same directory or above; deps_only for package.json", () => {
  const body = `rules:
  lockfile-sync:
    pairs:
      - { manifest: package.json, lockfiles: [package-lock.json], deps_only: true }
      - { manifest: Cargo.toml, lockfiles: [Cargo.lock] }
`;
  const manifest = (deps: object, extra: object = {}) => JSON.stringify({ name: "x", ...extra, ...deps });
  const depsMoved = { before: manifest({ dependencies: { a: "1" } }), after: manifest({ dependencies: { a: "2" } }) };
  const versionMoved = { before: manifest({ version: "1" }), after: manifest({ version: "2" }) };
  assert.deepEqual(reasonsOf(body, [file("package.json", { manifestText: depsMoved })]), [
    "review lockfile-sync: manifest changed without its lockfile: package.json",
  ]);
  assert.deepEqual(reasonsOf(body, [file("package.json", { manifestText: versionMoved })]), []);
  assert.deepEqual(reasonsOf(body, [file("packages/web/package.json"), file("package-lock.json")]), [], "a workspace locks at the root");
  assert.deepEqual(reasonsOf(body, [file("Cargo.lock")]), ["review lockfile-sync: lockfile changed without its manifest: Cargo.lock"]);
  assert.deepEqual(reasonsOf(body, [file("package.json"), file("web/package-lock.json")]), [
    "review lockfile-sync: manifests and lockfiles out of step: package.json, web/package-lock.json",
  ]);

  assert.equal(
    packageDepsChanged(
      manifest({ dependencies: { a: "1", b: "2" } }),
      manifest({ dependencies: { b: "2", a: "1" } }, { scripts: { t: "x" } }),
    ),
    false,
  );
  assert.equal(packageDepsChanged(manifest({ dependencies: { a: "1" } }), manifest({ dependencies: { a: "2" } })), true);
  assert.equal(packageDepsChanged(manifest({}), manifest({ overrides: { a: "1" } })), true);
  assert.equal(packageDepsChanged(undefined, manifest({})), true);
  assert.equal(packageDepsChanged("{", manifest({})), true);
});

test("secrets: detector and file:line in the reason, never the secret; allow lists; custom detectors", () => {
  const body = `rules:
  secrets:
    custom: [{ id: acme-key, regex: "acme_[0-9a-f]{16}", keywords: [ACME_] }]
    allow: { paths: [fixtures/], patterns: ["EXAMPLE$"] }
`;
  const added = (path: string, ...lines: string[]) => file(path, { addedLines: lines.map((text, i) => ({ line: 10 + i, text })) });
  const result = evaluatePolicy(policy(body), [added("src/config.ts", "const a = 1;", `token = "${githubToken}"`)], []);
  assert.deepEqual(result.verdict.reasons, [
    "secrets: credential in added lines: github-token at src/config.ts:11",
    "floor-secrets: credential in added lines: github-token at src/config.ts:11",
  ]);
  assert.equal(result.verdict.verdict, "reject");
  assert.deepEqual(result.fired[0]?.paths, ["src/config.ts"]);
  assert.ok(!JSON.stringify(result).includes(githubToken.slice(4)), "the token never appears");

  assert.deepEqual(
    reasonsOf(body, [added("fixtures/keys.txt", githubToken)]).filter((r) => r.includes(" secrets:")),
    [],
    "allowed path",
  );
  assert.deepEqual(
    reasonsOf(body, [added("docs/aws.md", `aws_access_key_id = ${awsExampleKey}`)]).filter((r) => r.includes(" secrets:")),
    [],
    "allowed pattern",
  );
  assert.deepEqual(reasonsOf(body, [added("a.env.sample", "ACME_KEY=acme_0123456789abcdef")]), [
    "reject secrets: credential in added lines: acme-key at a.env.sample:10",
  ]);
  assert.deepEqual(reasonsOf(body, [added("k.pem", privateKeyHeader)]), [
    "reject secrets: credential in added lines: private-key at k.pem:10",
    "reject floor-secrets: credential in added lines: private-key at k.pem:10",
  ]);
  assert.deepEqual(reasonsOf(body, [{ ...added("blob.bin", githubToken), binary: true }]), [], "binaries are not scanned");
});

test("a rule that runs out of time or throws yields review, not approve", () => {
  const slow = policy(`rules:\n  secrets: { reason: keys leaked, detectors: [], custom: [{ id: slow, regex: "^(a+)+$" }] }\n`);
  const line = file("a.txt", { addedLines: [{ line: 1, text: `${"a".repeat(40)}!` }] });
  const started = performance.now();
  const { verdict } = evaluatePolicy(slow, [line], [], { ruleBudgetMs: 100 });
  assert.ok(performance.now() - started < 2000);
  assert.deepEqual(verdict, { verdict: "review", reasons: ["secrets: did not finish within 100ms; review by hand"] });
  // Past the budget each rule is timed on its own: the slow one says so, the others still fire.
  const mixed = policy(
    `rules:\n  secrets: { detectors: [], custom: [{ id: slow, regex: "^(a+)+$" }] }\n  forbidden-paths: { paths: ["a.txt"] }\n`,
  );
  const both = evaluatePolicy(mixed, [line], [], { ruleBudgetMs: 100 });
  assert.deepEqual(
    both.fired.map((rule) => [rule.rule, rule.verdict]),
    [
      ["secrets", "review"],
      ["forbidden-paths", "reject"],
    ],
  );
  assert.match(both.fired[0]!.reason, /did not finish within 100ms/);
  const odd = evaluatePolicy(policy("rules:\n  forbidden-paths: { paths: [x] }\n"), [file("/abs/path")], []);
  assert.equal(odd.verdict.verdict, "review");
  assert.match(odd.verdict.reasons[0]!, /^forbidden-paths: could not be evaluated \(forbidden-paths\): /);
});

test("tests-required and checks-ran", () => {
  const body = `rules:
  tests-required: { source: ["src/", "!*.md"], tests: ["test/", "*.test.*"] }
  checks-ran: { min: 1 }
checks:
  unit: { run: npm test }
`;
  const pass: CheckOutcome[] = [{ name: "unit", outcome: "pass" }];
  assert.deepEqual(reasonsOf(body, [file("src/a.ts"), file("src/b.ts")], pass), [
    "review tests-required: source changed without a test change: src/a.ts, src/b.ts",
  ]);
  assert.deepEqual(reasonsOf(body, [file("src/a.ts"), file("src/a.test.ts", { status: "added" })], pass), []);
  assert.deepEqual(reasonsOf(body, [file("src/README.md")], pass), []);
  assert.deepEqual(reasonsOf(body, [file("src/README.md")], [{ name: "unit", outcome: "skipped" }]), [
    "review checks-ran: 0 of 1 checks ran, at least 1 needed",
  ]);
  assert.deepEqual(reasonsOf("rules:\n  checks-ran: {}\n", [file("a")]), [
    "review checks-ran: no checks are configured, so nothing was verified",
  ]);
});

test("checks: when_changed picks what runs; failures, timeouts, errors and missing outcomes fail", () => {
  const body = `checks:
  unit: { run: [npm, test], timeout: 5m, env: { TZ: UTC } }
  lint: { run: npx eslint ., verdict: review }
  e2e: { run: npx playwright test, when_changed: [src/ui/], cwd: web }
`;
  const p = policy(body);
  assert.deepEqual(checksToRun(p, [file("src/a.ts")]), [
    { name: "unit", run: ["npm", "test"], timeout_s: 300, env: { TZ: "UTC" } },
    { name: "lint", run: "npx eslint .", timeout_s: 600 },
  ]);
  assert.deepEqual(
    checksToRun(p, [file("src/new.tsx", { status: "renamed", oldPath: "src/ui/old.tsx" })]).map((c) => c.name),
    ["unit", "lint", "e2e"],
  );
  const outcomes: CheckOutcome[] = [
    { name: "unit", outcome: "fail", exit_code: 1, duration_s: 38 },
    { name: "lint", outcome: "timeout", duration_s: 600 },
  ];
  assert.deepEqual(evaluatePolicy(p, [file("src/a.ts")], outcomes).verdict, {
    verdict: "reject",
    reasons: ["check unit: exit 1 after 38s", "check lint: timed out after 10m"],
  });
  assert.deepEqual(evaluatePolicy(p, [file("src/a.ts")], [{ name: "unit", outcome: "error" }]).verdict, {
    verdict: "reject",
    reasons: ["check unit: could not run", "check lint: no outcome was reported"],
  });
  assert.deepEqual(
    evaluatePolicy(
      p,
      [file("src/a.ts")],
      [
        { name: "unit", outcome: "pass" },
        { name: "lint", outcome: "pass" },
      ],
    ).verdict,
    { verdict: "approve", reasons: [] },
  );
});

test("the floor applies under every policy: the policy's own directory and git internals", () => {
  assert.deepEqual(reasonsOf("", [file(".code-worker/policy.yaml")]), [
    "review floor-self: a policy never approves a change to itself: .code-worker/policy.yaml",
  ]);
  assert.deepEqual(reasonsOf("", [file("vendor/x/.git/config")]), [
    "reject floor-git-internals: git internals are never part of a change: vendor/x/.git/config",
  ]);
  assert.deepEqual(reasonsOf("", [file(".gitattributes")]), [
    "review floor-git-config: these change how git reports the very diff this verdict reads: .gitattributes",
  ]);
});

test("the verdict is the most severe; reasons put rejects first, at most 5, each at most 120 characters, under 800 bytes", () => {
  const body = `rules:\n${Array.from({ length: 8 }, (_, i) => `  r${i}: { type: forbidden-paths, verdict: ${i % 2 ? "reject" : "review"}, paths: ["*"] }\n`).join("")}`;
  const long = `${"ü".repeat(150)}/${"x".repeat(100)}.ts`;
  const { verdict, fired } = evaluatePolicy(policy(body), [file(long), file("b\nc.ts"), file("d.ts")], []);
  assert.equal(verdict.verdict, "reject");
  assert.equal(fired.length, 8);
  assert.deepEqual(
    verdict.reasons.map((r) => r.split(":")[0]),
    ["r1", "r3", "r5", "r7", "r0"].slice(0, verdict.reasons.length),
  );
  assert.equal(verdict.reasons.length + (verdict.more ?? 0), 8);
  for (const reason of verdict.reasons) {
    assert.ok([...reason].length <= 120, reason);
    assert.ok(!reason.includes("\n"));
  }
  assert.ok(Buffer.byteLength(JSON.stringify(verdict)) < 800);
  const short = evaluatePolicy(policy(body), [file("a.ts"), file("b\nc.ts"), file("d.ts")], []).verdict;
  assert.deepEqual(short.reasons, [
    "r1: forbidden path changed: a.ts, b?c.ts +1 more",
    "r3: forbidden path changed: a.ts, b?c.ts +1 more",
    "r5: forbidden path changed: a.ts, b?c.ts +1 more",
    "r7: forbidden path changed: a.ts, b?c.ts +1 more",
    "r0: forbidden path changed: a.ts, b?c.ts +1 more",
  ]);
  assert.equal(short.more, 3);
});
