// Whether the OS sandbox can run here: bubblewrap confines every process of a job, socat carries
// the worker's one network path (to the relay), and a root runner drops to an unprivileged uid
// with setpriv before anything of the job's runs.
import { constants } from "node:fs";
import { access } from "node:fs/promises";
import { delimiter, join } from "node:path";
import { dropRoot } from "../os/confine.js";
import { runFile } from "../os/run-file.js";

/** The programs the sandbox needs, with the Debian package of each. */
export function sandboxPrograms(): { program: string; pkg: string }[] {
  return [
    { program: "bwrap", pkg: "bubblewrap" },
    { program: "socat", pkg: "socat" },
    ...(process.getuid?.() === 0 ? [{ program: "setpriv", pkg: "util-linux" }] : []),
  ];
}

/** The sandbox's programs missing from PATH. */
export async function missingSandboxPrograms(path = process.env.PATH ?? ""): Promise<string[]> {
  if (process.platform !== "linux") return [];
  const missing: string[] = [];
  for (const { program } of sandboxPrograms()) {
    const found = await Promise.any(
      path
        .split(delimiter)
        .filter(Boolean)
        .map((dir) => access(join(dir, program), constants.X_OK)),
    ).then(
      () => true,
      () => false,
    );
    if (!found) missing.push(program);
  }
  return missing;
}

/**
 * Why the sandbox cannot run here, in one line, or undefined when it can: its programs are
 * missing, or bubblewrap is installed but the kernel refuses it the namespaces it needs.
 */
export async function sandboxProblem(path = process.env.PATH ?? ""): Promise<string | undefined> {
  if (process.platform !== "linux") return "the worker's sandbox needs Linux (bubblewrap); set CODE_WORKER_SANDBOX=off to run without it";
  const missing = await missingSandboxPrograms(path);
  if (missing.length) {
    const packages = sandboxPrograms()
      .filter(({ program }) => missing.includes(program))
      .map(({ pkg }) => pkg);
    return `the worker's sandbox needs ${missing.join(" and ")} (Debian: apt-get install ${packages.join(" ")})`;
  }
  return bubblewrapRefusal(path);
}

/** Why an installed bubblewrap cannot start a sandbox like a job's here, or undefined when it can. */
export async function bubblewrapRefusal(path = process.env.PATH ?? ""): Promise<string | undefined> {
  if (process.platform !== "linux") return undefined;
  const asRoot = process.getuid?.() === 0;
  const namespaces = asRoot ? ["--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts"] : ["--unshare-all"];
  const drop = asRoot ? dropRoot(65534) : [];
  const probe = await runFile(
    "bwrap",
    [...namespaces, "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--die-with-parent", "--", ...drop, "true"],
    { env: { PATH: path }, timeoutMs: 10_000 },
  );
  if (probe.exitCode === 0) return undefined;
  const why = String(probe.stderr || probe.failure || `exit ${probe.exitCode}`)
    .trim()
    .split("\n")[0];
  return `bubblewrap cannot start a sandbox here (${why}); the kernel may forbid unprivileged user namespaces`;
}
