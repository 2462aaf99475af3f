// The programs code-worker runs: node, git, the Claude Code binary and, on Linux, the sandbox's helpers.
import { execa } from "execa";
import { UserError } from "../errors.js";
import { claudeBinary } from "../worker/claude-bin.js";
import { bubblewrapRefusal, missingSandboxPrograms, sandboxPrograms } from "../worker/sandbox.js";
import { envValue, fail, pass, type Check, type Env } from "./check.js";

/** `claude --version` answers in well under a second; this only stops a wedged binary. */
const versionTimeoutMs = 15_000;

export function nodeCheck(version = process.versions.node): Check {
  if (atLeast(version, 20, 0)) return pass(`node ${version} (>= 20)`);
  return fail(
    `node ${version} is too old: code-worker needs Node.js 20 or later`,
    "install Node.js 20 or later (https://nodejs.org), then run npm install again",
  );
}

export async function gitCheck(env: Env): Promise<Check> {
  const result = await execa("git", ["--version"], { env, extendEnv: false, reject: false, timeout: versionTimeoutMs });
  const version = /\d+\.\d+(\.\d+)?/.exec(result.stdout)?.[0];
  if (result.failed || !version) {
    return fail("git not found on PATH", "install git 2.38 or later (sudo apt-get install git) and make sure it is on PATH");
  }
  if (atLeast(version, 2, 38)) return pass(`git ${version} (>= 2.38, for git merge-tree --write-tree)`);
  return fail(`git ${version} is too old: merge status needs git merge-tree --write-tree (git 2.38)`, "install git 2.38 or later");
}

export async function claudeCheck(env: Env): Promise<Check> {
  const configured = envValue(env, "CLAUDE_BIN");
  let bin: string;
  try {
    bin = claudeBinary(configured);
  } catch (error) {
    if (!(error instanceof UserError)) throw error;
    return fail("Claude Code binary not found", error.message);
  }
  const source = configured ? "CLAUDE_BIN" : "the pinned npm package";
  const result = await execa(bin, ["--version"], { env, extendEnv: false, reject: false, timeout: versionTimeoutMs, stdin: "ignore" });
  if (result.failed) {
    const why = result.timedOut
      ? `no answer within ${versionTimeoutMs / 1000}s`
      : firstLine(result.stderr || result.stdout) || `exit code ${result.exitCode}`;
    const fix = configured
      ? "point CLAUDE_BIN at a working claude binary, or unset it to use the pinned one"
      : "run npm install in code-worker to reinstall the pinned Claude Code";
    return fail(`Claude Code at ${bin} does not run --version: ${why}`, fix);
  }
  const version = /\d+\.\d+\.\d+\S*/.exec(result.stdout)?.[0] ?? firstLine(result.stdout);
  return pass(`Claude Code ${version} at ${bin} (from ${source})`);
}

export async function sandboxCheck(env: Env): Promise<Check> {
  if (envValue(env, "CODE_WORKER_SANDBOX") === "off") {
    return pass("sandbox off (CODE_WORKER_SANDBOX=off): the worker runs unconfined and can read the key file and write wherever you can");
  }
  if (process.platform !== "linux") return pass(`sandbox: nothing to install on ${process.platform}`);
  const missing = await missingSandboxPrograms(env.PATH ?? "");
  if (!missing.length) {
    const problem = await bubblewrapRefusal(env.PATH ?? "");
    if (!problem)
      return pass(
        `sandbox: ${sandboxPrograms()
          .map(({ program }) => program)
          .join(", ")} found, and bubblewrap can start a sandbox`,
      );
    return fail(
      problem,
      "allow unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1, or the distribution's AppArmor rule for bwrap), or set CODE_WORKER_SANDBOX=off",
    );
  }
  const packages = sandboxPrograms()
    .filter(({ program }) => missing.includes(program))
    .map(({ pkg }) => pkg)
    .join(" ");
  return fail(
    `sandbox programs missing: ${missing.join(", ")} (jobs fail until they are installed)`,
    `sudo apt-get install ${packages}   (or set CODE_WORKER_SANDBOX=off, and the worker runs unconfined)`,
  );
}

function atLeast(version: string, major: number, minor: number): boolean {
  const [have = 0, haveMinor = 0] = version.split(".").map(Number);
  return have > major || (have === major && haveMinor >= minor);
}

function firstLine(text: string): string {
  return text.trim().split("\n")[0]?.trim() ?? "";
}
