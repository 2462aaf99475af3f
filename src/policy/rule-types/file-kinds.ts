// Rules over what kind of file changed: binaries, symlinks that lead out of the repository (the
// floor's), and submodule pointers (the floor's).
import { posix } from "node:path";
import { pathList } from "../fields.js";
import { pathMatcher } from "../paths.js";
import { listed, ruleType } from "./entry.js";

export const binaryFiles = ruleType({
  fails: "an added or modified binary is outside `allow`",
  verdict: "review",
  params: { allow: pathList.optional() },
  find(params, { files }) {
    const allowed = params.allow ? pathMatcher(params.allow) : () => false;
    const binaries = files.filter((file) => file.binary && (file.status === "added" || file.status === "modified") && !allowed(file.path));
    return listed(
      "binary file added or changed",
      binaries.map((file) => file.path),
    );
  },
});

export const symlinks = ruleType({
  fails: "an added or changed symlink points outside the repository",
  verdict: "reject",
  params: {},
  find(_, { files }) {
    const escaping = files.flatMap(
      (file) =>
        file.escapingLinks ??
        (file.mode === "120000" && file.status !== "deleted" && escapes(file.path, file.symlinkTarget) ? [file.path] : []),
    );
    return listed("symlink points outside the repository", escaping);
  },
});

export const submodules = ruleType({
  fails: "a submodule pointer changed",
  verdict: "review",
  params: {},
  find: (_, { files }) =>
    listed(
      "submodule pointer changed",
      files.filter((file) => file.mode === "160000").map((file) => file.path),
    ),
});

/**
 * For facts without `escapingLinks`: lexically, an absolute target or one whose ".." climbs above
 * the root; unknown targets count.
 */
function escapes(path: string, target: string | undefined): boolean {
  if (target === undefined || target.startsWith("/")) return true;
  const resolved = posix.normalize(posix.join(posix.dirname(path), target));
  return resolved === ".." || resolved.startsWith("../");
}
