// What the runner does with what a hostile worker wrote: it executes none of it (git drivers the
// repository configures, planted git dirs), stores no file over the size limit and no file holding
// the key in the host's object store, and serves no output that carries the key.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { execa } from "execa";
import { bash, fixSum, readSum, say, samplePolicy } from "../../src/demo/sample.js";
import { sandboxAvailable, testKey } from "../helpers.js";
import { asRoot, assertOnlyOwnChanged, hostile, keyHolders, largestObject, outsideState } from "./hostile.js";

const skip = !sandboxAvailable && "bubblewrap and socat are not installed";
const as = asRoot ? "root" : "user";

const plantGitDir = [
  'const fs = require("fs"); const dot = "." + "git";',
  'fs.writeFileSync(".gitattributes", "* filter=evil diff=evil\\n");',
  "fs.mkdirSync(`nested/${dot}/refs`, { recursive: true }); fs.mkdirSync(`nested/${dot}/objects`);",
  'fs.writeFileSync(`nested/${dot}/HEAD`, "ref: refs/heads/main\\n");',
  'fs.writeFileSync(`nested/${dot}/config`, "[core]\\n\\tfsmonitor = touch MARKER-fsmonitor\\n\\trepositoryformatversion = 0\\n");',
  'fs.writeFileSync("nested/file.txt", "data\\n");',
].join(" ");

test("no git driver, hook or planted git dir a worker wrote runs in the runner or the control plane", { skip }, async (t) => {
  const h = await hostile(t, as, {
    scripts: {
      "test-fast": {
        turns: [
          readSum,
          fixSum,
          // Written through node, which Claude Code's own permission checks cannot read into.
          bash(`node -e '${plantGitDir.replaceAll("MARKER", join("/tmp", "cw-marker"))}'`),
          say("Fixed, with attributes."),
        ],
      },
    },
  });
  const markers = join(h.root, "markers");
  // Drivers the person configured in the repository: a worker's .gitattributes could route files through them.
  await execa("git", ["-c", "safe.directory=*", "config", "filter.evil.clean", `mkdir -p ${markers}; touch ${markers}/clean; cat`], {
    cwd: h.repo,
  });
  await execa(
    "git",
    ["-c", "safe.directory=*", "config", "diff.evil.textconv", `sh -c 'mkdir -p ${markers}; touch ${markers}/textconv; cat "$0"'`],
    { cwd: h.repo },
  );
  await execa("git", ["-c", "safe.directory=*", "config", "diff.evil.command", `sh -c 'mkdir -p ${markers}; touch ${markers}/external'`], {
    cwd: h.repo,
  });
  const job = await h.run("Fix sum.");
  assert.equal(job.status, "done", job.error);
  await h.engine.detail(job.id, "diff").catch(() => undefined);
  assert.ok(!existsSync(markers), "a driver ran");
  assert.ok(!existsSync("/tmp/cw-marker-fsmonitor"));
  assert.deepEqual(job.withheld, [{ path: "nested/", why: "repository" }]);
  assert.equal(job.verdict?.verdict, "reject");
  assert.match(job.verdict!.reasons.join("\n"), /floor-git-internals: .*nested\/\.git/);
  assert.match(job.verdict!.reasons.join("\n"), /floor-git-config: .*\.gitattributes/);
});

test("a file over the size limit never enters the host's object store", { skip }, async (t) => {
  const policy = samplePolicy(["Read", "Glob", "Grep", "Edit", "Write", "Bash"]).replace(
    "rules:",
    "rules:\n  max-file-size: { max: 64KiB }",
  );
  const h = await hostile(t, as, {
    policy,
    scripts: {
      "test-fast": {
        turns: [readSum, fixSum, bash("head -c 3000000 /dev/urandom > big.bin && echo small > small.txt"), say("Added data.")],
      },
    },
  });
  const before = largestObject(h.repo);
  const job = await h.run("Add data.");
  assert.equal(job.status, "done", job.error);
  assert.equal(job.verdict?.verdict, "reject");
  assert.match(job.verdict!.reasons.join("\n"), /max-file-size: larger than 64KiB: big\.bin \(2\.9MiB\)/);
  assert.deepEqual(job.withheld, [{ path: "big.bin", why: "size", bytes: 3_000_000 }]);
  assert.ok(largestObject(h.repo) < 100_000, "the big file became an object");
  assert.equal(before < 100_000, true);
  const files = (
    await execa("git", ["-c", "safe.directory=*", "diff", "--name-only", `${job.base.commit}..${job.branch}`], { cwd: h.repo })
  ).stdout.split("\n");
  assert.deepEqual(files.sort(), ["small.txt", "src/sum.js"]);
  await h.engine.discard(job.id);
  assert.ok(largestObject(h.repo) < 100_000);
});

