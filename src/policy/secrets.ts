// Credential detectors for added lines. The patterns are our own, each anchored on a fixed prefix so
// a keyword prefilter skips most lines. A finding keeps the detector and file:line, never the text.
import type { PathMatcher } from "./paths.js";

export const detectorIds = [
  "private-key",
  "aws-access-key-id",
  "github-token",
  "gitlab-token",
  "slack-token",
  "stripe-live-key",
  "google-api-key",
  "npm-token",
  "anthropic-api-key",
  "openai-api-key",
] as const;
export type DetectorId = (typeof detectorIds)[number];

export interface Detector {
  id: string;
  /** Lower-case; a line is tried only if it contains one of them (all lines when empty). */
  keywords: string[];
  /** Global, so one line can hold several candidates and an allowed one does not hide the next. */
  pattern: RegExp;
}

const builtin: Record<DetectorId, { keywords: string[]; pattern: RegExp }> = {
  "private-key": { keywords: ["private key"], pattern: /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----/g },
  "aws-access-key-id": { keywords: ["akia", "asia"], pattern: /\b(?:AKIA|ASIA)[A-Z2-7]{16}\b/g },
  "github-token": {
    keywords: ["ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"],
    pattern: /\b(?:gh[pousr]_[A-Za-z0-9]{36}|github_pat_[A-Za-z0-9_]{82})(?![A-Za-z0-9_])/g,
  },
  "gitlab-token": { keywords: ["glpat-"], pattern: /\bglpat-[A-Za-z0-9_-]{20,}/g },
  "slack-token": {
    keywords: ["xox", "hooks.slack.com"],
    pattern: /\bxox[abposr]-[A-Za-z0-9-]{10,}|hooks\.slack\.com\/services\/[A-Za-z0-9_/]{20,}/g,
  },
  "stripe-live-key": { keywords: ["k_live_"], pattern: /\b[rs]k_live_[A-Za-z0-9]{20,}/g },
  "google-api-key": { keywords: ["aiza"], pattern: /\bAIza[A-Za-z0-9_-]{35}(?![A-Za-z0-9_-])/g },
  "npm-token": { keywords: ["npm_"], pattern: /\bnpm_[A-Za-z0-9]{36}(?![A-Za-z0-9])/g },
  "anthropic-api-key": { keywords: ["sk-ant-"], pattern: /\bsk-ant-(?:api|admin)\d{2}-[A-Za-z0-9_-]{80,}/g },
  // Project, service and legacy keys all carry "T3BlbkFJ", base64 of "OpenAI".
  "openai-api-key": { keywords: ["t3blbkfj"], pattern: /\bsk-[A-Za-z0-9_-]{0,200}T3BlbkFJ[A-Za-z0-9_-]{20,}/g },
};

export function builtinDetectors(ids: readonly DetectorId[]): Detector[] {
  return ids.map((id) => ({ id, keywords: builtin[id].keywords, pattern: new RegExp(builtin[id].pattern) }));
}

export function customDetector(custom: { id: string; regex: string; keywords?: string[] }): Detector {
  return { id: custom.id, keywords: (custom.keywords ?? []).map((k) => k.toLowerCase()), pattern: new RegExp(custom.regex, "g") };
}

export interface SecretFinding {
  detector: string;
  path: string;
  line: number;
}

export interface ScannedFile {
  path: string;
  addedLines: { line: number; text: string }[];
}

export interface SecretScanOptions {
  detectors: Detector[];
  allowPaths?: PathMatcher;
  /** Tested against the matched text, so "EXAMPLE$" lets AWS's documented example key through. */
  allowPatterns: RegExp[];
}

/** Findings in file order, at most one per detector and line. */
export function scanForSecrets(files: ScannedFile[], options: SecretScanOptions): SecretFinding[] {
  const findings: SecretFinding[] = [];
  for (const file of files) {
    if (options.allowPaths?.(file.path)) continue;
    for (const { line, text } of file.addedLines) {
      const lower = text.toLowerCase();
      for (const detector of options.detectors) {
        if (detector.keywords.length && !detector.keywords.some((k) => lower.includes(k))) continue;
        if (hasUnallowedMatch(detector.pattern, text, options.allowPatterns))
          findings.push({ detector: detector.id, path: file.path, line });
      }
    }
  }
  return findings;
}

function hasUnallowedMatch(pattern: RegExp, text: string, allowPatterns: RegExp[]): boolean {
  for (const match of text.matchAll(pattern)) {
    if (!allowPatterns.some((allow) => allow.test(match[0]))) return true;
  }
  return false;
}
