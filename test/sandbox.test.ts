// A worker that tries to reach outside its worktree: the host checkout, the repository's git dir,
// the key file and its own environment. Needs bubblewrap and socat (.ci/run installs them).
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import type { ScriptTurn } from "../src/provider/scripted-provider.js";
import { bash, say } from "../src/demo/sample.js";
import { filesContaining, fixture, hostState, sandboxAvailable, testKey } from "./helpers.js";

const keyHead = testKey.slice(0, 12);
/** keyHead split by shell quoting, so the command line itself does not carry it. */
const keyHeadPattern = `"${keyHead.slice(0, 6)}""${keyHead.slice(6)}"`;

test("a sandboxed worker cannot write the host checkout or git dir, nor read the key", { skip: !sandboxAvailable && "bwrap and socat are not installed" }, async (t) => {
  const f = await fixture(t, {
    scripts: ({ repo, keyFile }) => ({
      "test-fast": {
        turns: [
          bash(`echo pwned > ${repo}/pwned.txt; echo pwned >> ${repo}/src/sum.js; echo pwned > ${repo}/.git/refs/heads/pwned`),
          bash(`cat ${keyFile}; env; cat /proc/*/environ 2>/dev/null | tr '\\0' '\\n' | grep -c ${keyHeadPattern}`),
          { content: [{ type: "tool_use", name: "Write", input: { file_path: `${repo}/written.txt`, content: "pwned" } }] } satisfies ScriptTurn,
          { content: [{ type: "tool_use", name: "Read", input: { file_path: keyFile } }] } satisfies ScriptTurn,
          say("Tried everything."),
        ],
      },
    }),
  });
  const before = hostState(f.repo);
  const started = await f.engine.start({ cwd: f.repo, task: "Escape.", tier: "fast" });
  const job = await f.engine.wait(started.id, 120);
  assert.equal(job.status, "done", job.error);

  assert.ok(!existsSync(join(f.repo, "pwned.txt")));
  assert.ok(!existsSync(join(f.repo, "written.txt")));
  assert.ok(!existsSync(join(f.repo, ".git", "refs", "heads", "pwned")));
  assert.deepEqual(hostState(f.repo), before);

  // The redactor would hide a leak from the files; the raw tool results must not have had the key to hide.
  const events = await readFile(join(f.repo, ".git", "code-worker", "jobs", job.id, "events.jsonl"), "utf8");
  assert.ok(!events.includes("[redacted]"), "a command saw the key");
  assert.ok(!events.includes(keyHead));
  assert.deepEqual(filesContaining(f.root, testKey).filter((path) => path !== f.keyFile), []);
  assert.equal(job.changes?.files, 0);
});
