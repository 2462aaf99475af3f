// lockfile-sync: a manifest and its lockfile change together (the matching lives in ../lockfiles.ts).
import { z } from "zod";
import { fileName, strict } from "../fields.js";
import { lockfileSyncProblems } from "../lockfiles.js";
import { listed, ruleType } from "./entry.js";

const lockfilePair = strict({
  manifest: fileName,
  lockfiles: z.array(fileName).min(1).max(8),
  deps_only: z.boolean().optional().describe("package.json only: count the manifest as changed only when a dependency field changed."),
});

export const lockfileSync = ruleType({
  fails: "a manifest changed without its lockfile, or a lockfile without a manifest",
  verdict: "review",
  params: { pairs: z.array(lockfilePair).min(1).max(20) },
  find(params, { files }) {
    const { unlocked, orphaned } = lockfileSyncProblems(params.pairs, files);
    if (!unlocked.length && !orphaned.length) return undefined;
    const text = !orphaned.length
      ? "manifest changed without its lockfile"
      : !unlocked.length
        ? "lockfile changed without its manifest"
        : "manifests and lockfiles out of step";
    return listed(text, [...unlocked, ...orphaned]);
  },
});
