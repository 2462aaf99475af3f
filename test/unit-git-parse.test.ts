// git's output as values: each parser of src/git/parse.ts, a commit's text and a message's trailers
// over canned output, copied from real git 2.39 runs (ids shortened to repeated digits). No
// process, no repository.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  addedLinesByFile,
  addedLineMax,
  isObjectId,
  nulEntries,
  parseBatch,
  parseDiffRaw,
  parseGitdirPointer,
  parseHeadFile,
  parseIdent,
  parseLsTree,
  parseMergeTree,
  parseNameStatus,
  parseNumstat,
  parseObjectIds,
  parseObjectSizes,
  parsePackedRefs,
  parseStatusV2,
  parseWorktreeList,
  quotedPaths,
} from "../src/git/parse.js";
import { parseCommit } from "../src/git/loose-objects.js";
import { withTrailers } from "../src/git/commit.js";

const id = (digit: number) => String(digit).repeat(40);
const zeros = "0".repeat(40);
/** Entries as git -z prints them, each NUL-terminated. */
const z = (...entries: string[]) => entries.map((entry) => `${entry}\0`).join("");

test("object ids are full SHA-1 or SHA-256 hex, nothing shorter, longer or upper-case", () => {
  const cases: [string, boolean][] = [
    [id(1), true],
    ["a".repeat(64), true],
    ["a".repeat(39), false],
    ["a".repeat(41), false],
    ["a".repeat(63), false],
    ["A".repeat(40), false],
    [`${id(1)}\n`, false],
    ["", false],
  ];
  for (const [text, expected] of cases) assert.equal(isObjectId(text), expected, JSON.stringify(text));
});

test("NUL-terminated entries keep their spaces; no output is no entries", () => {
  assert.deepEqual(nulEntries(""), []);
  assert.deepEqual(nulEntries("a\0 b \0"), ["a", " b "]);
  assert.deepEqual(nulEntries("a\0\0b\0"), ["a", "", "b"]);
});

test("cat-file --batch-check answers: ids, misses, and sizes", () => {
  assert.deepEqual(parseObjectIds(`${id(1)}\nHEAD^{commit} missing\n${id(2)}\n`, 3), [id(1), undefined, id(2)]);
  assert.deepEqual(parseObjectIds(`${id(1)}\n`, 1), [id(1)]);
  assert.deepEqual(parseObjectIds("main ambiguous\n", 1), [undefined]);
  assert.deepEqual(
    parseObjectSizes(`${id(1)} 12\n${id(2)} 0\n`),
    new Map([
      [id(1), 12],
      [id(2), 0],
    ]),
  );
  assert.deepEqual(parseObjectSizes(""), new Map());
});

test("git var's identity line gives name and email, or nothing", () => {
  const cases: [string, { name: string; email: string } | undefined][] = [
    ["Ada Lovelace <ada@example.com> 1796189787 +0000\n", { name: "Ada Lovelace", email: "ada@example.com" }],
    ["t <t@t> 1796189787 -0130", { name: "t", email: "t@t" }],
    ["Name <> 1796189787 +0000", { name: "Name", email: "" }],
    ["Ada <ada@example.com>", undefined],
    ["", undefined],
  ];
  for (const [line, expected] of cases) assert.deepEqual(parseIdent(line), expected, line);
});

test("a worktree's .git file points to its git dir", () => {
  assert.equal(parseGitdirPointer("gitdir: /repo/.git/worktrees/job-a1b2\n"), "/repo/.git/worktrees/job-a1b2");
  assert.equal(parseGitdirPointer("gitdir:../.git/worktrees/x  \n"), "../.git/worktrees/x");
  assert.equal(parseGitdirPointer("gitdir: \n"), undefined);
  assert.equal(parseGitdirPointer("ref: refs/heads/main\n"), undefined);
});

