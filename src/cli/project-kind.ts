// What `code-worker init` finds at a repository's top: each toolchain it recognises (by manifest and
// lockfile), with the setup that installs its dependencies in a fresh worktree, the check that runs
// its tests, its lockfile pairing and its usual build output. Nothing here runs anything.
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";

export interface Toolchain {
  /** As the person would say it: "npm", "pnpm", "yarn", "python", "cargo", "go". */
  name: string;
  setup?: { id: string; run: string; comment: string };
  /** Undefined when the project names no test command (package.json without scripts.test). */
  check?: { id: string; run: string; comment: string };
  lockfiles?: { manifest: string; lockfiles: string[]; deps_only?: true };
  /** Usual build output, never a worker's to edit. */
  generated: string[];
  /** The directory its setup fills in the worktree: git must ignore it, or a job would commit it. */
  installs?: string;
  /** The worker's Bash rule for running the tests itself. */
  allow?: string;
}

export interface Project {
  /** package.json's name, else the directory's. */
  name: string;
  toolchains: Toolchain[];
}

export async function detectProject(root: string, fallbackName: string): Promise<Project> {
  const has = (file: string) => existsSync(join(root, file));
  const manifest = has("package.json") ? await readManifest(join(root, "package.json")) : undefined;
  const toolchains = [
    ...(manifest ? [nodeToolchain(manifest, has)] : []),
    ...(has("pyproject.toml") || has("uv.lock") || has("requirements.txt") ? [pythonToolchain(has)] : []),
    ...(has("Cargo.toml") ? [cargoToolchain(has)] : []),
    ...(has("go.mod") ? [goToolchain(has)] : []),
  ];
  return { name: manifest?.name || fallbackName, toolchains };
}

interface Manifest {
  name?: string;
  testScript?: string;
  hasDependencies: boolean;
}

/** The few fields of package.json init reads; a file that is not JSON counts as empty. */
async function readManifest(path: string): Promise<Manifest> {
  try {
    const json = JSON.parse(await readFile(path, "utf8")) as Record<string, unknown>;
    const scripts = (json.scripts ?? {}) as Record<string, unknown>;
    const test = typeof scripts.test === "string" ? scripts.test : undefined;
    const deps = ["dependencies", "devDependencies", "optionalDependencies"].some(
      (field) => Object.keys((json[field] ?? {}) as object).length > 0,
    );
    return {
      ...(typeof json.name === "string" ? { name: json.name } : {}),
      // npm init's placeholder fails on purpose: it is no test command.
      ...(test && !test.includes("no test specified") ? { testScript: test } : {}),
      hasDependencies: deps,
    };
  } catch {
    return { hasDependencies: false };
  }
}

function nodeToolchain(manifest: Manifest, has: (file: string) => boolean): Toolchain {
  const [pm, lockfile, install] = has("pnpm-lock.yaml")
    ? ["pnpm", "pnpm-lock.yaml", "pnpm install --frozen-lockfile"]
    : has("yarn.lock")
      ? ["yarn", "yarn.lock", has(".yarnrc.yml") ? "yarn install --immutable" : "yarn install --frozen-lockfile"]
      : has("package-lock.json")
        ? ["npm", "package-lock.json", "npm ci --no-audit --no-fund"]
        : ["npm", undefined, "npm install --no-audit --no-fund"];
  return {
    name: pm,
    ...(manifest.hasDependencies
      ? {
          setup: {
            id: "deps",
            run: install,
            comment: lockfile ? `installs exactly what ${lockfile} pins` : "no lockfile: installs the newest matching versions",
          },
        }
      : {}),
    ...(manifest.testScript
      ? {
          check: {
            id: "test",
            run: `${pm} test`,
            comment: `package.json's scripts.test: ${JSON.stringify(manifest.testScript)} (package.json is protected, so a job that edits it goes to review)`,
          },
        }
      : {}),
    ...(lockfile ? { lockfiles: { manifest: "package.json", lockfiles: [lockfile], deps_only: true } } : {}),
    generated: ["dist/", "build/", "coverage/"],
    installs: "node_modules",
    allow: `Bash(${pm} test:*)`,
  };
}

function pythonToolchain(has: (file: string) => boolean): Toolchain {
  const install = has("uv.lock")
    ? "uv sync --frozen"
    : has("requirements.txt")
      ? "python3 -m venv .venv && .venv/bin/pip install -r requirements.txt pytest"
      : "python3 -m venv .venv && .venv/bin/pip install -e . pytest";
  const lockfile = ["uv.lock", "poetry.lock"].find(has);
  return {
    name: "python",
    setup: { id: "venv", run: install, comment: "a virtualenv in the worktree's .venv, with the project's dependencies" },
    check: { id: "pytest", run: ".venv/bin/python -m pytest -q", comment: "the virtualenv's pytest" },
    ...(lockfile && has("pyproject.toml") ? { lockfiles: { manifest: "pyproject.toml", lockfiles: [lockfile] } } : {}),
    generated: ["dist/", "build/", "htmlcov/"],
    installs: ".venv",
    allow: "Bash(.venv/bin/python -m pytest:*)",
  };
}

function cargoToolchain(has: (file: string) => boolean): Toolchain {
  return {
    name: "cargo",
    setup: { id: "fetch", run: "cargo fetch", comment: "downloads the crates, so the check builds offline" },
    check: { id: "cargo-test", run: "cargo test --offline", comment: "checks have no network: the crates come from setup" },
    ...(has("Cargo.lock") ? { lockfiles: { manifest: "Cargo.toml", lockfiles: ["Cargo.lock"] } } : {}),
    generated: ["target/"],
    installs: "target",
    allow: "Bash(cargo test:*)",
  };
}

function goToolchain(has: (file: string) => boolean): Toolchain {
  return {
    name: "go",
    setup: { id: "download", run: "go mod download", comment: "fills the module cache, so the check builds offline" },
    check: { id: "go-test", run: "go test ./...", comment: "checks have no network: the modules come from setup" },
    ...(has("go.sum") ? { lockfiles: { manifest: "go.mod", lockfiles: ["go.sum"] } } : {}),
    generated: [],
    allow: "Bash(go test:*)",
  };
}
