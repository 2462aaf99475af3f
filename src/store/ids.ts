// Job ids are `<label>-<4 base36>`; they name a directory and a branch, so they are checked
// against one strict pattern before they touch either.
import { UserError } from "../errors.js";
import { randomInt } from "node:crypto";

const labelMax = 32;
const idPattern = /^[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?-[a-z0-9]{4}$/;
const labelPattern = /^[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?$/;

const stopWords = new Set(["a", "an", "the", "to", "of", "in", "on", "for", "and", "or", "please", "with", "so", "that", "it"]);

/** A short slug from the host's label, or from the task's first words when there is none. */
export function taskLabel(task: string, label?: string): string {
  if (label !== undefined) {
    const slug = slugify(label);
    if (!labelPattern.test(slug)) {
      throw new UserError("invalid_input", `task_label "${label}" has no letters or digits; use a short slug like "orders-import-fix"`, {
        field: "task_label",
      });
    }
    return slug;
  }
  const words = task
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w && !stopWords.has(w))
    .slice(0, 4);
  return slugify(words.join("-")) || "job";
}

function slugify(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .slice(0, labelMax)
    .replace(/^-+|-+$/g, "");
}

export function newJobId(label: string): string {
  const suffix = Array.from({ length: 4 }, () => randomInt(36).toString(36)).join("");
  return `${label}-${suffix}`;
}

export function isJobId(value: string): boolean {
  return idPattern.test(value);
}

export function assertJobId(value: string): string {
  if (!isJobId(value))
    throw new UserError("invalid_input", `"${value}" is not a job id (they look like orders-import-fix-k7m2)`, { field: "job_id" });
  return value;
}