test("HEAD files and packed-refs: what the files settle, and undefined for what they do not", () => {
  assert.deepEqual(parseHeadFile("ref: refs/heads/main\n"), { branch: "refs/heads/main" });
  assert.deepEqual(parseHeadFile(`${id(1)}\n`), { commit: id(1) });
  for (const text of ["ref: refs/remotes/origin/main\n", "ref: refs/heads/a b\n", "ref: refs/heads/\n", "", "gitdir: x"]) {
    assert.equal(parseHeadFile(text), undefined, JSON.stringify(text));
  }
  const packed = `# pack-refs with: peeled fully-peeled sorted \n${id(1)} refs/heads/main\n${id(2)} refs/tags/v1\n^${id(3)}\n`;
  assert.deepEqual(
    parsePackedRefs(packed),
    new Map([
      ["refs/heads/main", id(1)],
      ["refs/tags/v1", id(2)],
    ]),
  );
  assert.deepEqual(parsePackedRefs(""), new Map());
  assert.equal(parsePackedRefs(`${id(1).slice(0, 7)} refs/heads/main\n`), undefined);
  assert.equal(parsePackedRefs(`${id(1)}\n`), undefined);
});

test("worktree list --porcelain: each checkout with its branch, -z or not", () => {
  const z = `worktree /repo\0HEAD ${id(1)}\0branch refs/heads/main\0\0worktree /wt/a b\0HEAD ${id(1)}\0branch refs/heads/code-worker/x-a1b2\0\0worktree /wt/d\0HEAD ${id(1)}\0detached\0\0`;
  const expected = [
    { path: "/repo", branch: "refs/heads/main" },
    { path: "/wt/a b", branch: "refs/heads/code-worker/x-a1b2" },
    { path: "/wt/d" },
  ];
  assert.deepEqual(parseWorktreeList(nulEntries(z)), expected);
  assert.deepEqual(parseWorktreeList(z.replaceAll("\0", "\n").split("\n")), expected);
  assert.deepEqual(parseWorktreeList([]), []);
});

test("diff-tree --name-status -z: a letter then its path, renames as a deletion and an addition", () => {
  const entries = nulEntries(z("A", " new name.txt", "A", "added.txt", "M", "bin.dat", "D", "d/link", "D", "old.txt"));
  assert.deepEqual(parseNameStatus(entries), [
    { status: "A", path: " new name.txt" },
    { status: "A", path: "added.txt" },
    { status: "M", path: "bin.dat" },
    { status: "D", path: "d/link" },
    { status: "D", path: "old.txt" },
  ]);
  assert.deepEqual(parseNameStatus(["A"]), [], "a status without its path is dropped");
});

test("status --porcelain=v2 -z: changed and unmerged paths, spaces kept", () => {
  const changed = `1 .M N... 100644 100644 100644 ${id(1)} ${id(1)} keep.txt`;
  const spaced = `1 M. N... 100644 100644 100644 ${id(1)} ${id(2)} dir/a  b.txt`;
  const unmerged = `u UU N... 100644 100644 100644 100644 ${id(1)} ${id(2)} ${id(3)} both.txt`;
  const work = parseStatusV2([changed, spaced, unmerged, "? untracked.txt", "! ignored.txt"]);
  assert.deepEqual([...work.changed], ["keep.txt", "dir/a  b.txt"]);
  assert.deepEqual(work.unmerged, ["both.txt"]);
  assert.deepEqual(parseStatusV2([]), { changed: new Set(), unmerged: [] });
});

test("merge-tree --write-tree --name-only -z: the tree, then each conflicted path", () => {
  assert.deepEqual(parseMergeTree(`${id(4)}\0`), { tree: id(4), conflicts: [] });
  assert.deepEqual(parseMergeTree(`${id(4)}\0keep.txt\0 a path with spaces \0`), {
    tree: id(4),
    conflicts: ["keep.txt", " a path with spaces "],
  });
  assert.throws(() => parseMergeTree(""), { message: 'git merge-tree printed no tree: ""' });
});

test("the paths git quotes in a refusal", () => {
  assert.deepEqual(quotedPaths("error: Entry 'keep.txt' not uptodate. Cannot merge.\n"), ["keep.txt"]);
  assert.deepEqual(quotedPaths("error: Entry 'a b' would be overwritten by merge.\nerror: Entry 'c' not uptodate.\n"), ["a b", "c"]);
  assert.deepEqual(quotedPaths("fatal: Unable to create '/repo/.git/index.lock': File exists."), ["/repo/.git/index.lock"]);
  assert.deepEqual(quotedPaths("fatal: nothing quoted"), []);
});

