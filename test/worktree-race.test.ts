// Many jobs starting at once in one repository: git's own `worktree add` races when run
// concurrently (one reads another's half-made entry), so every add takes its turn.
import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { dir } from "tmp-promise";
import { createSampleRepo } from "../src/demo/sample.js";
import { addWorktree } from "../src/git/worktree.js";

test("forty worktrees added at once in one repository all succeed", async (t) => {
  const temp = await dir({ prefix: "code-worker-race-", unsafeCleanup: true });
  t.after(() => temp.cleanup());
  const repo = join(temp.path, "repo");
  await createSampleRepo(repo);
  const lock = join(repo, ".git", "code-worker", "worktree-add.lock");
  const adds = Array.from({ length: 40 }, (_, i) =>
    addWorktree(repo, join(temp.path, "worktrees", `job-${i}`), `code-worker/job-${i}`, "HEAD", lock),
  );
  const outcomes = await Promise.allSettled(adds);
  assert.deepEqual(
    outcomes.filter((outcome) => outcome.status === "rejected").map((outcome) => String((outcome as PromiseRejectedResult).reason)),
    [],
  );
});
