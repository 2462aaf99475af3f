// The commented .code-worker/policy.yaml that `code-worker init` writes for a project: strict's
// rules kept (extends), the lockfile pairs and build output of the toolchains found, their setup
// and test commands, and strict's worker tools plus running the tests. Each choice says why beside it.
import type { Project, Toolchain } from "./project-kind.js";

const timeout = "10m";

export function policyDraft(project: Project, strictAllow: readonly string[]): string {
  const found = project.toolchains.map((toolchain) => toolchain.name).join(" and ") || "no known toolchain";
  return [
    `# code-worker policy for ${oneLine(project.name)} (${found}), written by \`code-worker init\`.`,
    "# Jobs read it from the commit they start from, never from your checkout: commit it, then",
    "# `code-worker policy test` runs its setup and checks in a job's sandbox. Reference: the README's",
    "# Policy section; `code-worker policy check` validates an edited copy.",
    "version: 1",
    "extends: builtin:strict   # strict's rules stay; what follows adds to them or restates one",
    `description: ${JSON.stringify(`${oneLine(project.name)}: strict defaults, with its own setup and checks`)}`,
    ...rulesBlock(project.toolchains),
    ...checksBlock(project.toolchains),
    ...setupBlock(project.toolchains),
    "worker:",
    "  # Claude Code permission rules; this list replaces strict's, which it repeats, adding the tests.",
    `  allow: [${[...strictAllow, ...project.toolchains.flatMap((toolchain) => toolchain.allow ?? [])].map(quote).join(", ")}]`,
    "",
  ].join("\n");
}

function rulesBlock(toolchains: Toolchain[]): string[] {
  const pairs = toolchains.flatMap((toolchain) => (toolchain.lockfiles ? [toolchain.lockfiles] : []));
  const generated = [...new Set(toolchains.flatMap((toolchain) => toolchain.generated))];
  if (!pairs.length && !generated.length) return [];
  const lines = ["rules:"];
  if (pairs.length) {
    lines.push(
      "  lockfile-sync:   # a manifest's dependencies changed and its lockfile did not, or the reverse: review",
      "    pairs:          # this project's lockfiles only (a list replaces strict's)",
      ...pairs.map(
        (pair) =>
          `      - { manifest: ${pair.manifest}, lockfiles: [${pair.lockfiles.join(", ")}]${pair.deps_only ? ", deps_only: true" : ""} }`,
      ),
    );
  }
  if (generated.length) {
    lines.push(
      "  generated:       # build output: a job that edits it is rejected; drop any directory here that holds sources",
      "    type: forbidden-paths",
      `    paths: [${generated.map(quote).join(", ")}]`,
      "    reason: generated output; change its sources or the generator instead",
    );
  }
  return lines;
}

function checksBlock(toolchains: Toolchain[]): string[] {
  const checks = toolchains.flatMap((toolchain) => (toolchain.check ? [toolchain.check] : []));
  if (!checks.length)
    return [
      "# No test command found. Without a check strict sends every job to review (checks-ran); add one:",
      "# checks:",
      `#   unit: { run: make test, timeout: ${timeout} }`,
    ];
  return [
    "checks:   # after the worker, in the job's sandbox: no network, only the worktree writable",
    ...checks.flatMap((check) => [`  ${check.id}:   # ${check.comment}`, `    run: ${quote(check.run)}`, `    timeout: ${timeout}`]),
  ];
}

function setupBlock(toolchains: Toolchain[]): string[] {
  const steps = toolchains.flatMap((toolchain) => (toolchain.setup ? [toolchain.setup] : []));
  if (!steps.length) return [];
  const linkable = toolchains.find((toolchain) => toolchain.name.match(/^(npm|pnpm|yarn)$/) && toolchain.setup);
  return [
    "worktree:",
    "  setup:   # once, before the worker, with network: a fresh worktree has none of your ignored files",
    ...steps.flatMap((step) => [`    ${step.id}:   # ${step.comment}`, `      run: ${quote(step.run)}`, `      timeout: ${timeout}`]),
    ...(linkable ? [`  # link: ["node_modules"]   # faster than setup.deps: share your checkout's node_modules, read-only`] : []),
  ];
}

/** A YAML scalar that reads back as the same string whatever it holds. */
function quote(text: string): string {
  return /^[A-Za-z0-9][\w ./:-]*$/.test(text) && !/: |\s#/.test(text) ? text : JSON.stringify(text);
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").slice(0, 80);
}
