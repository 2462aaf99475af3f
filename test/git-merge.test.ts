// Merge status, apply and discard against real repositories: a host checkout with a job worktree
// on its own branch, the host moved on or left dirty in the ways a person's checkout is.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { appendFile, chmod, cp, lstat, mkdir, readFile, readdir, readlink, rename, rm, symlink, writeFile } from "node:fs/promises";
import { dirname, join, relative } from "node:path";
import { after, describe, test, type TestContext } from "node:test";
import { execa } from "execa";
import { dir } from "tmp-promise";
import { UserError } from "../src/errors.js";
import { applyJob, discardJob, type ApplyMode, type ApplyRequest } from "../src/git/apply.js";
import { moveHost } from "../src/git/host-update.js";
import { mergeInputs, mergeStatus } from "../src/git/merge.js";
import { addWorktree } from "../src/git/worktree.js";

interface Scenario {
  host: string;
  worktree: string;
  branch: string;
  base: string;
}

const modes: ApplyMode[] = ["commit", "merge", "working-tree"];
const message = { subject: "Fix the notes", body: "Done by a worker.", trailers: { "Code-Worker-Job": "notes-k7m2" } };

async function git(cwd: string, ...args: string[]): Promise<string> {
  return (await execa("git", args, { cwd })).stdout;
}

/** Writes files (null deletes one) under root. */
async function write(root: string, files: Record<string, string | null>): Promise<void> {
  for (const [path, content] of Object.entries(files)) {
    const full = join(root, path);
    if (content === null) await rm(full);
    else await mkdir(dirname(full), { recursive: true }).then(() => writeFile(full, content));
  }
}

async function hostCommit(host: string, files: Record<string, string | null>, subject = "Host change"): Promise<string> {
  await write(host, files);
  await git(host, "add", "--all");
  await git(host, "commit", "--quiet", "-m", subject);
  return git(host, "rev-parse", "HEAD");
}

/** What the runner's commit step does, in fewer git processes: everything in the worktree, committed on the job branch. */
async function jobCommit(s: Scenario, files: Record<string, string | null>): Promise<void> {
  await write(s.worktree, files);
  await git(s.worktree, "add", "--all");
  await git(s.worktree, "commit", "--quiet", "--allow-empty", "-m", "Job change");
}

/** A host on main with a few files (an executable, a symlink, an ignore rule), and a job worktree branched from its HEAD. */
async function scenario(t: TestContext): Promise<Scenario> {
  const temp = await dir({ prefix: "code-worker-merge-", unsafeCleanup: true });
  t.after(() => temp.cleanup());
  const host = join(temp.path, "host");
  await cp(template.host, host, { recursive: true, verbatimSymlinks: true });
  const s = { host, worktree: join(temp.path, "worktrees", "notes-k7m2"), branch: "code-worker/notes-k7m2", base: template.base };
  await addWorktree(host, s.worktree, s.branch, s.base, join(host, ".git", "code-worker", "worktree-add.lock"));
  return s;
}

/** Every case starts from the same first commit, made once and copied: git processes are most of these tests' time. */
async function hostTemplate(): Promise<{ host: string; base: string }> {
  const temp = await dir({ prefix: "code-worker-merge-template-", unsafeCleanup: true });
  after(() => temp.cleanup());
  const host = join(temp.path, "host");
  await mkdir(host);
  await git(host, "init", "--quiet", "--initial-branch=main");
  await appendFile(join(host, ".git/config"), "[user]\n\tname = Host Person\n\temail = host@example.com\n[maintenance]\n\tauto = false\n");
  await write(host, {
    "notes.txt": "one\ntwo\nthree\n",
    "README.md": "# host\n",
    "src/app.js": "export const app = 1;\n",
    "run.sh": "#!/bin/sh\necho run\n",
    ".gitignore": ".env\n",
  });
  await symlink("README.md", join(host, "link"));
  return { host, base: await hostCommit(host, {}, "Initial") };
}

const template = await hostTemplate();

function request(s: Scenario, mode: ApplyMode): ApplyRequest {
  return { hostRoot: s.host, branch: s.branch, baseCommit: s.base, mode, message };
}

