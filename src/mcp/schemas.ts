// The shapes hosts send and get back. Descriptions are read by the host's model on every turn,
// so they are short.
import { z } from "zod";
import { cancelReasons } from "../jobs/record.js";

export const jobId = z.string().describe("From start, e.g. fix-sum-k7m2");

export const startInput = {
  cwd: z.string().describe("Absolute path in the git repository"),
  task: z.string().describe("What to change and how to check it"),
  task_label: z.string().optional().describe("Short slug for id and branch"),
  execution_tier: z.enum(["fast", "think", "auto"]).optional().describe("Default auto"),
  base: z.string().optional().describe("Start point, default HEAD"),
  timeout_s: z.number().int().optional().describe("Worker time limit, 10-86400"),
};

export const cancelReason = z.enum(cancelReasons);

/**
 * Every job view: start, liveness while running, the compact result once ended. The fields a
 * host branches on are typed; the rest (liveness, changes, worker, …) pass through, which keeps
 * five copies of this schema from dominating tools/list.
 */
export const jobViewSchema = z.looseObject({
  job_id: z.string(),
  status: z.string(),
  next_poll_s: z.number().optional(),
  error: z.string().optional(),
  next: z.string().optional(),
});

export const listShape = {
  jobs: z.array(z.string()),
  more: z.number().optional(),
};

export const detailShape = {
  job_id: z.string(),
  what: z.string(),
  path: z.string().optional(),
  text: z.string(),
  bytes: z.number(),
  truncated_bytes: z.number().optional(),
};
