// Rules over which paths a change touched: allowed, forbidden and protected paths, and a test
// change wherever source changed.
import { z } from "zod";
import type { ChangedFile } from "../../facts/change.js";
import { pathList, relPath, strict } from "../fields.js";
import { changeKinds, pathEvents, type ChangeKind } from "../path-events.js";
import { pathMatcher } from "../paths.js";
import { listed, ruleType } from "./entry.js";

const examples = strict({ match: z.array(relPath).max(50).optional(), not_match: z.array(relPath).max(50).optional() }).describe(
  "Paths that must and must not match, checked when the policy loads.",
);
const on = z
  .array(z.enum(changeKinds))
  .min(1)
  .describe("Only these kinds of change count; a rename is its old path deleted and its new path added.");

export const allowedPaths = ruleType({
  fails: "a changed path matches none of `paths`",
  verdict: "reject",
  params: { paths: pathList, examples: examples.optional() },
  find({ paths }, { files }) {
    const allowed = pathMatcher(paths);
    return listed(
      "changed outside the allowed paths",
      pathEvents(files)
        .filter((event) => !allowed(event.path))
        .map((event) => event.path),
    );
  },
});

const matchedPaths = { paths: pathList, on: on.optional(), examples: examples.optional() };

export const forbiddenPaths = ruleType({
  fails: "a changed path matches `paths`",
  verdict: "reject",
  params: matchedPaths,
  find: (params, { files }) => listed("forbidden path changed", matchingPaths(params, files)),
});

export const protectedPaths = ruleType({
  fails: "a changed path matches `paths`",
  verdict: "review",
  params: matchedPaths,
  find: (params, { files }) => listed("protected path changed", matchingPaths(params, files)),
});

function matchingPaths(params: { paths: string[]; on?: ChangeKind[] }, files: ChangedFile[]): string[] {
  const matches = pathMatcher(params.paths);
  const on = params.on;
  return pathEvents(files)
    .filter((event) => matches(event.path) && (!on || event.kinds.some((kind) => on.includes(kind))))
    .map((event) => event.path);
}

export const testsRequired = ruleType({
  fails: "a source file changed and no test file did",
  verdict: "review",
  params: { source: pathList, tests: pathList },
  find(params, { files }) {
    const source = pathMatcher(params.source);
    const tests = pathMatcher(params.tests);
    const present = files.filter((file) => file.status !== "deleted");
    if (present.some((file) => tests(file.path))) return undefined;
    return listed(
      "source changed without a test change",
      present.filter((file) => source(file.path)).map((file) => file.path),
    );
  },
});