/** Everything apply could change in the host: its files, index, HEAD, refs and state files (MERGE_HEAD, index.lock…). */
async function snapshot(host: string): Promise<string> {
  const files: string[] = [];
  const walk = async (path: string): Promise<void> => {
    const stat = await lstat(path);
    const rel = relative(host, path);
    if (stat.isDirectory()) {
      for (const name of (await readdir(path)).sort()) if (name !== ".git") await walk(join(path, name));
    } else if (stat.isSymbolicLink()) files.push(`${rel} -> ${await readlink(path)}`);
    else
      files.push(
        `${rel} ${stat.mode.toString(8)} ${createHash("sha256")
          .update(await readFile(path))
          .digest("hex")}`,
      );
  };
  await walk(host);
  const facts = await Promise.all([
    git(host, "ls-files", "--stage"),
    readFile(join(host, ".git/HEAD"), "utf8"),
    git(host, "for-each-ref", "--format=%(refname) %(objectname)"),
    readdir(join(host, ".git")).then((names) => names.sort().join(" ")),
  ]);
  return [...files, ...facts].join("\n");
}

/** Every mode refuses with one line, and leaves the host as it was; `carries` is the code and the data the line was built from. */
async function assertRefused(
  s: Scenario,
  modesToTry: ApplyMode[],
  refusal: RegExp,
  carries?: Pick<UserError, "code" | "data">,
): Promise<void> {
  const before = await snapshot(s.host);
  for (const mode of modesToTry) {
    await assert.rejects(applyJob(request(s, mode)), (error: Error) => {
      assert.ok(error instanceof UserError);
      assert.match(error.message, refusal);
      assert.doesNotMatch(error.message, /\n/);
      if (carries) assert.deepEqual({ code: error.code, data: error.data }, carries, mode);
      return true;
    });
    assert.equal(await snapshot(s.host), before, `${mode} changed the host while refusing`);
  }
}

