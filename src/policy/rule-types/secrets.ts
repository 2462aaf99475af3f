// secrets: credentials in added lines, by built-in and custom detectors (the scanning lives in
// ../secrets.ts). A finding names the detector and file:line, never the matched text.
import { z } from "zod";
import { id, pathList, strict } from "../fields.js";
import { pathMatcher } from "../paths.js";
import { coded, describeValue, didYouMean } from "../problems.js";
import { builtinDetectors, customDetector, detectorIds, scanForSecrets } from "../secrets.js";
import { ruleType } from "./entry.js";

function regexProblem(source: string): string | undefined {
  let compiled: RegExp;
  try {
    compiled = new RegExp(source);
  } catch (error) {
    return `is not a valid regular expression: ${(error as Error).message.replace(/^Invalid regular expression: /, "")}`;
  }
  return compiled.test("") ? "matches the empty string, so it would match every line" : undefined;
}
const regex = z
  .string()
  .min(1)
  .max(512)
  .refine((source) => regexProblem(source) === undefined, { error: (issue) => coded("BAD_REGEX", regexProblem(String(issue.input))!) })
  .describe("JavaScript regular expression source, without slashes or flags.");

function detectorsProblem(value: unknown): string {
  const unknown = Array.isArray(value) ? value.find((id) => !(detectorIds as readonly unknown[]).includes(id)) : undefined;
  if (typeof unknown === "string")
    return `unknown detector "${unknown}"${didYouMean(unknown, detectorIds)}; known: ${detectorIds.join(", ")}`;
  return `must be "all" or a list of detector ids, got ${describeValue(value)}`;
}

const customDetectorSchema = strict({
  id: id.refine((value) => !(detectorIds as readonly string[]).includes(value), {
    error: (issue) => coded("INVALID_VALUE", `"${String(issue.input)}" is a built-in detector; list it under detectors instead`),
  }),
  regex,
  keywords: z.array(z.string().min(2).max(64)).max(10).optional().describe("Only lines containing one of these (any case) are tried."),
});

export const secrets = ruleType({
  fails: "an added line holds a credential",
  verdict: "reject",
  params: {
    detectors: z
      .union([z.literal("all"), z.array(z.enum(detectorIds))], { error: (issue) => coded("INVALID_VALUE", detectorsProblem(issue.input)) })
      .optional()
      .describe('"all" (the default) or a list; [] runs only custom ones.'),
    custom: z.array(customDetectorSchema).max(50).optional(),
    allow: strict({
      paths: pathList.optional(),
      patterns: z.array(regex).max(100).optional().describe("Tested against the matched text."),
    }).optional(),
  },
  defaults: { detectors: "all" },
  find(params, { files }) {
    const ids = params.detectors === "all" ? detectorIds : params.detectors;
    const findings = scanForSecrets(
      files
        .filter((file) => !file.binary && file.status !== "deleted")
        .map((file) => ({ path: file.path, addedLines: file.addedLines ?? [] })),
      {
        detectors: [...builtinDetectors(ids), ...(params.custom ?? []).map(customDetector)],
        allowPaths: params.allow?.paths ? pathMatcher(params.allow.paths) : undefined,
        allowPatterns: (params.allow?.patterns ?? []).map((pattern) => new RegExp(pattern)),
      },
    );
    if (!findings.length) return undefined;
    return {
      text: "credential in added lines",
      items: findings.map((finding) => `${finding.detector} at ${finding.path}:${finding.line}`),
      paths: [...new Set(findings.map((finding) => finding.path))],
    };
  },
});