test("diff --raw -z: status, paths and modes; a rename keeps both paths, a copy counts as added", () => {
  const raw = nulEntries(
    z(
      `:100644 100644 ${id(1)} ${id(1)} R100`,
      "old.txt",
      " new name.txt",
      `:000000 100644 ${zeros} ${id(2)} A`,
      "added.txt",
      `:100644 100644 ${id(3)} ${id(4)} M`,
      "bin.dat",
      `:120000 000000 ${id(5)} ${zeros} D`,
      "d/link",
      `:100644 100755 ${id(6)} ${id(6)} M`,
      "run.sh",
      `:100644 100644 ${id(6)} ${id(7)} C075`,
      "run.sh",
      "copy.sh",
      `:100644 120000 ${id(6)} ${id(8)} T`,
      "was-file",
    ),
  );
  assert.deepEqual(parseDiffRaw(raw), [
    { status: "renamed", oldPath: "old.txt", path: " new name.txt", oldMode: "100644", newMode: "100644", newBlob: id(1) },
    { status: "added", path: "added.txt", oldMode: "000000", newMode: "100644", newBlob: id(2) },
    { status: "modified", path: "bin.dat", oldMode: "100644", newMode: "100644", newBlob: id(4) },
    { status: "deleted", path: "d/link", oldMode: "120000", newMode: "000000", newBlob: zeros },
    { status: "modified", path: "run.sh", oldMode: "100644", newMode: "100755", newBlob: id(6) },
    { status: "added", oldPath: undefined, path: "copy.sh", oldMode: "100644", newMode: "100644", newBlob: id(7) },
    { status: "modified", path: "was-file", oldMode: "100644", newMode: "120000", newBlob: id(8) },
  ]);
  assert.deepEqual(parseDiffRaw([]), []);
});

test("diff --numstat -z: counts in --raw's order, a rename's paths skipped, binaries as zero", () => {
  const numstat = nulEntries(
    z("0\t0\t", "old.txt", " new name.txt", "1\t0\tadded.txt", "-\t-\tbin.dat", "0\t1\td/link", "12\t3\tkeep.txt"),
  );
  assert.deepEqual(parseNumstat(numstat), [
    { insertions: 0, deletions: 0, binary: false },
    { insertions: 1, deletions: 0, binary: false },
    { insertions: 0, deletions: 0, binary: true },
    { insertions: 0, deletions: 1, binary: false },
    { insertions: 12, deletions: 3, binary: false },
  ]);
});

test("a -U0 patch's added lines per file, numbered in the new file, long lines cut", () => {
  const patch = [
    "diff --git a/src/a.ts b/src/a.ts",
    "index 1111111..2222222 100644",
    "--- a/src/a.ts",
    "+++ b/src/a.ts",
    "@@ -2,0 +3,2 @@ export const a = 1;",
    "+const key = 'x';",
    "+",
    "@@ -9 +11 @@",
    "-old",
    "+new",
    "diff --git a/gone.txt b/gone.txt",
    "deleted file mode 100644",
    "index 3333333..0000000",
    "--- a/gone.txt",
    "+++ /dev/null",
    "@@ -1 +0,0 @@",
    "-bye",
    "diff --git a/min.js b/min.js",
    "new file mode 100644",
    "index 0000000..4444444",
    "--- /dev/null",
    "+++ b/min.js",
    "@@ -0,0 +1 @@",
    `+${"m".repeat(addedLineMax + 10)}`,
    "",
  ].join("\n");
  assert.deepEqual(addedLinesByFile(patch), [
    [
      { line: 3, text: "const key = 'x';" },
      { line: 4, text: "" },
      { line: 11, text: "new" },
    ],
    [],
    [{ line: 1, text: "m".repeat(addedLineMax) }],
  ]);
});

test("ls-tree -r -t -z: directories, and each link's blob unless its name was not valid UTF-8", () => {
  const entries = nulEntries(
    z(
      `100644 blob ${id(1)}\tbin.dat`,
      `040000 tree ${id(2)}\td`,
      `120000 blob ${id(3)}\td/link`,
      `120000 blob ${id(4)}\tbad\uFFFDname`,
      `160000 commit ${id(5)}\tsub`,
      `120000 blob ${id(6)}\ta\tb`,
    ),
  );
  const links = new Map([
    ["d/link", id(3)],
    ["bad\uFFFDname", undefined],
    ["a\tb", id(6)],
  ]);
  assert.deepEqual(parseLsTree(entries), { dirs: new Set(["d"]), links });
});