// Each case builds its own repositories, so they run side by side; git processes are most of the time.
describe("merge status, apply and discard", { concurrency: 4 }, () => {
  test("a host that moved on with an unrelated commit merges clean; commit mode adds one commit on top, once", async (t) => {
    const s = await scenario(t);
    await jobCommit(s, { "notes.txt": "one\nTWO\nthree\n" });
    const hostHead = await hostCommit(s.host, { "README.md": "# host, moved on\n" });

    const status = await mergeStatus(s.host, s.branch, s.base);
    assert.deepEqual(status, { status: "clean", base: s.base.slice(0, 7), host_head: hostHead.slice(0, 7), host_head_full: hostHead });

    const result = await applyJob(request(s, "commit"));
    const head = await git(s.host, "rev-parse", "HEAD");
    assert.deepEqual(result, {
      mode: "commit",
      host_head: head.slice(0, 7),
      host_head_full: head,
      commit: head.slice(0, 7),
      files: ["notes.txt"],
    });
    assert.equal(await git(s.host, "rev-parse", "main"), head);
    assert.equal(await git(s.host, "log", "--format=%P", "-1"), hostHead);
    assert.equal(await git(s.host, "log", "--format=%B", "-1"), "Fix the notes\n\nDone by a worker.\n\nCode-Worker-Job: notes-k7m2\n");
    assert.equal(await git(s.host, "log", "--format=%(trailers:key=Code-Worker-Job,valueonly)", "-1"), "notes-k7m2\n");
    assert.equal(
      await git(s.host, "log", "--format=%an <%ae> / %cn <%ce>", "-1"),
      "Host Person <host@example.com> / Host Person <host@example.com>",
    );
    assert.equal(await readFile(join(s.host, "notes.txt"), "utf8"), "one\nTWO\nthree\n");
    assert.equal(await readFile(join(s.host, "README.md"), "utf8"), "# host, moved on\n");
    assert.equal(await git(s.host, "status", "--porcelain"), "");
    assert.match(await git(s.host, "reflog", "-1", "--format=%gs"), /^code-worker: apply code-worker\/notes-k7m2 \(commit\)$/);
    await assertRefused(s, modes, /^the job's change is already in the host's HEAD [0-9a-f]{7}; nothing to apply$/);
    assert.equal((await mergeStatus(s.host, s.branch, s.base)).status, "empty");
  });

  test("the same lines changed on both sides is a conflict that every mode refuses without touching the host", async (t) => {
    const s = await scenario(t);
    await jobCommit(s, { "notes.txt": "one\nthe job's two\nthree\n", "src/app.js": "export const app = 2;\n" });
    const hostHead = await hostCommit(s.host, { "notes.txt": "one\nthe host's two\nthree\n" });

    const status = await mergeStatus(s.host, s.branch, s.base);
    assert.deepEqual(status, {
      status: "conflicts",
      conflicts: { paths: ["notes.txt"], count: 1 },
      base: s.base.slice(0, 7),
      host_head: hostHead.slice(0, 7),
      host_head_full: hostHead,
    });
    const conflict = { code: "conflict", data: { host_head: hostHead, branch: s.branch, paths: ["notes.txt"] } } as const;
    await assertRefused(
      s,
      modes,
      /^the job's change conflicts with the host's HEAD [0-9a-f]{7} in notes\.txt; run the job again from the current HEAD/,
      conflict,
    );
  });

  test("uncommitted host changes in a path the job changes refuse the apply and survive byte for byte", async (t) => {
    const s = await scenario(t);
    await jobCommit(s, { "notes.txt": "one\nTWO\nthree\n", "new.txt": "new\n" });
    const refusal = /^the host has uncommitted changes in notes\.txt, which the job also changes; commit or stash them/;

    await write(s.host, { "notes.txt": "one\ntwo\nthree\nthe host's unsaved line\n" });
    await assertRefused(s, modes, refusal, { code: "host_dirty", data: { paths: ["notes.txt"] } });

    await git(s.host, "add", "notes.txt");
    await write(s.host, { "notes.txt": "one\ntwo\nthree\n" }); // staged change, working tree back to HEAD
    await assertRefused(s, modes, refusal);
    assert.equal(await git(s.host, "show", ":notes.txt"), "one\ntwo\nthree\nthe host's unsaved line");
  });

  test("untracked files where the job adds one refuse the apply, ignored ones included", async (t) => {
    const s = await scenario(t);
    await write(s.worktree, { ".env": "JOB=1\n" });
    await git(s.worktree, "add", "--force", ".env"); // the host ignores it, the job adds it all the same
    await jobCommit(s, { "docs/guide.md": "# guide\n" });
    await write(s.host, { ".env": "SECRET=host's own\n" });
    await assertRefused(s, modes, /^untracked files in the host are in the way of the job's new files: \.env;/, {
      code: "host_dirty",
      data: { paths: [".env"] },
    });
    await rm(join(s.host, ".env"));
    await write(s.host, { docs: "a file where the job needs a directory\n" });
    await assertRefused(s, modes, /in the way of the job's new files: docs;/);
  });

  test("uncommitted host changes elsewhere survive every mode, staged ones still staged", async (t) => {
    for (const mode of modes) {
      const s = await scenario(t);
      await jobCommit(s, { "notes.txt": "one\nTWO\nthree\n", "new.txt": "new\n" });
      await write(s.host, {
        "README.md": "# host, unsaved\n",
        "src/app.js": "export const app = 3;\n",
        "scratch.txt": "scratch\n",
        ".env": "SECRET=1\n",
      });
      await git(s.host, "add", "src/app.js");
      const staged = await git(s.host, "diff", "--cached");

      await applyJob(request(s, mode));
      assert.equal(await readFile(join(s.host, "README.md"), "utf8"), "# host, unsaved\n", mode);
      assert.equal(await readFile(join(s.host, "scratch.txt"), "utf8"), "scratch\n", mode);
      assert.equal(await readFile(join(s.host, ".env"), "utf8"), "SECRET=1\n", mode);
      assert.equal(await git(s.host, "diff", "--cached"), staged, mode);
      assert.equal(await readFile(join(s.host, "notes.txt"), "utf8"), "one\nTWO\nthree\n", mode);
      assert.equal(await readFile(join(s.host, "new.txt"), "utf8"), "new\n", mode);
      if (mode !== "working-tree") assert.equal(await git(s.host, "show", "HEAD:README.md"), "# host", mode);
    }
  });

  test("merge mode makes a merge commit of the host's HEAD and the job's branch", async (t) => {
    const s = await scenario(t);
    await jobCommit(s, { "notes.txt": "one\nTWO\nthree\n" });
    const hostHead = await hostCommit(s.host, { "README.md": "# host, moved on\n" });
    const branchHead = await git(s.host, "rev-parse", s.branch);

    const result = await applyJob(request(s, "merge"));
    assert.equal(await git(s.host, "log", "--format=%P", "-1"), `${hostHead} ${branchHead}`);
    assert.equal(await git(s.host, "log", "--format=%s", "-1"), "Fix the notes");
    assert.equal(result.host_head_full, await git(s.host, "rev-parse", "main"));
    assert.equal(await git(s.host, "merge-base", "--is-ancestor", s.branch, "HEAD"), "");
    assert.equal(await git(s.host, "status", "--porcelain"), "");
  });

  test("working-tree mode changes files only: HEAD and index stay, git status shows the change unstaged", async (t) => {
    const s = await scenario(t);
    await jobCommit(s, { "notes.txt": "one\nTWO\nthree\n", "new.txt": "new\n", "README.md": null });
    const head = await git(s.host, "rev-parse", "HEAD");
    const index = await git(s.host, "ls-files", "--stage");

    const result = await applyJob(request(s, "working-tree"));
    assert.deepEqual(result, {
      mode: "working-tree",
      host_head: head.slice(0, 7),
      host_head_full: head,
      files: ["README.md", "new.txt", "notes.txt"],
    });
    assert.equal(await git(s.host, "rev-parse", "HEAD"), head);
    assert.equal(await git(s.host, "ls-files", "--stage"), index);
    assert.equal(await git(s.host, "status", "--porcelain", "--untracked-files=all"), " D README.md\n M notes.txt\n?? new.txt");
    assert.equal(await git(s.host, "diff", "--cached"), "");
  });

  test("deletions, renames, new files, executable bits and symlinks come through in every mode", async (t) => {
    for (const mode of modes) {
      const s = await scenario(t);
      await rename(join(s.worktree, "src/app.js"), join(s.worktree, "src/main.js"));
      await jobCommit(s, { "notes.txt": null, "bin/tool.sh": "#!/bin/sh\necho tool\n" });
      await chmod(join(s.worktree, "bin/tool.sh"), 0o755);
      await chmod(join(s.worktree, "run.sh"), 0o755);
      await rm(join(s.worktree, "link"));
      await symlink("src/main.js", join(s.worktree, "link"));
      await symlink("bin", join(s.worktree, "bin-link"));
      await jobCommit(s, {});
      await hostCommit(s.host, { "README.md": "# host, moved on\n" });

      const result = await applyJob(request(s, mode));
      assert.deepEqual(result.files, ["bin-link", "bin/tool.sh", "link", "notes.txt", "run.sh", "src/app.js", "src/main.js"], mode);
      assert.equal(existsSync(join(s.host, "notes.txt")), false, mode);
      assert.equal(existsSync(join(s.host, "src/app.js")), false, mode);
      assert.equal(await readFile(join(s.host, "src/main.js"), "utf8"), "export const app = 1;\n", mode);
      assert.equal((await lstat(join(s.host, "bin/tool.sh"))).mode & 0o111, 0o111, mode);
      assert.equal((await lstat(join(s.host, "run.sh"))).mode & 0o111, 0o111, mode);
      assert.equal(await readlink(join(s.host, "link")), "src/main.js", mode);
      assert.equal(await readlink(join(s.host, "bin-link")), "bin", mode);
      if (mode === "working-tree") continue;
      const tree = await git(s.host, "ls-tree", "-r", "--format=%(objectmode) %(path)", "HEAD");
      const expected = [
        "100644 .gitignore",
        "100644 README.md",
        "120000 bin-link",
        "100755 bin/tool.sh",
        "120000 link",
        "100755 run.sh",
        "100644 src/main.js",
      ];
      assert.equal(tree, expected.join("\n"), mode);
      assert.equal(await git(s.host, "status", "--porcelain"), "", mode);
    }
  });

  test("a host mid-merge is refused in every mode; a detached HEAD in the commit and merge modes", async (t) => {
    const s = await scenario(t);
    await jobCommit(s, { "src/app.js": "export const app = 2;\n" });
    await git(s.host, "checkout", "--quiet", "-b", "side");
    await hostCommit(s.host, { "notes.txt": "side\n" });
    await git(s.host, "checkout", "--quiet", "main");
    await hostCommit(s.host, { "notes.txt": "main\n" });
    await assert.rejects(git(s.host, "merge", "side"));
    await assertRefused(
      s,
      modes,
      /^the host's checkout is in the middle of a merge \(finish it or run git merge --abort\), then apply again$/,
      { code: "host_dirty", data: {} },
    );

    await git(s.host, "merge", "--abort");
    await git(s.host, "checkout", "--quiet", "--detach");
    await assertRefused(
      s,
      ["commit", "merge"],
      /^the host's checkout has a detached HEAD; check out a branch, or apply with mode "working-tree"$/,
      { code: "invalid_state", data: {} },
    );
    assert.equal((await mergeStatus(s.host, s.branch, s.base)).status, "clean");
    await applyJob(request(s, "working-tree"));
    assert.equal(await git(s.host, "status", "--porcelain"), " M src/app.js");
  });

  test("unresolved conflicts left in the host's index without a merge under way are refused", async (t) => {
    const s = await scenario(t);
    await jobCommit(s, { "src/app.js": "export const app = 2;\n" });
    await write(s.host, { "notes.txt": "stashed\n" });
    await git(s.host, "stash", "--quiet");
    await hostCommit(s.host, { "notes.txt": "committed\n" });
    await assert.rejects(git(s.host, "stash", "pop", "--quiet")); // conflicts, and leaves notes.txt unmerged
    await assertRefused(s, modes, /^the host has unresolved conflicts in notes\.txt; resolve or reset them, then apply again$/);
  });

  test("a branch without changes is empty, and apply refuses it", async (t) => {
    const s = await scenario(t);
    assert.equal((await mergeStatus(s.host, s.branch, s.base)).status, "empty");
    await assertRefused(
      s,
      ["commit"],
      /^job branch "code-worker\/notes-k7m2" has no changes against its base [0-9a-f]{7}; nothing to apply/,
    );

    await jobCommit(s, { "notes.txt": "changed\n" });
    await jobCommit(s, { "notes.txt": "one\ntwo\nthree\n" }); // and changed back
    assert.equal((await mergeStatus(s.host, s.branch, s.base)).status, "empty");
  });

  test("a change the host's HEAD already has is empty, as apply's refusal says", async (t) => {
    const s = await scenario(t);
    await jobCommit(s, { "notes.txt": "one\nTWO\nthree\n", "new.txt": "new\n" });
    const hostHead = await hostCommit(s.host, { "notes.txt": "one\nTWO\nthree\n", "new.txt": "new\n" }, "The host makes the same change");

    const status = await mergeStatus(s.host, s.branch, s.base);
    assert.deepEqual(status, { status: "empty", base: s.base.slice(0, 7), host_head: hostHead.slice(0, 7), host_head_full: hostHead });
    await assertRefused(s, modes, new RegExp(`^the job's change is already in the host's HEAD ${hostHead.slice(0, 7)}; nothing to apply$`));

    await hostCommit(s.host, { "new.txt": null }, "The host drops half of it");
    assert.equal((await mergeStatus(s.host, s.branch, s.base)).status, "clean");
  });

  test("a host on a branch without the job's base gets the job's change and nothing else", async (t) => {
    const s = await scenario(t);
    const first = s.base;
    s.base = await hostCommit(s.host, { "README.md": "# only on main\n" });
    await discardJob(s.host, s.worktree, s.branch);
    await addWorktree(s.host, s.worktree, s.branch, s.base, join(s.host, ".git", "code-worker", "worktree-add.lock"));
    await jobCommit(s, { "notes.txt": "one\nTWO\nthree\n" });
    await git(s.host, "checkout", "--quiet", "-b", "release", first);

    assert.equal((await mergeStatus(s.host, s.branch, s.base)).status, "clean");
    const result = await applyJob(request(s, "commit"));
    assert.deepEqual(result.files, ["notes.txt"]);
    assert.equal(await readFile(join(s.host, "README.md"), "utf8"), "# host\n");
  });

  test("a host whose HEAD moved since the status was read is judged afresh, and a stale move is refused", async (t) => {
    const s = await scenario(t);
    await jobCommit(s, { "notes.txt": "one\nthe job's two\nthree\n" });
    assert.equal((await mergeStatus(s.host, s.branch, s.base)).status, "clean");
    const atStatus = await mergeInputs(s.host, s.branch);
    await hostCommit(s.host, { "notes.txt": "one\nthe host's two\nthree\n" });
    const atApply = await mergeInputs(s.host, s.branch);
    assert.notEqual(atApply.hostHead, atStatus.hostHead); // what tells a cached status it is stale
    assert.equal(atApply.branchHead, atStatus.branchHead);
    await assertRefused(s, ["commit"], /conflicts with the host's HEAD/);

    // The last step itself: moving the host from a HEAD it has already left.
    const moved = await hostCommit(s.host, { "README.md": "# moved again\n" });
    const snapshotBefore = await snapshot(s.host);
    const stale = `${moved}~1`;
    const target = await git(s.host, "commit-tree", "-p", stale, "-m", "stale", `${s.branch}^{tree}`);
    await assert.rejects(moveHost(s.host, await git(s.host, "rev-parse", stale), target, "test"), {
      name: "UserError",
      code: "busy",
      message: /^could not move the host's HEAD \(it moved during apply and is no longer [0-9a-f]{7}\); nothing was changed, apply again$/,
    });
    assert.equal(await snapshot(s.host), snapshotBefore);
  });

  test("an unborn host branch gets a status, and apply asks for a first commit", async (t) => {
    const s = await scenario(t);
    await jobCommit(s, { "new.txt": "new\n" });
    await git(s.host, "checkout", "--quiet", "--orphan", "fresh");
    await git(s.host, "rm", "-r", "--quiet", "--cached", ".");
    assert.deepEqual(await mergeInputs(s.host, s.branch), { hostHead: undefined, branchHead: await git(s.host, "rev-parse", s.branch) });
    assert.deepEqual(await mergeStatus(s.host, s.branch, s.base), {
      status: "clean",
      base: s.base.slice(0, 7),
      host_head: "",
      host_head_full: "",
    });
    await assertRefused(s, ["commit"], /^the host's branch has no commits yet; commit something, then apply again$/);
  });

  test("discard removes the worktree, its registration and the branch, and may run twice", async (t) => {
    const s = await scenario(t);
    await jobCommit(s, { "notes.txt": "one\nTWO\nthree\n" });
    await write(s.worktree, { "leftover.txt": "untracked\n", ".env": "ignored\n", "README.md": "dirty\n" });

    await discardJob(s.host, s.worktree, s.branch);
    assert.equal(existsSync(s.worktree), false);
    assert.deepEqual(await readdir(dirname(s.worktree)), []);
    assert.equal((await git(s.host, "worktree", "list", "--porcelain")).match(/^worktree /gm)?.length, 1);
    assert.equal(await git(s.host, "branch", "--list", "code-worker/*"), "");
    assert.equal(await git(s.host, "status", "--porcelain"), "");
    await discardJob(s.host, s.worktree, s.branch);
  });

  test("discard after the worktree was deleted by hand, and refusal while the host has the branch checked out", async (t) => {
    const s = await scenario(t);
    await rm(s.worktree, { recursive: true });
    await discardJob(s.host, s.worktree, s.branch);
    assert.equal((await git(s.host, "worktree", "list", "--porcelain")).match(/^worktree /gm)?.length, 1);
    assert.equal(await git(s.host, "branch", "--list", "code-worker/*"), "");

    await git(s.host, "branch", s.branch);
    await git(s.host, "checkout", "--quiet", s.branch);
    await assert.rejects(discardJob(s.host, s.worktree, s.branch), {
      name: "UserError",
      code: "invalid_state",
      data: { branch: s.branch, checkout: s.host },
      message: `branch "${s.branch}" is checked out in "${s.host}"; switch that checkout to another branch, then discard again`,
    });
  });
});

// Alone: it changes the environment every git process inherits.
test("without a configured identity the commit is made as code-worker", async (t) => {
  const s = await scenario(t);
  await jobCommit(s, { "notes.txt": "one\nTWO\nthree\n" });
  await git(s.host, "config", "--unset", "user.name");
  await git(s.host, "config", "--unset", "user.email");
  const saved = { global: process.env.GIT_CONFIG_GLOBAL, system: process.env.GIT_CONFIG_NOSYSTEM };
  process.env.GIT_CONFIG_GLOBAL = "/dev/null";
  process.env.GIT_CONFIG_NOSYSTEM = "1";
  try {
    await applyJob(request(s, "commit"));
  } finally {
    for (const [name, value] of [
      ["GIT_CONFIG_GLOBAL", saved.global],
      ["GIT_CONFIG_NOSYSTEM", saved.system],
    ] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
  assert.equal(
    await git(s.host, "log", "--format=%an <%ae> / %cn <%ce>", "-1"),
    "code-worker <code-worker@localhost> / code-worker <code-worker@localhost>",
  );
});
