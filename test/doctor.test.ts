// `npm run mcp:doctor` as a person runs it: the built script in a controlled environment, its lines,
// its exit code, the config.toml block it prints, and --live against the scripted provider.
import assert from "node:assert/strict";
import { chmod, readFile, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { test, type TestContext } from "node:test";
import { execa } from "execa";
import { dir } from "tmp-promise";
import { liveCheck } from "../src/doctor/live.js";
import { startScriptedProvider } from "../src/provider/scripted-provider.js";
import { sandboxAvailable, testKey } from "./helpers.js";

const doctor = join(import.meta.dirname, "..", "scripts", "mcp-doctor.js");
const serverMain = join(import.meta.dirname, "..", "src", "mcp", "main.js");

interface Setup {
  env: Record<string, string>;
  keyFile: string;
}

async function setup(t: TestContext, keyMode = 0o600): Promise<Setup> {
  const temp = await dir({ prefix: "code-worker-doctor-", unsafeCleanup: true });
  t.after(() => temp.cleanup());
  const keyFile = join(temp.path, "provider.key");
  await writeFile(keyFile, `${testKey}\n`);
  await chmod(keyFile, keyMode); // explicit: writeFile's mode is filtered by the umask
  const env = {
    PATH: process.env.PATH ?? "",
    HOME: process.env.HOME ?? temp.path,
    CODE_WORKER_HOME: join(temp.path, "home"),
    CODE_WORKER_API_KEY_FILE: keyFile,
    CODE_WORKER_BASE_URL: "http://127.0.0.1:9/v1",
    CODE_WORKER_FAST_MODEL: "test-fast",
    CODE_WORKER_FAST_LABEL: "fast-label",
    CODE_WORKER_THINK_MODEL: "test-think",
    CODE_WORKER_SANDBOX: sandboxAvailable ? "on" : "off",
  };
  return { env, keyFile };
}

async function runDoctor(env: Record<string, string>, ...args: string[]) {
  const result = await execa(process.execPath, [doctor, ...args], { env, extendEnv: false, reject: false, timeout: 60_000 });
  assert.equal(result.stderr.includes(testKey), false, "the key is not in stderr");
  assert.equal(result.stdout.includes(testKey), false, "the key is not in stdout");
  return { code: result.exitCode, out: result.stdout, lines: result.stdout.split("\n") };
}

/** The line starting with mark whose text contains every needle. */
function lineWith(lines: string[], mark: "✓" | "✗", ...needles: string[]): string | undefined {
  return lines.find((line) => line.startsWith(`${mark} `) && needles.every((needle) => line.includes(needle)));
}

function configBlock(out: string): string {
  const start = out.indexOf("[mcp_servers.code-worker]");
  assert.ok(start >= 0, "the config.toml block is printed");
  return out.slice(start);
}

test("a ready environment passes every check and prints a config.toml block for this checkout", async (t) => {
  const { env, keyFile } = await setup(t);
  const { code, out, lines } = await runDoctor(env);
  assert.equal(code, 0, out);
  assert.equal(
    lines.some((line) => line.startsWith("✗")),
    false,
    out,
  );
  assert.ok(lineWith(lines, "✓", "key file", keyFile), out);
  assert.ok(lineWith(lines, "✓", "fast model test-fast", "fast-label"), out);
  assert.ok(lineWith(lines, "✓", "http://127.0.0.1:9/v1/messages"), out);
  assert.ok(lineWith(lines, "✓", "Claude Code"), out);
  assert.match(out, /--live/);

  const block = configBlock(out);
  const blockLines = block.split("\n");
  assert.ok(blockLines.includes('command = "node"'));
  assert.ok(blockLines.includes(`args = [${JSON.stringify(serverMain)}]`), block);
  assert.ok(blockLines.includes("startup_timeout_sec = 20"));
  assert.ok(blockLines.includes("tool_timeout_sec = 300"));
  const parsed = await parseToml(t, block);
  if (parsed) {
    const server = (parsed.mcp_servers as Record<string, any>)["code-worker"];
    assert.deepEqual(server.args, [serverMain]);
    assert.equal(server.env.CODE_WORKER_API_KEY_FILE, keyFile);
    assert.equal(server.env.CODE_WORKER_FAST_MODEL, "test-fast");
    assert.equal(server.env.CODE_WORKER_THINK_MODEL, "test-think");
    assert.equal(server.env.CODE_WORKER_BASE_URL, "http://127.0.0.1:9/v1");
    assert.equal(server.tool_timeout_sec, 300);
    assert.equal(server.tools.code_worker_start_implementation.approval_mode, "approve");
    assert.equal(server.tools.code_worker_apply_job.approval_mode, "prompt");
  }
  // The approvals are the README's, line for line.
  const readme = await readFile(join(import.meta.dirname, "..", "..", "README.md"), "utf8");
  const approvals = blockLines.filter((line) => line.startsWith("[mcp_servers.code-worker.tools.") || line.startsWith("approval_mode"));
  assert.equal(approvals.length, 12);
  for (let i = 0; i < approvals.length; i += 2)
    assert.ok(readme.includes(`${approvals[i]}\n${approvals[i + 1]}`), `README lacks ${approvals[i]}`);
});

test("a key file others can read fails with the chmod that fixes it", async (t) => {
  const { env, keyFile } = await setup(t, 0o644);
  const { code, out, lines } = await runDoctor(env);
  assert.equal(code, 1);
  const index = lines.findIndex((line) => line.startsWith("✗") && line.includes(keyFile));
  assert.ok(index >= 0, out);
  assert.match(lines[index]!, /mode 644/);
  assert.equal(lines[index + 1], `    fix: chmod 600 ${keyFile}`);
});

test("a missing model fails naming its variable; a key in the environment is never printed", async (t) => {
  const { env } = await setup(t);
  const { CODE_WORKER_THINK_MODEL: _think, CODE_WORKER_API_KEY_FILE: _file, ...rest } = env;
  const { code, out, lines } = await runDoctor({ ...rest, CODE_WORKER_API_KEY: testKey });
  assert.equal(code, 1);
  assert.ok(lineWith(lines, "✗", "CODE_WORKER_THINK_MODEL"), out);
  assert.ok(lineWith(lines, "✓", "CODE_WORKER_API_KEY", "key file is preferred"), out);
  const block = configBlock(out);
  assert.match(block, /CODE_WORKER_THINK_MODEL = "<set me>"/);
  assert.match(block, /CODE_WORKER_API_KEY_FILE = "<set me>"/);
  assert.match(out, /put the key in a file/);
});

test("--live passes with the right key and fails naming the key variable with a wrong one", async (t) => {
  const provider = await startScriptedProvider({
    scripts: { "*": { turns: [{ content: [{ type: "text", text: "pong" }] }] } },
    apiKey: testKey,
  });
  t.after(() => provider.close());
  const { env, keyFile } = await setup(t);
  env.CODE_WORKER_BASE_URL = `${provider.url}/v1`;

  const right = await runDoctor(env, "--live");
  assert.equal(right.code, 0, right.out);
  assert.ok(lineWith(right.lines, "✓", "live: HTTP 200", `${provider.url}/v1/messages`), right.out);
  assert.deepEqual(
    provider.requests.map((r) => [r.path, r.model, r.apiKey]),
    [["/v1/messages", "test-fast", testKey]],
  );

  const wrongKey = "sk-wrong-0123456789abcdef";
  await writeFile(keyFile, wrongKey);
  const wrong = await runDoctor(env, "--live");
  assert.equal(wrong.code, 1);
  assert.equal(wrong.out.includes(wrongKey), false);
  const index = wrong.lines.findIndex((line) => line.startsWith("✗ live: HTTP 401"));
  assert.ok(index >= 0, wrong.out);
  assert.match(wrong.lines[index + 1]!, /CODE_WORKER_API_KEY_FILE/);
});

test("--live never prints a key the provider echoes back", async (t) => {
  const echo = createServer((req, res) => {
    res.writeHead(401, { "content-type": "application/json" });
    res.end(
      JSON.stringify({
        type: "error",
        error: { type: "authentication_error", message: `invalid key ${String(req.headers["x-api-key"])}` },
      }),
    );
  });
  await new Promise<void>((resolve) => echo.listen(0, "127.0.0.1", resolve));
  t.after(() => new Promise<void>((resolve) => echo.close(() => resolve())));
  const url = `http://127.0.0.1:${(echo.address() as AddressInfo).port}/v1/messages`;
  const check = await liveCheck({ url, model: "m", key: "short", keyVariable: "CODE_WORKER_API_KEY" });
  assert.equal(check.ok, false);
  assert.equal(check.line, `live: HTTP 401 from ${url}: invalid key [redacted]`);
  assert.match(check.fix ?? "", /CODE_WORKER_API_KEY$/);
});

/** Parses with Python's tomllib when there is one (3.11+); no TOML dependency just for this. */
async function parseToml(t: TestContext, text: string): Promise<Record<string, unknown> | undefined> {
  const script = "import json, sys, tomllib; print(json.dumps(tomllib.loads(sys.stdin.read())))";
  const result = await execa("python3", ["-c", script], { input: text, reject: false, timeout: 10_000 });
  assert.equal(result.stderr.includes("TOMLDecodeError"), false, `the block is not valid TOML: ${result.stderr}`);
  if (result.failed) {
    t.diagnostic("python3 with tomllib not available; checked the block's lines only");
    return undefined;
  }
  return JSON.parse(result.stdout) as Record<string, unknown>;
}

test("code-worker doctor --json gives the same checks and block as one object, and never the key", async (t) => {
  const { env, keyFile } = await setup(t);
  const cli = join(import.meta.dirname, "..", "src", "cli", "main.js");
  const result = await execa(process.execPath, [cli, "doctor", "--json"], {
    env: { ...env, CODE_WORKER_API_KEY: "" },
    extendEnv: false,
    reject: false,
    timeout: 60_000,
  });
  assert.equal(result.exitCode, 0, result.stdout);
  assert.ok(!result.stdout.includes(testKey) && !result.stderr.includes(testKey));
  const report = JSON.parse(result.stdout) as { ok: boolean; checks: { ok: boolean; line: string }[]; codex_config: string };
  assert.equal(report.ok, true);
  assert.ok(report.checks.some((check) => check.ok && check.line.includes(keyFile)));
  assert.match(report.codex_config, /^\[mcp_servers\.code-worker\]$/m);
  assert.match(report.codex_config, /args = \[".*\/src\/mcp\/main\.js"\]/);
});