test("cat-file --batch answers are split by byte size, and an inexact target stops the answer", () => {
  const answer = (object: string, content: string, type = "blob") => `${object} ${type} ${Buffer.byteLength(content)}\n${content}\n`;
  const cases: [string, string, string[], (string | undefined)[]][] = [
    ["multi-byte targets", answer(id(1), "dé/ü") + answer(id(2), "../x"), [id(1), id(2)], ["dé/ü", "../x"]],
    ["a missing blob", `${id(1)} missing\n${answer(id(2), "y")}`, [id(1), id(2)], [undefined, "y"]],
    ["the kernel cuts at the NUL", answer(id(1), "a\0/../..") + answer(id(2), "y"), [id(1), id(2)], [undefined, "y"]],
    ["longer than PATH_MAX", answer(id(1), "x".repeat(4096)) + answer(id(2), "y"), [id(1), id(2)], [undefined, "y"]],
    ["as long as PATH_MAX allows", answer(id(1), "x".repeat(4095)), [id(1)], ["x".repeat(4095)]],
    ["not a blob", answer(id(1), "tree bytes", "tree") + answer(id(2), "y"), [id(1), id(2)], [undefined, "y"]],
    ["not valid UTF-8", `${id(1)} blob 1\n\uFFFD\n${answer(id(2), "y")}`, [id(1), id(2)], [undefined]],
  ];
  for (const [name, output, blobs, expected] of cases) assert.deepEqual(parseBatch(output, blobs), expected, name);
  assert.throws(() => parseBatch(answer(id(2), "y"), [id(1)]), {
    message: `git cat-file --batch answered "${id(2)} blob 1" where ${id(1)} was asked; check the repository with git fsck`,
  });
});

test("a commit's text gives its tree, parents, author and message; one without a tree or author gives nothing", () => {
  const author = "code-worker <code-worker@localhost> 1796222856 +0100";
  const text = `tree ${id(1)}\nparent ${id(2)}\nparent ${id(3)}\nauthor ${author}\ncommitter Ann <ann@x> 1796222857 +0000\n\nsubject\n\nbody\n`;
  assert.deepEqual(parseCommit(text), { tree: id(1), parents: [id(2), id(3)], author, message: "subject\n\nbody\n" });
  assert.deepEqual(parseCommit(`tree ${id(1)}\nauthor ${author}\ncommitter ${author}`), { tree: id(1), parents: [], author, message: "" });
  assert.equal(parseCommit(`parent ${id(2)}\nauthor ${author}\n\nx\n`), undefined);
  assert.equal(parseCommit(`tree ${id(1)}\ncommitter ${author}\n\nx\n`), undefined);
});

test("trailers join the message's trailer block, a key already there takes the new value; the subject is never the block", () => {
  const verdict = { "Code-Worker-Verdict": "approve" };
  const cases: [string, string, string][] = [
    [
      "subject, body, block",
      "fix: x\n\nbody: not a trailer\n\nCode-Worker-Job: a-1\n",
      "fix: x\n\nbody: not a trailer\n\nCode-Worker-Job: a-1\nCode-Worker-Verdict: approve\n",
    ],
    [
      "an earlier verdict",
      "fix: x\n\nCode-Worker-Job: a-1\nCode-Worker-Verdict: reject\n",
      "fix: x\n\nCode-Worker-Job: a-1\nCode-Worker-Verdict: approve\n",
    ],
    [
      "a last paragraph of prose",
      "fix: x\n\nDone: all of it.\nAnd more.\n",
      "fix: x\n\nDone: all of it.\nAnd more.\n\nCode-Worker-Verdict: approve\n",
    ],
    ["a subject that looks like a trailer", "fix: x\n", "fix: x\n\nCode-Worker-Verdict: approve\n"],
  ];
  for (const [name, message, expected] of cases) assert.equal(withTrailers(message, verdict), expected, name);
});
