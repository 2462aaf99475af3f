// The change facts a policy judges, read from real commits: statuses, counts, binaries, renames,
// symlinks, sizes, added lines and package.json's text on both sides.
import assert from "node:assert/strict";
import { mkdir, rm, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { simpleGit } from "simple-git";
import { dir } from "tmp-promise";
import { changeInventory } from "../src/git/inventory.js";

test("the inventory of a change lists every path with the facts the rules need", async (t) => {
  const temp = await dir({ unsafeCleanup: true });
  t.after(() => temp.cleanup());
  const root = temp.path;
  const git = simpleGit(root);
  await git.init().addConfig("user.name", "T").addConfig("user.email", "t@example.com");
  await writeFile(join(root, "keep.txt"), "one\ntwo\nthree\n");
  await writeFile(join(root, "old-name.txt"), "a file that only moves\n".repeat(5));
  await writeFile(join(root, "gone.txt"), "bye\n");
  await writeFile(join(root, "image.bin"), Buffer.from([0, 1, 2, 3]));
  await writeFile(join(root, "package.json"), JSON.stringify({ name: "x", version: "1.0.0", dependencies: { a: "1" } }));
  await git.add(".").commit("base");
  const base = await git.revparse(["HEAD"]);

  await writeFile(join(root, "keep.txt"), "one\nTWO\nthree\nfour\n");
  await git.mv("old-name.txt", "new-name.txt");
  await rm(join(root, "gone.txt"));
  await writeFile(join(root, "image.bin"), Buffer.from([0, 9, 9, 9, 9]));
  await writeFile(join(root, "package.json"), JSON.stringify({ name: "x", version: "1.0.1", dependencies: { a: "1" } }));
  await mkdir(join(root, "links"));
  await symlink("../../outside", join(root, "links", "escape"));
  await git.add(["-A", "."]).commit("change");
  const head = await git.revparse(["HEAD"]);

  const files = Object.fromEntries((await changeInventory(root, base, head)).map((file) => [file.path, file]));
  assert.deepEqual(Object.keys(files).sort(), ["gone.txt", "image.bin", "keep.txt", "links/escape", "new-name.txt", "package.json"]);
  assert.deepEqual(
    {
      status: files["keep.txt"]!.status,
      insertions: files["keep.txt"]!.insertions,
      deletions: files["keep.txt"]!.deletions,
      added: files["keep.txt"]!.addedLines,
    },
    {
      status: "modified",
      insertions: 2,
      deletions: 1,
      added: [
        { line: 2, text: "TWO" },
        { line: 4, text: "four" },
      ],
    },
  );
  assert.deepEqual(
    [files["new-name.txt"]!.status, files["new-name.txt"]!.oldPath, files["new-name.txt"]!.addedLines],
    ["renamed", "old-name.txt", []],
  );
  assert.equal(files["gone.txt"]!.status, "deleted");
  assert.deepEqual([files["image.bin"]!.binary, files["image.bin"]!.size, files["image.bin"]!.addedLines], [true, 5, undefined]);
  assert.deepEqual([files["links/escape"]!.mode, files["links/escape"]!.symlinkTarget], ["120000", "../../outside"]);
  assert.deepEqual(files["package.json"]!.manifestText, {
    before: JSON.stringify({ name: "x", version: "1.0.0", dependencies: { a: "1" } }),
    after: JSON.stringify({ name: "x", version: "1.0.1", dependencies: { a: "1" } }),
  });
});
