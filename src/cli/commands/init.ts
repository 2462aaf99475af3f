import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { basename, join, resolve } from "node:path";
import { UserError } from "../../errors.js";
import { gitRun } from "../../git/raw.js";
import { resolveRepo } from "../../git/repo.js";
import { checkPolicyFile, loadPolicy, policyFileNames } from "../../policy/load.js";
import { defineCommand } from "../command.js";
import { cwdFlag } from "../flags.js";
import { policyDraft } from "../policy-draft.js";
import { detectProject, type Toolchain } from "../project-kind.js";

/**
 * Writes a commented .code-worker/policy.yaml for the repository: its toolchains' setup, test
 * check, lockfiles and build output over builtin:strict, validated by the loader jobs use. Never
 * overwrites a policy without --force. Needs no configuration.
 */
export const init = defineCommand({
  name: "init",
  usage: "[--force] [--cwd DIR]",
  about: "write a commented .code-worker/policy.yaml for this repository",
  flags: { force: { type: "boolean", about: "overwrite the repository's policy file" }, cwd: cwdFlag },
  maxArgs: 0,
  example: "code-worker init && code-worker policy test",
  async run(_args, flags, { out }) {
    const { root } = await resolveRepo(resolve(flags.cwd ?? process.cwd()));
    const existing = policyFileNames.find((name) => existsSync(join(root, name)));
    if (existing && !flags.force)
      throw new UserError("invalid_state", `${join(root, existing)} exists; pass --force to overwrite it`, { path: join(root, existing) });
    const name = existing ?? policyFileNames[0];
    const project = await detectProject(root, basename(root));
    const text = policyDraft(project, loadPolicy(undefined).worker.allow ?? []);
    const problems = checkPolicyFile({ name, text: Buffer.from(text) });
    if (problems.length) throw new Error(`the policy init drafted does not load (${problems[0]}); please report it`);
    const path = join(root, name);
    await mkdir(join(root, ".code-worker"), { recursive: true });
    await writeFile(path, text);
    const notes = await ignoreNotes(root, project.toolchains);
    if (out.json) {
      out.print({ file: path, toolchains: project.toolchains.map((toolchain) => toolchain.name), notes });
      return 0;
    }
    const found = project.toolchains.map((toolchain) => toolchain.name).join(" and ");
    console.log(
      [
        `wrote ${path} (${found ? `${found}: ${summary(project.toolchains)}` : "no known toolchain: add a check"})`,
        ...notes.map((note) => `  ! ${note}`),
        "commit it: jobs and policy test read the policy from the commit, never from your checkout",
        `  git add ${name} && git commit -m "code-worker policy"`,
        "then run its setup and checks in a job's sandbox: code-worker policy test",
      ].join("\n"),
    );
    return 0;
  },
});

/** `setup npm ci …, check npm test`. */
function summary(toolchains: Toolchain[]): string {
  const setups = toolchains.flatMap((toolchain) => (toolchain.setup ? [toolchain.setup.run] : []));
  const checks = toolchains.flatMap((toolchain) => (toolchain.check ? [toolchain.check.run] : []));
  return [setups.length && `setup ${setups.join(", ")}`, checks.length ? `check ${checks.join(", ")}` : "no test command found"]
    .filter(Boolean)
    .join("; ");
}

/** A directory setup or the tests fill that git does not ignore would be committed by the next round. */
async function ignoreNotes(root: string, toolchains: Toolchain[]): Promise<string[]> {
  const notes: string[] = [];
  for (const dir of new Set(toolchains.flatMap((toolchain) => toolchain.installs ?? []))) {
    const ignored = await gitRun(root, ["check-ignore", "-q", "--no-index", `${dir}/`]);
    if (ignored.exitCode !== 0)
      notes.push(`${dir}/ is not ignored by git: add it to .gitignore, or a job would commit what setup puts there`);
  }
  return notes;
}
