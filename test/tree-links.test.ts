// Symlinks judged by where they land in the tree they live in, every link on the way followed as a
// checkout would: the pure walk, the blame for links that newly escape, the rule over those facts,
// and a real repository whose chain of links escapes (the cat-file parser is in unit-git-parse).
import assert from "node:assert/strict";
import { mkdir, rm, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { simpleGit } from "simple-git";
import { dir } from "tmp-promise";
import { changeInventory } from "../src/git/inventory.js";
import { escapingLinks, resolveInTree, type TreeLinks } from "../src/git/link-resolution.js";
import type { ChangedFile } from "../src/facts/change.js";
import { evaluatePolicy } from "../src/policy/evaluate.js";
import { loadPolicy } from "../src/policy/load.js";

const tree = (links: Record<string, string | undefined>, dirs: string[] = []): TreeLinks => ({
  links: new Map(Object.entries(links)),
  dirs: new Set(dirs),
});
const landing = (links: TreeLinks, path: string) => {
  const resolution = resolveInTree(links, path);
  return resolution.escapes ? "escapes" : resolution.path;
};

test("a link lands where the kernel would take it, links on the way included", () => {
  const cases: [string, TreeLinks, string, string][] = [
    ["relative target inside", tree({ "docs/current": "v2" }, ["docs", "docs/v2"]), "docs/current", "docs/v2"],
    ["direct escape", tree({ "docs/up": "../../etc/passwd" }, ["docs"]), "docs/up", "escapes"],
    ["absolute target", tree({ abs: "/home/user/.ssh/id_rsa" }), "abs", "escapes"],
    ["unreadable target", tree({ odd: undefined }), "odd", "escapes"],
    ["chain a -> b -> c/.. with c -> ../..", tree({ "l/a": "b", "l/b": "c/..", "l/c": "../.." }, ["l"]), "l/a", "escapes"],
    ["chain that stays inside", tree({ a: "b", b: "d/x" }, ["d"]), "a", "d/x"],
    ["through a linked directory that escapes", tree({ "docs/link": "../lib/x", lib: "../../outside" }, ["docs"]), "docs/link", "escapes"],
    [
      "through a linked directory inside",
      tree({ "docs/link": "../lib/x", lib: "vendor/lib" }, ["docs", "vendor", "vendor/lib"]),
      "docs/link",
      "vendor/lib/x",
    ],
    ["'..' after a linked directory climbs from its target", tree({ x: "l/../..", l: "a/b/c" }, ["a", "a/b", "a/b/c"]), "x", "a"],
    ["loop of two", tree({ a: "b", b: "a" }), "a", "escapes"],
    ["link to itself through './'", tree({ "d/x": "./x" }, ["d"]), "d/x", "escapes"],
    ["dangling inside", tree({ "d/x": "missing/file" }, ["d"]), "d/x", "d/missing/file"],
    ["'..' under a missing directory still counts", tree({ x: "missing/../../y" }), "x", "escapes"],
    ["'..' under a file still counts", tree({ x: "f/../.." }), "x", "escapes"],
    ["'.' is the link's directory", tree({ "d/here": "." }, ["d"]), "d/here", "d"],
    ["'./x/./y' and a trailing slash", tree({ "d/there": "./x/./y/" }, ["d"]), "d/there", "d/x/y"],
    ["a link at the root to '.'", tree({ self: "." }), "self", "."],
    ["a link at the root to '..'", tree({ parent: ".." }), "parent", "escapes"],
  ];
  for (const [name, links, path, expected] of cases) assert.equal(landing(links, path), expected, name);
});

test("a long chain is a loop, as for the kernel (40 links)", () => {
  const chain = (length: number) =>
    tree(Object.fromEntries(Array.from({ length }, (_, i) => [`l${i}`, i === length - 1 ? "end" : `l${i + 1}`])));
  assert.equal(landing(chain(40), "l0"), "end");
  assert.equal(landing(chain(41), "l0"), "escapes");
});

test("each change that touches a link carries the links that escape because of it", () => {
  const cases: [string, TreeLinks, TreeLinks, { path: string; oldPath?: string }[], string[][]][] = [
    ["a changed link that escapes", tree({}), tree({ new: "../x" }), [{ path: "new" }], [["new"]]],
    ["a changed link that lands inside", tree({}), tree({ new: "x" }), [{ path: "new" }], [[]]],
    [
      "a link kept inside that takes an unchanged link out",
      tree({ l: "a/b", x: "l/../.." }, ["a", "a/b"]),
      tree({ l: "a", x: "l/../.." }, ["a", "a/b"]),
      [{ path: "l" }],
      [["x"]],
    ],
    ["a deleted link", tree({ l: "a/b", x: "l/../.." }, ["a", "a/b"]), tree({ x: "l/../.." }, ["a", "a/b"]), [{ path: "l" }], [["x"]]],
    [
      "a renamed link",
      tree({ l: "a/b", x: "l/../.." }, ["a", "a/b"]),
      tree({ m: "a/b", x: "l/../.." }, ["a", "a/b"]),
      [{ path: "m", oldPath: "l" }],
      [["x"]],
    ],
    [
      "a directory removed with the link in it",
      tree({ "d/l": "a/b/c", x: "d/l/../../.." }, ["d", "a", "a/b", "a/b/c"]),
      tree({ x: "d/l/../../.." }, ["a", "a/b", "a/b/c"]),
      [{ path: "d/l" }],
      [["x"]],
    ],
    ["an unchanged link that escaped before too", tree({ old: "../out", l: "a" }), tree({ old: "../out", l: "b" }), [{ path: "l" }], [[]]],
    ["an unrelated change", tree({ l: "a", x: "y" }), tree({ l: "b", x: "../y" }), [{ path: "l" }], [[]]],
  ];
  for (const [name, base, head, changes, expected] of cases) assert.deepEqual(escapingLinks(base, head, changes), expected, name);
});

test("the symlinks rule lists the links the facts name, and falls back to the target text without them", () => {
  const link = (path: string, facts: Partial<ChangedFile>): ChangedFile => ({
    path,
    status: "added",
    insertions: 1,
    deletions: 0,
    binary: false,
    mode: "120000",
    ...facts,
  });
  const reasons = (files: ChangedFile[]) =>
    evaluatePolicy(loadPolicy({ name: "p.yaml", text: "version: 1\n" }), files, []).fired.map(
      (fired) => `${fired.verdict} ${fired.reason}`,
    );
  assert.deepEqual(reasons([link("docs/a", { symlinkTarget: "b", escapingLinks: ["docs/a"] })]), [
    "reject floor-symlinks: symlink points outside the repository: docs/a",
  ]);
  assert.deepEqual(reasons([link("l", { symlinkTarget: "l/../../x", escapingLinks: [] })]), [], "the walk knows better than the text");
  assert.deepEqual(reasons([link("l", { status: "deleted", mode: "000000", escapingLinks: ["x"] })]), [
    "reject floor-symlinks: symlink points outside the repository: x",
  ]);
  assert.deepEqual(reasons([link("up", { symlinkTarget: "../out" })]), [
    "reject floor-symlinks: symlink points outside the repository: up",
  ]);
});

test("a real change whose links escape only through other links is rejected", async (t) => {
  const temp = await dir({ unsafeCleanup: true });
  t.after(() => temp.cleanup());
  const root = join(temp.path, "repo");
  await mkdir(join(root, "a", "b", "c"), { recursive: true });
  const git = simpleGit(root);
  await git.init().addConfig("user.name", "T").addConfig("user.email", "t@example.com");
  await writeFile(join(root, "a", "b", "c", "file.txt"), "x\n");
  await mkdir(join(root, "docs"));
  await writeFile(join(root, "docs", "index.md"), "# docs\n");
  await symlink(Buffer.from([0x30, 0xff]), Buffer.from(join(root, "0odd")), "file");
  await symlink("../../outside", join(root, "lib"));
  await symlink("a/b/c", join(root, "l"));
  await symlink("l/../..", join(root, "x"));
  await git.add(".").commit("base");
  const base = await git.revparse(["HEAD"]);

  await mkdir(join(root, "chain"));
  await symlink("b", join(root, "chain", "a"));
  await symlink("c/..", join(root, "chain", "b"));
  await symlink("../..", join(root, "chain", "c"));
  await symlink("../lib/x", join(root, "docs", "link"));
  await rm(join(root, "l"));
  await symlink("a", join(root, "l"));
  await git.add(["-A", "."]).commit("change");
  const head = await git.revparse(["HEAD"]);

  const files = await changeInventory(root, base, head);
  assert.deepEqual(
    files.map((file) => [file.path, file.symlinkTarget, file.escapingLinks]),
    [
      ["chain/a", "b", ["chain/a"]],
      ["chain/b", "c/..", ["chain/b"]],
      ["chain/c", "../..", ["chain/c"]],
      ["docs/link", "../lib/x", ["docs/link"]],
      ["l", "a", ["x"]],
    ],
  );
  const { verdict, fired } = evaluatePolicy(loadPolicy({ name: "p.yaml", text: "version: 1\n" }), files, []);
  assert.equal(verdict.verdict, "reject");
  assert.deepEqual(
    fired.map((rule) => [rule.reason, rule.paths]),
    [
      [
        "floor-symlinks: symlink points outside the repository: chain/a, chain/b +3 more",
        ["chain/a", "chain/b", "chain/c", "docs/link", "x"],
      ],
    ],
  );
});

test("links with names beyond ASCII are found in the tree, and invalid UTF-8 ones cannot hide behind each other", async (t) => {
  const temp = await dir({ unsafeCleanup: true });
  t.after(() => temp.cleanup());
  const root = temp.path;
  const git = simpleGit(root);
  await git.init().addConfig("user.name", "T").addConfig("user.email", "t@example.com");
  await writeFile(join(root, "README.md"), "x\n");
  await git.add(".").commit("base");
  const base = await git.revparse(["HEAD"]);
  // Both names decode to "n\uFFFD"; the later one's harmless target must not speak for the first.
  await symlink("../../etc", Buffer.from(join(root, "n\xfe"), "latin1"));
  await symlink("ok", Buffer.from(join(root, "n\xff"), "latin1"));
  await symlink("../out", join(root, "über"));
  await git.add(["-A", "."]).commit("change");
  const files = await changeInventory(root, base, await git.revparse(["HEAD"]));
  assert.deepEqual(
    files.map((file) => [file.path, file.escapingLinks]),
    [
      ["n\uFFFD", ["n\uFFFD"]],
      ["n\uFFFD", ["n\uFFFD"]],
      ["über", ["über"]],
    ],
  );
});