test(
  "the key in any common encoding is withheld from the commit, its diff is not served, and no output carries it",
  { skip },
  async (t) => {
    const encoded = Buffer.from(`token=${testKey}`).toString("base64");
    const reversed = [...testKey].reverse().join("");
    const policy = samplePolicy(["Read", "Glob", "Grep", "Edit", "Write", "Bash"]).replace(
      'run: "node --test"',
      'run: "cat notes/rev.txt; node --test"',
    );
    const h = await hostile(t, as, {
      policy,
      // A hostile provider echoes the key it was sent: the worker writes it back encoded and in a file name.
      scripts: {
        "test-fast": {
          turns: [
            readSum,
            fixSum,
            bash(
              `mkdir -p notes && echo ${encoded} > notes/b64.txt && echo ${reversed} > notes/rev.txt && echo x > notes/${Buffer.from(testKey).toString("hex")}.txt && echo fine > notes/ok.txt`,
            ),
            say(`Done. The key is ${encoded}.`),
          ],
        },
      },
    });
    const before = outsideState(h);
    const job = await h.run("Leak.");
    assert.equal(job.status, "done", job.error);
    assert.equal(job.verdict?.verdict, "reject");
    assert.match(job.verdict!.reasons[0]!, /^floor-provider-key: the provider key \(or an encoding of it\) was found in /);
    assert.deepEqual(
      job.withheld?.map((file) => file.why),
      ["secret", "secret", "secret"],
    );
    await assert.rejects(h.engine.detail(job.id, "diff"), /its diff is not served; discard the job/);
    await assert.rejects(h.engine.apply(job.id), /reject/);
    const log = readFileSync(join(h.repo, ".git", "code-worker", "jobs", job.id, "checks", "test.log"), "utf8");
    assert.match(log, /\[redacted\]/);
    assert.deepEqual(
      keyHolders(h).filter((path) => !path.startsWith(job.worktree)),
      [],
    );
    const committed = (
      await execa("git", ["-c", "safe.directory=*", "diff", "--name-only", `${job.base.commit}..${job.branch}`], { cwd: h.repo })
    ).stdout.split("\n");
    assert.deepEqual(committed.sort(), ["notes/ok.txt", "src/sum.js"]);
    assertOnlyOwnChanged(h, before, job.id);
  },
);

test("many files each under the size limit still put at most 64 MiB into the host's object store", { skip }, async (t) => {
  const h = await hostile(t, as, {
    scripts: {
      "test-fast": {
        turns: [
          readSum,
          fixSum,
          bash("mkdir d && for i in $(seq 1 150); do head -c 512000 /dev/urandom > d/f$i.bin; done"),
          say("Added data."),
        ],
      },
    },
  });
  const before = objectStoreBytes(h.repo);
  const job = await h.run("Add data.");
  assert.equal(job.status, "done", job.error);
  assert.equal(job.verdict?.verdict, "reject");
  assert.match(job.verdict!.reasons[0]!, /^floor-change-size: the change's files add up to more than 64MiB; not committed: d\/f\d+\.bin/);
  assert.ok(objectStoreBytes(h.repo) - before < 66 * 1024 * 1024, "more than the total went into the object store");
});

test("a job cannot be based on a job branch, whose policy a worker wrote", { skip }, async (t) => {
  const h = await hostile(t, as, {
    scripts: {
      "test-fast": {
        turns: [readSum, fixSum, bash("printf 'version: 1\\nrules: { max-files: { max: 1000 } }\\n' > .code-worker/p.yaml"), say("Done.")],
      },
    },
  });
  const first = await h.run("Fix sum.");
  assert.equal(first.status, "done", first.error);
  await assert.rejects(h.engine.start({ cwd: h.repo, task: "Next.", base: first.branch }), {
    message: `base "${first.branch}" holds commits only job branches have: a base judges the job with its own policy, so it must be yours; apply the job first, or pass a branch of yours`,
  });
});

test("worktree setup never copies or links through a symlink of the repository", { skip }, async (t) => {
  const policy = samplePolicy(["Read", "Glob", "Grep", "Edit", "Write", "Bash"]).concat('worktree:\n  copy: ["conf/local.env"]\n');
  const h = await hostile(t, as, { policy, scripts: { "test-fast": { turns: [say("Never asked.")] } } });
  const outside = join(h.root, "outside");
  await execa("mkdir", ["-p", outside]);
  await execa("ln", ["-s", outside, join(h.repo, "conf")]);
  await h.commit({ ".gitignore": "conf/local.env\n" });
  // The host's own checkout has a real directory there, holding an ignored file setup copies.
  await execa("sh", ["-c", "rm conf && mkdir conf && echo HOST-SECRET=1 > conf/local.env"], { cwd: h.repo });
  const job = await h.run("Anything.");
  assert.equal(job.status, "failed");
  assert.equal(
    job.error,
    'worktree.copy "conf/local.env" goes through the symlink "conf" of the repository; setup writes only to paths without links',
  );
  assert.deepEqual(readdirSync(outside), []);
});

function objectStoreBytes(repo: string): number {
  const out = execFileSync("git", ["-c", "safe.directory=*", "-C", repo, "count-objects", "-v"], { encoding: "utf8" });
  const field = (name: string) => Number(new RegExp(`^${name}: (\\d+)$`, "m").exec(out)?.[1] ?? 0) * 1024;
  return field("size") + field("size-pack");
}
